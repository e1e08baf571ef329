// queuectl schedule add / schedules / schedule remove: the same checks as the API.
import { queueEnv, queuectl, queuectlJson, type Env } from './queuectl';

let env: Env;
beforeAll(() => {
  env = queueEnv();
});

test('adds a schedule, lists it with its next run, refuses a bad one, removes it', async () => {
  const added = await queuectlJson(
    [
      'schedule',
      'add',
      'nightly-digest',
      '--cron',
      '0 2 * * *',
      '--timezone',
      'Europe/Paris',
      '--type',
      'send_email',
      '--payload',
      '{"to": "ops@example.com", "subject": "Digest", "message": "..."}',
    ],
    env,
  );
  expect(added).toMatchObject({ name: 'nightly-digest', timezone: 'Europe/Paris' });
  expect(Date.parse(added.next_run_at)).toBeGreaterThan(Date.now());

  const listed = await queuectl(['schedules'], env);
  expect(listed.stdout).toMatch(
    /^nightly-digest {2}0 2 \* \* \* \(Europe\/Paris\) {2}send_email {2}next \S+Z\n$/,
  );

  // Rows of different widths line up in columns.
  const payload = '{"to": "ops@example.com", "subject": "Ping", "message": "..."}';
  const x = ['schedule', 'add', 'x', '--cron', '*/5 * * * *', '--type', 'send_email'];
  expect((await queuectl([...x, '--payload', payload], env)).code).toBe(0);
  const rows = (await queuectl(['schedules'], env)).stdout.trimEnd().split('\n');
  expect(rows).toHaveLength(2);
  expect(new Set(rows.map((row) => row.indexOf('send_email'))).size).toBe(1);
  expect(new Set(rows.map((row) => row.indexOf('  next '))).size).toBe(1);
  await queuectl(['schedule', 'remove', 'x'], env);

  const bad = await queuectl(
    ['schedule', 'add', 'broken', '--cron', 'every day', '--type', 'send_email'],
    env,
  );
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('cron');

  expect((await queuectl(['schedule', 'remove', 'nightly-digest'], env)).stdout).toBe(
    'Schedule nightly-digest removed\n',
  );
  expect((await queuectl(['schedules'], env)).stdout).toBe('No schedules\n');
});

// queuectl schedule add / schedules / schedule remove: the same checks as the API.
import { createRedis, queueKeys } from '@jobqueue/shared';
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

test('schedules says when the last tick of a schedule submitted nothing, and why', async () => {
  const own = queueEnv();
  const add = ['schedule', 'add', 'hourly', '--cron', '0 * * * *', '--type', 'send_email'];
  const payload = '{"to": "ops@example.com", "subject": "Ping", "message": "..."}';
  expect((await queuectl([...add, '--payload', payload], own)).code).toBe(0);
  // What an API process writes when a tick's submission is refused.
  const redis = createRedis({ redisUrl: own.REDIS_URL! });
  try {
    const run = { at: '2026-12-05T01:00:00.000Z', job_id: null, error: 'invalid job: nope' };
    await redis.hset(queueKeys(own.QUEUE_NAME!).scheduleRuns, 'hourly', JSON.stringify(run));
    expect((await queuectl(['schedules'], own)).stdout).toMatch(
      / {2}next \S+Z {2}last tick 2026-12-05T01:00:00.000Z submitted nothing: invalid job: nope\n$/,
    );
    expect((await queuectlJson(['schedules'], own)).schedules[0].last_run).toEqual(run);
  } finally {
    await queuectl(['schedule', 'remove', 'hourly'], own);
    redis.disconnect();
  }
});

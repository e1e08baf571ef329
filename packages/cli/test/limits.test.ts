// queuectl limits: shows and changes a type's limits at run time, and resets them.
import { queueEnv, queuectl, queuectlJson, type Env } from './queuectl';

let env: Env;
beforeAll(() => {
  env = queueEnv();
});

test('sets, shows, removes and resets the limits of a type', async () => {
  expect((await queuectl(['limits', 'send_email'], env)).stdout).toBe('send_email: no limits\n');
  const set = await queuectl(
    ['limits', 'send_email', '--max-concurrency', '5', '--rate', '100/1m'],
    env,
  );
  expect(set.stdout).toBe('send_email: max concurrency 5, at most 100 per 60000 ms\n');
  expect(await queuectlJson(['limits', 'send_email', '--rate', 'none'], env)).toEqual({
    job_type: 'send_email',
    limits: { max_concurrency: 5 },
  });
  expect((await queuectl(['limits', 'send_email', '--reset'], env)).stdout).toBe(
    'send_email: no limits\n',
  );
  const bad = await queuectl(['limits', 'send_email', '--rate', 'fast'], env);
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toContain('--rate takes MAX/DURATION');
});

test('an unknown type is refused whether its limits are shown or changed', async () => {
  const shown = await queuectl(['limits', 'nope'], env);
  const changed = await queuectl(['limits', 'nope', '--max-concurrency', '2'], env);
  expect([shown.code, changed.code]).toEqual([3, 3]);
  expect(shown.stderr).toBe(changed.stderr);
  expect(shown.stderr).toMatch(/nope/);
});

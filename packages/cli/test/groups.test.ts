// queuectl enqueue --group, queuectl group (settings) and queuectl groups (what each group has).
import { queueEnv, queuectl, queuectlJson, type Env } from './queuectl';

let env: Env;
beforeAll(() => {
  env = queueEnv();
});

const EMAIL = '{"to":"user@example.com","subject":"Hi","message":"Hello!"}';

test('enqueues into a group, sets its settings and lists it', async () => {
  for (let i = 0; i < 2; i++) {
    const sent = await queuectl(
      ['enqueue', '--type', 'send_email', '--payload', EMAIL, '--group', 'customer-42'],
      env,
    );
    expect(sent.code).toBe(0);
  }
  expect((await queuectl(['group', 'customer-42', '--weight', '2'], env)).stdout).toBe(
    'customer-42: weight 2, no concurrency limit\n',
  );
  expect(
    await queuectlJson(['group', 'customer-42', '--weight', '2', '--max-concurrency', '3'], env),
  ).toEqual({ group: 'customer-42', weight: 2, max_concurrency: 3 });
  const page = (await queuectlJson(['groups'], env)) as { groups: Record<string, unknown>[] };
  expect(page.groups).toEqual([
    expect.objectContaining({ group: 'customer-42', queued: 2, running: 0, max_concurrency: 3 }),
  ]);
  expect((await queuectl(['groups'], env)).stdout).toMatch(
    /^customer-42: 2 queued, 0 running, 0 completed, oldest waiting \d+ ms \(weight 2, max concurrency 3\)\n$/,
  );

  // Each flag changes its setting alone; none puts one back to its default.
  expect((await queuectl(['group', 'customer-42', '--max-concurrency', '5'], env)).stdout).toBe(
    'customer-42: weight 2, max concurrency 5\n',
  );
  expect((await queuectl(['group', 'customer-42', '--weight', 'none'], env)).stdout).toBe(
    'customer-42: weight 1, max concurrency 5\n',
  );
  const hex = await queuectl(['group', 'customer-42', '--weight', '0x10'], env);
  expect(hex.code).not.toBe(0);
  expect(hex.stderr).toContain('--weight takes a number');

  const bad = await queuectl(
    ['enqueue', '--type', 'send_email', '--payload', EMAIL, '--group', 'a b'],
    env,
  );
  expect(bad.code).not.toBe(0);
  expect(bad.stderr).toContain('group');
});

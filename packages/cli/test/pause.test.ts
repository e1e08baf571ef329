// queuectl pause / resume: of the queue and of one type, shown by `stats`, refused for an
// unknown type.
import { queueEnv, queuectl, queuectlJson, type Env } from './queuectl';

let env: Env;
beforeAll(() => {
  env = queueEnv();
});

test('pauses and resumes the queue and one type; stats says what is paused', async () => {
  expect(await queuectlJson(['pause', '--type', 'send_email'], env)).toEqual({
    queue: false,
    job_types: ['send_email'],
    changed: true,
  });
  const paused = await queuectl(['pause'], env);
  expect(paused.stdout).toBe('Paused: the whole queue, and job types send_email\n');
  expect((await queuectlJson(['stats'], env)).paused).toEqual({
    queue: true,
    job_types: ['send_email'],
  });
  expect((await queuectl(['stats'], env)).stdout).toContain('Paused: the whole queue');

  expect((await queuectl(['resume'], env)).stdout).toBe('Paused: job types send_email\n');
  expect((await queuectl(['resume', '--type', 'send_email'], env)).stdout).toBe(
    'Nothing is paused\n',
  );
});

test('a pause or resume that changes nothing says so', async () => {
  expect(await queuectlJson(['resume'], env)).toEqual({
    queue: false,
    job_types: [],
    changed: false,
  });
  expect((await queuectl(['resume'], env)).stdout).toBe(
    'The whole queue was not paused. Nothing is paused\n',
  );
  expect(await queuectlJson(['pause', '--type', 'send_email'], env)).toEqual({
    queue: false,
    job_types: ['send_email'],
    changed: true,
  });
  expect((await queuectl(['pause', '--type', 'send_email'], env)).stdout).toBe(
    'Job type send_email was paused already. Paused: job types send_email\n',
  );
  expect((await queuectl(['resume', '--type', 'send_email'], env)).stdout).toBe(
    'Nothing is paused\n',
  );
});

test('an unknown type is refused, naming it', async () => {
  const reply = await queuectl(['pause', '--type', 'nope'], env);
  expect(reply.code).not.toBe(0);
  expect(reply.stderr).toContain('job type "nope" is not known');
});

// queuectl run and queuectl worker: the CLI walkthrough (enqueue, status, run, worker, a failing
// command ending `failed` after its attempts), the worker's log lines, Ctrl+C letting a running job
// finish, shell jobs' timeout, and a worker without the switch refusing shell jobs.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServerProcess } from '@jobqueue/testkit';
import {
  dropQueue,
  printedId,
  queueEnv,
  queuectl,
  queuectlJson,
  startQueuectl,
  type Env,
} from './queuectl';

const EMAIL = JSON.stringify({ to: 'user@example.com', subject: 'Test', message: 'Hello!' });

describe('queuectl run and worker', () => {
  let env: Env;
  beforeEach(() => {
    env = queueEnv({ ALLOW_SHELL_JOBS: undefined });
  });
  afterEach(() => dropQueue(env));

  const enqueue = async (...args: string[]) => printedId(await queuectl(['enqueue', ...args], env));
  const statusOf = async (id: string) => (await queuectlJson(['status', id], env)).status as string;

  it('the CLI walkthrough: enqueue, status, run, then a worker fails a bad command after its attempts', async () => {
    const hello = await enqueue('--allow-shell', '--', 'echo', 'Hello from job1');
    const email = await enqueue('--type', 'send_email', '--priority', 'high', '--payload', EMAIL);
    const broken = await enqueue(
      '--allow-shell',
      '--max-attempts',
      '3',
      '--',
      'sh',
      '-c',
      'echo no such thing >&2; exit 1',
    );

    const before = await queuectl(['status'], env);
    expect(before.stdout).toMatch(/^Total jobs: 3\n/);
    expect(before.stdout).toContain('  queued: 3');

    // run: everything ready now, most urgent first; the failed attempt waits for its retry.
    const run = await queuectl(['run', '--allow-shell', '--concurrency', '1'], {
      ...env,
      BACKOFF_BASE_MS: '60000',
    });
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    const picked = lines
      .filter((line) => line.includes('Picked job'))
      .map((line) => line.split('Picked job ')[1]);
    expect(picked).toEqual([email, hello, broken]);
    expect(run.stdout).toContain(`Job ${hello} completed successfully`);
    expect(run.stdout).toContain(`Job ${broken} failed: sh exited with code 1: no such thing`);
    expect(run.stdout).toContain(`Retrying job ${broken} after 120 seconds (attempt 1)`);
    expect(lines.at(-2)).toMatch(
      /INFO: Ran 3 jobs: 2 completed, 0 failed, 1 waiting to retry; 1 job scheduled for later \(next at .*\): run again then, or use queuectl worker$/,
    );
    expect(await statusOf(hello)).toBe('completed');
    expect(await statusOf(broken)).toBe('scheduled');

    // A worker takes it from there, but only once the retry is due: make it due now.
    await queuectl(['cancel', broken], env);
    const refused = await queuectl(['retry', broken], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('"shell" is turned off here');
    expect((await queuectl(['retry', '--allow-shell', broken], env)).code).toBe(0);
    const worker = startQueuectl(['worker', '--allow-shell'], env);
    await worker.waitForLine(`Job ${broken} permanently failed after 3 attempts`);
    expect(worker.lines.filter((line) => line.includes(`Job ${broken} failed:`))).toHaveLength(3);
    expect(
      worker.lines.some((line) =>
        line.includes(`Retrying job ${broken} after 0.2 seconds (attempt 2)`),
      ),
    ).toBe(true);
    worker.signal('SIGINT');
    expect(await worker.waitForExit()).toEqual({ code: 0, signal: null });

    const after = await queuectl(['status'], env);
    expect(after.stdout).toMatch(new RegExp(`${broken} +failed +3/3 +normal +shell`));
    expect(after.stdout).toContain('  completed: 2');
    expect(after.stdout).toContain('  failed: 1');
  }, 60_000);

  it("worker logs the worker's log lines as JSON with --json and stops on Ctrl+C after its running job finishes", async () => {
    const slow = await enqueue('--allow-shell', '--', 'sh', '-c', 'sleep 1; echo slept');
    const worker = startQueuectl(['worker', '--allow-shell', '--json', '--concurrency', '2'], env);
    await worker.waitForLog(
      (log) => log.msg === `Processing job ${slow}: {"argv":["sh","-c","sleep 1; echo slept"]}`,
    );
    expect(
      worker.logs.some((log) => /^Starting worker .* \(concurrency 2\)$/.test(String(log.msg))),
    ).toBe(true);
    worker.signal('SIGINT');
    await worker.waitForLog((log) =>
      String(log.msg).startsWith('SIGINT received; finishing running jobs'),
    );
    expect(await worker.waitForExit()).toEqual({ code: 0, signal: null });
    expect(worker.logs.some((log) => log.msg === `Job ${slow} completed successfully`)).toBe(true);
    const job = await queuectlJson(['status', slow], env);
    expect(job.status).toBe('completed');
    expect(job.result.stdout).toBe('slept\n');
  });

  it('run exits at once on an empty queue, saying so', async () => {
    const run = await queuectl(['run', '--json'], env);
    expect(run.code).toBe(0);
    const summary = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .at(-1);
    expect(summary.msg).toBe('Nothing ready to run; nothing left to run');
    expect(summary.summary).toMatchObject({
      ran: 0,
      completed: 0,
      failed: 0,
      retrying: 0,
      scheduled: 0,
    });
  });

  it('a shell job past its timeout is killed and fails the attempt', async () => {
    const id = await enqueue(
      '--allow-shell',
      '--max-attempts',
      '1',
      '--timeout',
      '300ms',
      '--',
      'sh',
      '-c',
      'echo started; sleep 30 & wait',
    );
    const run = await queuectl(['run', '--allow-shell'], env);
    expect(run.code).toBe(0);
    const job = await queuectlJson(['status', id], env);
    expect(job.status).toBe('failed');
    expect(job.last_error).toBe('sh timed out after 300 ms: started');
  });

  it('a worker without --allow-shell leaves shell jobs queued for one that runs them, and runs the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'queuectl-'));
    const mark = join(dir, 'must-not-exist');
    const shell = await enqueue('--allow-shell', '--max-attempts', '1', '--', 'touch', mark);
    const email = await enqueue('--type', 'send_email', '--payload', EMAIL);
    const run = await queuectl(['run'], env);
    expect(run.code).toBe(0);
    const job = await queuectlJson(['status', shell], env);
    expect(job).toMatchObject({ status: 'queued', attempts: 0, last_error: null });
    expect(existsSync(mark)).toBe(false); // the command never ran
    rmSync(dir, { recursive: true, force: true });
    expect(await statusOf(email)).toBe('completed');
  });

  it('--concurrency must be a whole number', async () => {
    const run = await queuectl(['worker', '--concurrency', 'many'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'queuectl: error: --concurrency must be a whole number of at least 1 (got "many")\n',
    );
  });

  it('worker says a Redis outage once, and that it is over, then runs jobs again', async () => {
    const redis = await new RedisServerProcess().start();
    const own = queueEnv({ REDIS_URL: redis.url });
    try {
      const worker = startQueuectl(['worker', '--json'], own);
      await worker.waitForLog((log) => String(log.msg).startsWith('Starting worker'));
      const before = worker.logs.length;
      await redis.stop();
      await worker.waitForLog((log) => String(log.msg).startsWith('Redis unreachable'));
      await redis.start();
      await worker.waitForLog(
        (log) => String(log.msg).startsWith('Redis connection restored'),
        15_000,
      );
      const id = printedId(
        await queuectl(['enqueue', '--type', 'send_email', '--payload', EMAIL], own),
      );
      await worker.waitForLog((log) => log.msg === `Job ${id} completed successfully`, 15_000);
      // Said once: no warning for each loop that failed meanwhile.
      const warnings = worker.logs.slice(before).filter((log) => Number(log.level) >= 40);
      expect(warnings.map((log) => String(log.msg))).toEqual([
        expect.stringMatching(/^Redis unreachable/),
      ]);
      worker.signal('SIGINT');
      expect(await worker.waitForExit()).toEqual({ code: 0, signal: null });
    } finally {
      await redis.stop();
    }
  });
});

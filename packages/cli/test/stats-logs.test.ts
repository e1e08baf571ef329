// queuectl stats (once and --watch) and queuectl logs (history, one job, --follow), human and
// --json, each stopped the way a person stops it: Ctrl+C.
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

describe('queuectl stats and logs', () => {
  const env: Env = queueEnv();
  let done: string;
  let waiting: string;

  beforeAll(async () => {
    done = printedId(await queuectl(['enqueue', '--type', 'send_email', '--payload', EMAIL], env));
    expect((await queuectl(['run'], env)).code).toBe(0);
    waiting = printedId(
      await queuectl(['enqueue', '--type', 'send_email', '--payload', EMAIL], env),
    );
  });
  afterAll(() => dropQueue(env));

  it('stats: counts per status, totals and workers, as text and JSON', async () => {
    const stats = await queuectlJson(['stats'], env);
    expect(stats).toEqual({
      queue: env.QUEUE_NAME,
      counts: { queued: 1, scheduled: 0, processing: 0, completed: 1, failed: 0, cancelled: 0 },
      totals: { submitted: 2, completed: 1, failed: 0, retried: 0, recovered: 0 },
      workers: 0,
      paused: { queue: false, job_types: [] },
    });
    const text = await queuectl(['stats'], env);
    expect(text.stdout.split('\n')).toEqual([
      `Queue ${env.QUEUE_NAME}   workers 0`,
      'queued 1  scheduled 0  processing 0  completed 1  failed 0  cancelled 0',
      'totals  submitted 2  completed 1  failed 0  retried 0  recovered 0',
      '',
    ]);
  });

  it('stats --watch redraws with rates until Ctrl+C, then exits 0', async () => {
    const watch = startQueuectl(['stats', '--watch', '--json', '--interval', '200ms'], env);
    await watch.waitForLine((line) => line.includes('"rates":{'));
    const [first, second] = watch.lines.map((line) => JSON.parse(line));
    expect(first).toMatchObject({ queue: env.QUEUE_NAME, counts: { queued: 1 }, rates: null });
    expect(second.rates).toEqual({
      submitted: 0,
      completed: 0,
      failed: 0,
      retried: 0,
      recovered: 0,
    });
    watch.signal('SIGINT');
    expect(await watch.waitForExit()).toEqual({ code: 0, signal: null });

    const text = startQueuectl(['stats', '--watch', '--interval', '200ms'], env);
    await text.waitForLine(/^rates {3}submitted 0\.0\/s {2}completed 0\.0\/s/);
    text.signal('SIGINT');
    expect(await text.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it("logs: the events oldest first, with the worker's log lines; --job keeps one job's", async () => {
    const all = await queuectl(['logs'], env);
    expect(all.code).toBe(0);
    const messages = all.stdout
      .trim()
      .split('\n')
      .map((line) => line.replace(/^\S+Z {2}/, ''));
    expect(messages).toEqual([
      `Job ${done} submitted (queued)`,
      `Picked job ${done}`,
      `Processing job ${done}: ${EMAIL}`,
      `Job ${done} completed successfully`,
      `Job ${waiting} submitted (queued)`,
    ]);
    const one = await queuectl(['logs', '--job', waiting, '--json'], env);
    const events = one.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events).toEqual([
      expect.objectContaining({
        type: 'submitted',
        job_id: waiting,
        message: `Job ${waiting} submitted (queued)`,
      }),
    ]);
    const last = await queuectl(['logs', '--limit', '1'], env);
    expect(last.stdout.trim().split('\n')).toHaveLength(1);
    const bad = await queuectl(['logs', '--job', 'nope'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('queuectl: error: invalid job id: job_id must be a UUID\n');
  });

  it('logs --follow prints new events as they happen, then exits 0 on Ctrl+C', async () => {
    const follow = startQueuectl(['logs', '--follow', '--job', waiting], env);
    await follow.waitForLine(`Job ${waiting} submitted (queued)`);
    expect((await queuectl(['cancel', waiting], env)).code).toBe(0);
    await follow.waitForLine(`Job ${waiting} cancelled`);
    follow.signal('SIGINT');
    expect(await follow.waitForExit()).toEqual({ code: 0, signal: null });
  });

  it('logs --follow rides out a Redis restart: says so, then prints what came after', async () => {
    const redis = await new RedisServerProcess().start();
    const own = queueEnv({ REDIS_URL: redis.url });
    try {
      const follow = startQueuectl(['logs', '--follow'], own);
      const before = printedId(
        await queuectl(['enqueue', '--type', 'send_email', '--payload', EMAIL], own),
      );
      await follow.waitForLine(`Job ${before} submitted (queued)`);
      await redis.stop();
      await follow.waitForLine('Redis is unavailable; following again once it is back');
      await redis.start();
      const after = printedId(
        await queuectl(['enqueue', '--type', 'send_email', '--payload', EMAIL], own),
      );
      await follow.waitForLine(`Job ${after} submitted (queued)`, 15_000);
      expect(follow.lines).toContain('Redis is back; following');
      follow.signal('SIGINT');
      expect(await follow.waitForExit()).toEqual({ code: 0, signal: null });
    } finally {
      await redis.stop();
    }
  });
});

// An idle worker sends its next claim together with its wait on the marker, so Redis runs the
// claim the moment the wait ends. Stopping such a worker must not strand that claim: the stop
// wakes the wait through Redis, and the worker runs whatever the claim took before it stops.
// Runs on a Redis of its own, so the count of blocked clients is this file's alone.

import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { RedisServerProcess } from '@jobqueue/testkit';
import { queueKeys } from '../src';
import { createFixture, eventually, testJobType, type QueueFixture } from './queue-fixture';

async function blockedClients(fixture: QueueFixture): Promise<number> {
  const info = (await fixture.redis.info('clients')) as string;
  return Number(/blocked_clients:(\d+)/.exec(info)![1]);
}

describe('a worker waiting for work', () => {
  let server: RedisServerProcess;
  let fixture: QueueFixture;
  const ran: number[] = [];

  beforeAll(async () => {
    server = await new RedisServerProcess().start();
  });
  afterAll(() => server.dispose());
  beforeEach(() => {
    ran.length = 0;
    fixture = createFixture({
      redisUrl: server.url,
      jobTypes: testJobType(async ({ n }) => void ran.push(n)),
    });
  });
  afterEach(() => fixture.close());

  it('runs a job submitted while it waits', async () => {
    const worker = await fixture.startWorker();
    await eventually(async () => (await blockedClients(fixture)) >= 1, 5000, 'worker waiting');
    const { job_id } = await fixture.queue.submit({ job_type: 'test', payload: { n: 1 } });
    await eventually(() => ran.includes(1), 5000, 'job 1 run');
    await eventually(async () => (await fixture.queue.get(job_id))?.status === 'completed');
    // Redis records the completion before its answer reaches the worker, which then lets go.
    await eventually(() => worker.activeJobs === 0, 5000, 'the worker to hold no job');
  });

  it('runs what its last claim took when stopped mid-wait, leaving nothing leased or behind', async () => {
    const keys = queueKeys(fixture.queueName);
    // Another connection waits on the job type's marker first, so the wake-up of the next
    // submission goes to it and the worker keeps waiting while a job sits in the queue.
    const thief = fixture.redis.duplicate();
    const stolen = thief.bzpopmin(keys.typeMarker('test'), 0);
    await eventually(async () => (await blockedClients(fixture)) >= 1, 5000, 'thief waiting');
    const worker = await fixture.startWorker();
    await eventually(async () => (await blockedClients(fixture)) >= 2, 5000, 'worker waiting');

    const { job_id } = await fixture.queue.submit({ job_type: 'test', payload: { n: 7 } });
    await stolen;
    thief.disconnect();
    expect((await fixture.queue.get(job_id))?.status).toBe('queued');

    await worker.stop();
    expect(ran).toEqual([7]);
    expect((await fixture.queue.get(job_id))?.status).toBe('completed');
    expect(await fixture.redis.zcard(keys.active)).toBe(0);
    expect(await fixture.redis.exists(keys.wake(worker.id))).toBe(0);
  });

  it('says it is waiting once per idle spell, not at every renewal of its wait', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const waiting = () => lines.filter((line) => line.includes('No jobs in queue, waiting')).length;
    // A wait of 100 ms ends and is renewed about ten times in the second below.
    await fixture.startWorker({ logger, blockTimeoutMs: 100 });
    await sleep(1000);
    expect(waiting()).toBe(1);

    await fixture.queue.submit({ job_type: 'test', payload: { n: 1 } });
    await eventually(() => ran.includes(1), 5000, 'job 1 run');
    await eventually(() => waiting() === 2, 5000, 'the second idle spell announced');
    await sleep(500);
    expect(waiting()).toBe(2);
  });

  it('stopped with nothing queued, leaves no blocked connection and no wake-up key', async () => {
    const worker = await fixture.startWorker();
    await eventually(async () => (await blockedClients(fixture)) >= 1, 5000, 'worker waiting');
    await worker.stop();
    expect(await blockedClients(fixture)).toBe(0);
    expect(await fixture.redis.exists(queueKeys(fixture.queueName).wake(worker.id))).toBe(0);
  });
});

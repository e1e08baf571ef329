// Claims and leases at the script level: claim moves a job into `active` with a lease, stamps
// picked_at, counts the attempt and writes a token; complete and fail are fenced by that token;
// recover puts expired leases back; extend renews only leases still held.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Acknowledger } from '../src/acknowledger';
import { JobFetcher } from '../src/fetcher';
import { LeaseKeeper } from '../src/lease-keeper';
import { runScript } from '../src/scripts';
import { createFixture, testJobType, type QueueFixture } from './queue-fixture';

describe('leases and lease tokens', () => {
  let fixture: QueueFixture;
  let acks: Acknowledger;
  const fetcher = (workerId: string, leaseMs: number) =>
    new JobFetcher(fixture.redis, fixture.queue.keys, {
      workerId,
      leaseMs,
      eventsMaxLen: 1000,
      blockTimeoutMs: 100,
      jobTypes: ['test'],
    });
  const recover = () => {
    const k = fixture.queue.keys;
    return runScript<[number, number]>(fixture.redis, 'recover', k, [k.prefix, 100, 3600, 1000]);
  };

  beforeAll(() => {
    fixture = createFixture({ jobTypes: testJobType(async () => null) });
    acks = new Acknowledger(fixture.redis, fixture.queue.keys, {
      backoffBaseMs: 10,
      jobTtlSeconds: 3600,
      failedJobTtlSeconds: 3600,
      eventsMaxLen: 1000,
      onRedisError: () => undefined,
    });
  });
  afterAll(() => fixture.close());

  it('claim leases the job: active with a deadline, picked_at, attempts + 1, a token', async () => {
    const { job_id } = await fixture.queue.submit({ job_type: 'test', payload: { n: 1 } });
    const f = fetcher('worker-a', 5000);
    const before = Date.now();
    const [job] = await f.claim(10);
    await f.close();
    expect(job).toMatchObject({ id: job_id, attempt: 1, jobType: 'test', payload: '{"n":1}' });
    const deadline = Number(await fixture.redis.zscore(fixture.queue.keys.active, job_id));
    expect(deadline).toBeGreaterThanOrEqual(before + 5000 - 50);
    expect(await fixture.redis.zscore(fixture.queue.keys.queued, job_id)).toBeNull();
    const record = await fixture.queue.get(job_id);
    expect(record).toMatchObject({ status: 'processing', attempts: 1 });
    expect(record?.picked_at).not.toBeNull();
    expect(await fixture.redis.hget(fixture.queue.keys.job(job_id), 'lease_token')).toBe(
      job!.leaseToken,
    );
    await acks.complete(job!, null);
  });

  it('a late completion from a worker whose lease expired is refused; the newer attempt stands', async () => {
    const { job_id } = await fixture.queue.submit({ job_type: 'test', payload: { n: 2 } });
    const zombie = fetcher('zombie', 50);
    const [stale] = await zombie.claim(1);
    await sleep(80);
    expect(await recover()).toEqual([1, 0]);
    expect((await fixture.queue.get(job_id))?.status).toBe('queued');

    const healthy = fetcher('healthy', 5000);
    const [fresh] = await healthy.claim(1);
    expect(fresh?.attempt).toBe(2);
    expect(await acks.complete(stale!, { from: 'zombie' })).toBe(false);
    expect(await acks.fail(stale!, 'zombie failure')).toEqual({ outcome: 'lease_lost' });
    expect(await acks.complete(fresh!, { from: 'healthy' })).toBe(true);
    await Promise.all([zombie.close(), healthy.close()]);

    const record = await fixture.queue.get(job_id);
    expect(record).toMatchObject({
      status: 'completed',
      attempts: 2,
      result: { from: 'healthy' },
      // The lost attempt is in the error history; the zombie's refused failure is not.
      last_error: 'Worker zombie was lost while running attempt 1 (lease expired)',
      errors: [
        {
          attempt: 1,
          error: 'Worker zombie was lost while running attempt 1 (lease expired)',
          at: expect.any(String),
        },
      ],
    });
    const completions = (await fixture.queue.events('0', 1000)).filter(
      (e) => e.type === 'completed' && e.job_id === job_id,
    );
    expect(completions).toHaveLength(1);
  });

  it('recover fails a job whose lost attempts used up max_attempts, saying the worker was lost', async () => {
    const { job_id } = await fixture.queue.submit({
      job_type: 'test',
      payload: { n: 3 },
      max_attempts: 1,
    });
    const lost = fetcher('lost-worker', 20);
    await lost.claim(1);
    await lost.close();
    await sleep(40);
    expect(await recover()).toEqual([0, 1]);
    const record = await fixture.queue.get(job_id);
    expect(record?.status).toBe('failed');
    expect(record?.last_error).toMatch(/lost-worker was lost/);
  });

  it('extend renews held leases and reports the ones lost', async () => {
    const { job_id } = await fixture.queue.submit({ job_type: 'test', payload: { n: 4 } });
    const f = fetcher('extender', 1000);
    const [job] = await f.claim(1);
    await f.close();
    const k = fixture.queue.keys;
    const extend = (token: string) =>
      runScript<string[]>(fixture.redis, 'extend', k, [
        k.prefix,
        60_000,
        'extender',
        15_000,
        1,
        job_id,
        token,
      ]);
    expect(await extend(job!.leaseToken)).toEqual([]);
    expect(Number(await fixture.redis.zscore(k.active, job_id))).toBeGreaterThan(
      Date.now() + 50_000,
    );
    expect(await extend(randomUUID())).toEqual([job_id]);
    expect(await fixture.redis.zscore(k.workers, 'extender')).not.toBeNull();
    await acks.complete(job!, null);
  });

  it('a lease keeper tells which of the attempts it renewed lost their lease, by the attempt', async () => {
    // The attempt itself, not only its job's id: a worker that claimed the job again since the
    // renewal went out must not take the lost lease for its newer attempt's.
    const { job_id } = await fixture.queue.submit({ job_type: 'test', payload: { n: 5 } });
    const f = fetcher('keeper', 60_000);
    const [job] = await f.claim(1);
    await f.close();
    const older = { ...job!, leaseToken: randomUUID() };
    const lost: unknown[][] = [];
    const keeper = new LeaseKeeper(fixture.redis, fixture.queue.keys, {
      workerId: 'keeper',
      leaseMs: 60_000,
      failedJobTtlSeconds: 3600,
      eventsMaxLen: 1000,
      runningJobs: () => [older],
      forgetExpired: async () => undefined,
      onLeaseLost: (attempts) => lost.push(attempts),
      onRecovered: () => undefined,
      onError: (error) => lost.push([error]),
    });
    await keeper.tick();
    expect(lost).toEqual([[older]]);
    expect(lost[0]![0]).toBe(older);
    expect((await fixture.queue.get(job_id))?.status).toBe('processing');
    await acks.complete(job!, null);
  });
});

// A worker claims only the job types it runs: a job of another type stays in line for a worker
// that runs it, which is woken for it at once; a type no worker runs does not hold up the others;
// a worker that refuses shell jobs never takes one.
import { z } from 'zod';
import { createJobTypes, type JobType, type JobTypeRegistry } from '../src';
import { createFixture, eventually, type QueueFixture } from './queue-fixture';

const ran: { type: string; n: number }[] = [];

function typeNamed(name: string): JobType {
  return {
    name,
    description: `jobs of type ${name}`,
    payloadSchema: z.object({ n: z.number() }),
    run: async (payload) => {
      ran.push({ type: name, n: (payload as { n: number }).n });
      return null;
    },
  };
}

const registry = (...types: JobType[]): JobTypeRegistry =>
  new Map(types.map((type) => [type.name, type]));

let fixture: QueueFixture;

beforeEach(() => {
  ran.length = 0;
  // The queue accepts every type here; each worker runs only some.
  const all = new Map([
    ...createJobTypes({ mockEmail: { delayMs: 0, failureRate: 0 }, allowShellJobs: true }),
    ...registry(typeNamed('alpha'), typeNamed('beta'), typeNamed('gamma')),
  ]);
  fixture = createFixture({ jobTypes: all });
});

afterEach(() => fixture.close());

test('each job goes to a worker that runs its type, on its first attempt', async () => {
  const alpha = await fixture.startWorker({ jobTypes: registry(typeNamed('alpha')) });
  const beta = await fixture.startWorker({ jobTypes: registry(typeNamed('beta')) });
  const jobs = Array.from({ length: 20 }, (_, n) => ({
    job_type: n % 2 ? 'beta' : 'alpha',
    payload: { n },
  }));
  const submitted = await fixture.queue.submitMany(jobs);
  await eventually(() => ran.length === 20, 10_000, 'all 20 jobs run');
  for (const [n, { job_id }] of submitted.entries()) {
    await eventually(async () => (await fixture.queue.get(job_id))?.status === 'completed');
    const record = (await fixture.queue.get(job_id))!;
    expect({ n, attempts: record.attempts, last_error: record.last_error }).toEqual({
      n,
      attempts: 1,
      last_error: null,
    });
  }
  expect(ran.filter((job) => job.type === 'alpha').map((job) => job.n % 2)).not.toContain(1);
  const picked = (await fixture.queue.events('0', 1000)).filter((e) => e.type === 'picked');
  for (const event of picked) {
    const n = submitted.findIndex(({ job_id }) => job_id === event.job_id);
    expect({ n, worker: event.worker_id }).toEqual({ n, worker: n % 2 ? beta.id : alpha.id });
  }
});

test('an idle worker is woken for a job of its type, not one of another type', async () => {
  await fixture.startWorker({ jobTypes: registry(typeNamed('alpha')) });
  await fixture.startWorker({ jobTypes: registry(typeNamed('beta')) });
  // Both wait; each submission must reach the one worker that runs its type without a timeout.
  for (let n = 0; n < 6; n++) {
    const type = n % 2 ? 'beta' : 'alpha';
    const { job_id } = await fixture.queue.submit({ job_type: type, payload: { n } });
    await eventually(
      async () => (await fixture.queue.get(job_id))?.status === 'completed',
      // Well under the workers' 5 s wait: a wake-up that went to the wrong worker would show.
      3000,
      `job ${n} (${type}) completed`,
    );
  }
  expect(ran.map((job) => job.type)).toEqual(['alpha', 'beta', 'alpha', 'beta', 'alpha', 'beta']);
});

test('a backlog of a type no worker runs does not hold up the types that have workers', async () => {
  await fixture.queue.submitMany(
    Array.from({ length: 50 }, (_, n) => ({ job_type: 'gamma', payload: { n } })),
  );
  await fixture.startWorker({ jobTypes: registry(typeNamed('beta')), concurrency: 2 });
  const { job_id } = await fixture.queue.submit({ job_type: 'beta', payload: { n: 1 } });
  await eventually(async () => (await fixture.queue.get(job_id))?.status === 'completed');
  const stats = await fixture.queue.stats();
  expect(stats.counts.queued).toBe(50);
  expect(ran).toEqual([{ type: 'beta', n: 1 }]);
});

test('a worker that refuses shell jobs never takes one; they wait for one that runs them', async () => {
  const noShell = createJobTypes({
    mockEmail: { delayMs: 0, failureRate: 0 },
    allowShellJobs: false,
  });
  await fixture.startWorker({ jobTypes: noShell });
  const shell = await fixture.queue.submit({ job_type: 'shell', payload: { argv: ['true'] } });
  const email = await fixture.queue.submit({
    job_type: 'send_email',
    payload: { to: 'a@example.com', subject: 'Hi', message: 'Hello' },
  });
  await eventually(async () => (await fixture.queue.get(email.job_id))?.status === 'completed');
  expect(await fixture.queue.get(shell.job_id)).toMatchObject({ status: 'queued', attempts: 0 });

  const withShell = createJobTypes({
    mockEmail: { delayMs: 0, failureRate: 0 },
    allowShellJobs: true,
  });
  await fixture.startWorker({ jobTypes: withShell });
  await eventually(async () => (await fixture.queue.get(shell.job_id))?.status === 'completed');
  expect((await fixture.queue.get(shell.job_id))?.attempts).toBe(1);
});

test('a backlog of thousands of jobs of another type, queued ahead, does not hide a worker its own', async () => {
  // More than a claim could ever look past: each type waits in its own lane.
  for (let batch = 0; batch < 3; batch++) {
    await fixture.queue.submitMany(
      Array.from({ length: 1000 }, (_, n) => ({ job_type: 'gamma', payload: { n } })),
    );
  }
  const { job_id } = await fixture.queue.submit({ job_type: 'beta', payload: { n: 1 } });
  await fixture.startWorker({ jobTypes: registry(typeNamed('beta')) });
  await eventually(async () => (await fixture.queue.get(job_id))?.status === 'completed');
  expect(ran).toEqual([{ type: 'beta', n: 1 }]);
  expect((await fixture.queue.stats()).counts.queued).toBe(3000);
});

test('a worker of several types takes their jobs most urgent first, in submit order within a priority', async () => {
  const order = [
    { job_type: 'alpha', priority: 'low', payload: { n: 0 } },
    { job_type: 'beta', priority: 'normal', payload: { n: 1 } },
    { job_type: 'alpha', priority: 'high', payload: { n: 2 } },
    { job_type: 'beta', priority: 'low', payload: { n: 3 } },
    { job_type: 'beta', priority: 'high', payload: { n: 4 } },
    { job_type: 'alpha', priority: 'normal', payload: { n: 5 } },
  ];
  await fixture.queue.submitMany(order);
  await fixture.startWorker({ jobTypes: registry(typeNamed('alpha'), typeNamed('beta')) });
  await eventually(() => ran.length === 6);
  expect(ran.map((job) => job.n)).toEqual([2, 4, 1, 5, 0, 3]);
});

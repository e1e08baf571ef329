// The queue on a real 3-master Redis Cluster: the built api and worker processes, given only
// REDIS_CLUSTER_NODES, run the README's submit -> complete flow and the retry flow; every key of a
// queue lives on one master (its hash tag), and queues on different masters run side by side.
import Redis from 'ioredis';
import {
  createJobTypes,
  createRedis,
  JobQueue,
  queueKeys,
  type RedisClient,
} from '@jobqueue/shared';
import { delay, RedisCluster } from '@jobqueue/testkit';
import {
  eventually,
  getJson,
  postJson,
  startApi,
  submitJob,
  waitForJob,
} from '../support/api-client';
import { uniqueQueueName } from '../support/redis-url';
import { startService, type ServiceProcess } from '../support/service-process';
import { openEvents } from '../../services/api/test/sse-client';

jest.setTimeout(60_000);

const README_BODY = {
  job_type: 'send_email',
  priority: 'high',
  payload: { to: 'user@example.com', subject: 'Test', message: 'Hello!' },
};

let cluster: RedisCluster;
const clients: RedisClient[] = [];

beforeAll(async () => {
  cluster = await new RedisCluster().start(3);
});

afterAll(() => clients.forEach((client) => client.disconnect()));

/** What every process of one queue is given: the cluster's nodes, nothing else about Redis. */
function clusterEnv(queueName: string): Record<string, string> {
  return {
    REDIS_CLUSTER_NODES: cluster.nodes.join(','),
    REDIS_URL: `redis://${cluster.nodes[0]}`,
    QUEUE_NAME: queueName,
  };
}

async function startWorker(env: Record<string, string>): Promise<ServiceProcess> {
  const worker = startService('worker', {
    MOCK_EMAIL_DELAY_MS: '50',
    MOCK_EMAIL_FAILURE_RATE: '0',
    ...env,
  });
  await worker.waitForLog((log) => String(log.msg).startsWith('Starting worker'));
  return worker;
}

const messages = (service: ServiceProcess) => service.logs.map((log) => String(log.msg));

test('a worker waiting on the cluster picks, processes and completes a job submitted to the api', async () => {
  const env = clusterEnv(uniqueQueueName('cluster'));
  const api = await startApi(env);
  const worker = await startWorker(env);
  await worker.waitForLine('No jobs in queue, waiting...');

  const id = await submitJob(api, README_BODY);
  const record = await waitForJob(api, id, (job) => job.status === 'completed');
  expect(record).toMatchObject({ job_id: id, ...README_BODY, attempts: 1, failed_at: null });
  await worker.waitForLog((log) => log.msg === `Job ${id} completed successfully`);
  expect(messages(worker)).toContain(`Picked job ${id}`);
  expect(messages(worker).some((msg) => msg.startsWith(`Processing job ${id}: `))).toBe(true);

  const stats = await getJson(`${api.url}/stats`);
  expect(stats.status).toBe(200);
  expect(stats.body.counts.completed).toBe(1);
  expect(stats.body.totals).toMatchObject({ submitted: 1, completed: 1 });
  expect(stats.body.workers).toBe(1);
  const listed = await getJson(`${api.url}/jobs?status=completed`);
  expect(listed.body.jobs.map((job: { job_id: string }) => job.job_id)).toEqual([id]);
});

test('a failing job is retried with backoff, fails for good, and POST /jobs/:id/retry runs it again', async () => {
  const env = clusterEnv(uniqueQueueName('cluster'));
  const api = await startApi(env);
  const failing = await startWorker({
    ...env,
    MOCK_EMAIL_FAILURE_RATE: '1',
    BACKOFF_BASE_MS: '50',
  });

  const id = await submitJob(api, { ...README_BODY, max_attempts: 2 });
  const failed = await waitForJob(api, id, (job) => job.status === 'failed');
  expect(failed).toMatchObject({ attempts: 2, last_error: 'Mock email sending failed' });
  await failing.waitForLog((log) => log.msg === `Job ${id} permanently failed after 2 attempts`);
  expect(messages(failing)).toEqual(
    expect.arrayContaining([
      `Job ${id} failed: Mock email sending failed`,
      `Retrying job ${id} after 0.1 seconds (attempt 1)`,
    ]),
  );
  await failing.stop();

  const retried = await postJson(`${api.url}/jobs/${id}/retry`, {});
  expect(retried.status).toBe(200);
  expect(retried.body.status).toBe('queued');
  const worker = await startWorker(env);
  const done = await waitForJob(api, id, (job) => job.status === 'completed');
  expect(done.attempts).toBe(1);
  await worker.waitForLog((log) => log.msg === `Job ${id} completed successfully`);
});

test('live logs (GET /events) keep streaming from the cluster through idle spells', async () => {
  const env = clusterEnv(uniqueQueueName('cluster'));
  const api = await startApi(env);
  const events = await openEvents(`${api.url}/events`);
  try {
    // Longer than the API's Redis command timeout (4 s): the blocking read must outlast it.
    await delay(5_500);
    const id = await submitJob(api, README_BODY);
    await events.waitFor((message) => message.data.job_id === id && message.event === 'submitted');
    const complaints = messages(api.service).filter((msg) => msg.includes('events stream failed'));
    expect(complaints).toEqual([]);
  } finally {
    events.close();
  }
});

test('queues on different masters each keep all their keys on one master and run side by side', async () => {
  // Queue names whose hash tags land on three different masters.
  const byMaster = new Map<string, string>();
  while (byMaster.size < 3) {
    const name = uniqueQueueName('shard');
    const master = await cluster.nodeServing(queueKeys(name).queued);
    if (!byMaster.has(master)) byMaster.set(master, name);
  }

  const redis = createRedis({ redisUrl: 'redis://unused', clusterNodes: cluster.nodes });
  clients.push(redis);
  const queues = [...byMaster].map(([master, name]) => ({
    master,
    queue: new JobQueue({
      redis,
      queueName: name,
      jobTypes: createJobTypes({ mockEmail: { delayMs: 0, failureRate: 0 } }),
      maxAttempts: 3,
      jobTtlSeconds: 3600,
      failedJobTtlSeconds: 3600,
      idempotencyTtlSeconds: 3600,
      eventsMaxLen: 10_000,
    }),
  }));
  // Each job takes a second, so the three queues' work can only overlap if they run at once.
  for (const { queue } of queues) {
    await startWorker({ ...clusterEnv(queue.name), MOCK_EMAIL_DELAY_MS: '1000' });
  }

  const submitted = await Promise.all(
    queues.map(({ queue }) => queue.submitMany([1, 2, 3, 4, 5].map(() => README_BODY))),
  );
  await Promise.all(
    queues.map(({ queue }, i) =>
      eventually(
        async () => (await queue.stats()).counts.completed === submitted[i]!.length,
        `${queue.name}: 5 jobs completed`,
        30_000,
      ),
    ),
  );
  // Side by side: some moment lies inside every queue's span from its first pick to its last
  // completion.
  const spans = await Promise.all(
    queues.map(async ({ queue }, i) => {
      const records = await Promise.all(
        submitted[i]!.map(({ job_id }) => queue.getOrThrow(job_id)),
      );
      const picks = records.map((r) => Date.parse(r.picked_at!));
      const completions = records.map((r) => Date.parse(r.completed_at!));
      return { start: Math.min(...picks), end: Math.max(...completions) };
    }),
  );
  expect(Math.max(...spans.map((s) => s.start))).toBeLessThan(Math.min(...spans.map((s) => s.end)));

  for (const [i, { master, queue }] of queues.entries()) {
    const results = submitted[i]!;
    // Asked directly, the master of the queue's slot holds every key the queue wrote.
    const [host, port] = master.split(':');
    const direct = new Redis(Number(port), host!, { lazyConnect: true });
    await direct.connect();
    try {
      const keys = await direct.keys(`jq:{${queue.name}}:*`);
      for (const { job_id } of results) expect(keys).toContain(queue.keys.job(job_id));
      expect(keys).toEqual(
        expect.arrayContaining([queue.keys.completed, queue.keys.events, queue.keys.totals]),
      );
    } finally {
      direct.disconnect();
    }
  }
});

test("GET /ready says 503 while the master of the queue's slot does not answer", async () => {
  const queueName = uniqueQueueName('cluster-ready');
  const api = await startApi(clusterEnv(queueName));
  const ready = async () => (await getJson(`${api.url}/ready`)).status;
  expect(await ready()).toBe(200);
  const node = await cluster.nodeServing(queueKeys(queueName).totals);
  const master = cluster.masters.find((server) => node.endsWith(`:${server.port}`))!;
  master.pause();
  try {
    // Each answer waits out the API's command timeout. Before, PING went to any node: most
    // answered 200.
    for (let i = 0; i < 3; i++) expect(await ready()).toBe(503);
  } finally {
    master.resume();
  }
  await eventually(async () => (await ready()) === 200, 'ready again', 30_000);
});

test("GET /stats answers 503 or 200, never 500, while the master of the queue's slot restarts", async () => {
  const queueName = uniqueQueueName('cluster-restart');
  const api = await startApi(clusterEnv(queueName));
  const node = await cluster.nodeServing(queueKeys(queueName).totals);
  const master = cluster.masters.find((server) => node.endsWith(`:${server.port}`))!;
  const answers: { status: number; body: unknown }[] = [];
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const reply = await getJson(`${api.url}/stats`).catch((error: Error) => ({
        status: 0,
        body: error.message,
      }));
      answers.push(reply);
      await delay(25);
    }
  })();
  try {
    await master.restart();
    // A restarted master answers CLUSTERDOWN for its first two seconds; requests that arrive then
    // are retried by the client, and the first to get through ran into NOSCRIPT: the script had
    // been sent to that socket but never loaded, and a retried pipeline has no fallback.
    await eventually(
      async () => answers.slice(-10).filter((reply) => reply.status === 200).length === 10,
      'ten 200s in a row after the restart',
      30_000,
    );
  } finally {
    polling = false;
    await poll;
  }
  expect(answers.filter((reply) => reply.status !== 200 && reply.status !== 503)).toEqual([]);
  expect(answers.map((reply) => reply.status)).toContain(503);
});

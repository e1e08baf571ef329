// The example Python worker (examples/python-worker/worker.py, standard library only) against the
// real built api and Redis, with no Node worker: it declares its type over HTTP, the API checks
// submissions against it, it runs jobs; killed mid-job, its job is recovered by the API and run
// by the next Python worker, and the vanished worker's attempt is counted.
import { join } from 'node:path';
import { startApi, submitJob, waitForJob, postJson, type ApiProcess } from './support/api-client';
import { readQueueEvents } from './support/queue-events';
import { testRedisUrl, uniqueQueueName } from './support/redis-url';
import { REPO_ROOT, ServiceProcess } from './support/service-process';

const WORKER = join(REPO_ROOT, 'examples', 'python-worker', 'worker.py');

let api: ApiProcess;
const redisUrl = testRedisUrl();
const queueName = uniqueQueueName('python');

beforeAll(async () => {
  // Short leases, so the job of a killed worker comes back within the test.
  api = await startApi({ REDIS_URL: redisUrl, QUEUE_NAME: queueName, JOB_LEASE_MS: '2000' });
});
afterAll(() => api.service.stop());

function startPythonWorker(id: string): ServiceProcess {
  return new ServiceProcess('python3', ['-u', WORKER], {
    name: id,
    env: { API_URL: api.url, WORKER_ID: id, API_TOKEN: undefined },
  });
}

test('the Python worker declares word_count, and the API checks and runs its jobs', async () => {
  const worker = startPythonWorker('py-a');
  try {
    await worker.waitForLine(/declared word_count/);
    const refused = await postJson(`${api.url}/submit-job`, {
      job_type: 'word_count',
      payload: { text: 42 },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0]).toMatchObject({ path: 'payload.text' });

    const id = await submitJob(api, {
      job_type: 'word_count',
      payload: { text: 'the quick brown fox' },
    });
    const record = await waitForJob(api, id, (job) => job.status === 'completed');
    expect(record).toMatchObject({ attempts: 1, result: { words: 4 } });
    await worker.waitForLine(`job ${id} completed: {"words": 4}`);
  } finally {
    await worker.stop();
  }
  expect(worker.exited).toMatchObject({ code: 0 });
});

test('jobs claimed together keep their leases while they wait their turn', async () => {
  const worker = startPythonWorker('py-batch');
  try {
    await worker.waitForLine(/declared word_count/);
    // Three jobs of 1.5 s, submitted at once, come in one claim and run one after another: the
    // last ends after two leases.
    const bulk = await postJson(`${api.url}/jobs/bulk`, {
      jobs: [1, 2, 3].map((n) => ({
        job_type: 'word_count',
        payload: { text: `job ${n}`, pause_ms: 1500 },
      })),
    });
    expect(bulk.status).toBe(202);
    for (const id of bulk.body.job_ids as string[]) {
      const record = await waitForJob(api, id, (job) => job.status === 'completed', 20_000);
      expect(record).toMatchObject({ attempts: 1, errors: [], result: { words: 2 } });
    }
  } finally {
    await worker.stop();
  }
});

test('a Python worker killed mid-job loses nothing: the API recovers the job for the next one', async () => {
  const doomed = startPythonWorker('py-doomed');
  const id = await submitJob(api, {
    job_type: 'word_count',
    payload: { text: 'slow words here', pause_ms: 3000 },
  });
  try {
    await waitForJob(api, id, (job) => job.status === 'processing');
  } finally {
    doomed.killNow();
  }
  const next = startPythonWorker('py-next');
  try {
    const record = await waitForJob(api, id, (job) => job.status === 'completed', 30_000);
    // The killed worker's attempt counts: it had started the job.
    expect(record).toMatchObject({ attempts: 2, result: { words: 3 } });
    const picked = (await readQueueEvents(redisUrl, queueName)).filter(
      (event) => event.type === 'picked' && event.job_id === id,
    );
    expect(picked.map((event) => event.worker_id)).toEqual(['py-doomed', 'py-next']);
  } finally {
    await next.stop();
  }
});

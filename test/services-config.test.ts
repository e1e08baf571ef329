// Each service starts alone from the built checkout (`npm run start -w services/<name>`),
// configured only by environment variables; a bad value stops it at start, naming the variable.
import { CONFIG_VARIABLES, createJobTypes, createRedis, JobQueue } from '@jobqueue/shared';
import { freePort } from '@jobqueue/testkit';
import { getJson, postJson, eventually } from './support/api-client';
import { testRedisUrl, uniqueQueueName } from './support/redis-url';
import { ServiceProcess, startService } from './support/service-process';

// Every variable the services read: none may leak in from the environment running the tests,
// so each service sees only what a test gives it.
function onlyThese(env: Record<string, string>): Record<string, string | undefined> {
  const cleared = Object.fromEntries(CONFIG_VARIABLES.map((name) => [name, undefined]));
  return { ...cleared, ...env };
}

/** `npm run start -w services/<name>`, as a user starts one service by hand. */
function npmStart(service: 'api' | 'worker', env: Record<string, string>): ServiceProcess {
  return new ServiceProcess('npm', ['run', 'start', '-w', `services/${service}`], {
    name: `npm start ${service}`,
    env: onlyThese(env),
    processGroup: true,
  });
}

/**
 * SIGTERM to npm and the service (a process group, as a terminal or a container stop signals
 * them): npm ends by that signal whatever the service does, so the service's own log says whether
 * it shut down in order; the group has ended by the time stop() resolves.
 */
async function expectGracefulStop(service: ServiceProcess): Promise<void> {
  await service.stop();
  expect(service.logs.map((log) => String(log.msg))).toContainEqual(
    expect.stringMatching(/^SIGTERM received/),
  );
}

describe('each service started alone', () => {
  it('the api listens on PORT and serves QUEUE_NAME on REDIS_URL', async () => {
    const port = await freePort();
    const queueName = uniqueQueueName('alone');
    const api = npmStart('api', {
      PORT: String(port),
      REDIS_URL: testRedisUrl(),
      QUEUE_NAME: queueName,
    });
    const url = `http://127.0.0.1:${port}`;
    await api.waitForHttp(`${url}/ready`, 20_000);

    const submitted = await postJson(`${url}/submit-job`, {
      job_type: 'send_email',
      payload: { to: 'user@example.com', subject: 'Test', message: 'Hello!' },
    });
    expect(submitted.status).toBe(202);
    const stats = (await getJson(`${url}/stats`)).body;
    expect(stats).toMatchObject({ queue: queueName, counts: { queued: 1 } });
    const status = await getJson(`${url}/jobs/status/${submitted.body.job_id}`);
    expect(status.body).toMatchObject({ status: 'queued', max_attempts: 3 });

    await expectGracefulStop(api);
  });

  it('the worker runs the jobs of QUEUE_NAME on REDIS_URL', async () => {
    const queueName = uniqueQueueName('alone');
    const redis = createRedis({ redisUrl: testRedisUrl() });
    try {
      const queue = new JobQueue({
        redis,
        queueName,
        jobTypes: createJobTypes({ mockEmail: { delayMs: 0, failureRate: 0 } }),
        maxAttempts: 3,
        jobTtlSeconds: 3600,
        failedJobTtlSeconds: 3600,
        idempotencyTtlSeconds: 3600,
        eventsMaxLen: 1000,
      });
      const worker = npmStart('worker', {
        REDIS_URL: testRedisUrl(),
        QUEUE_NAME: queueName,
        MOCK_EMAIL_DELAY_MS: '10',
        MOCK_EMAIL_FAILURE_RATE: '0',
      });
      await worker.waitForLog((log) => String(log.msg).startsWith('Starting worker'), 20_000);
      const { job_id: id } = await queue.submit({
        job_type: 'send_email',
        payload: { to: 'user@example.com', subject: 'Test', message: 'Hello!' },
      });

      await worker.waitForLog((log) => log.msg === `Job ${id} completed successfully`);
      await eventually(async () => (await queue.get(id))?.status === 'completed', 'job completed');
      await expectGracefulStop(worker);
    } finally {
      redis.disconnect();
    }
  });
});

describe('a bad configuration value', () => {
  // [service, variable, bad value]
  const cases: ['api' | 'worker', string, string][] = [
    ['api', 'PORT', '70000'],
    ['api', 'PORT', 'abc'],
    ['api', 'REDIS_URL', 'http://x'],
    ['api', 'QUEUE_NAME', 'no spaces allowed'],
    ['api', 'MAX_ATTEMPTS', '0'],
    ['worker', 'WORKER_CONCURRENCY', 'abc'],
    ['worker', 'WORKER_CONCURRENCY', '0'],
    ['worker', 'REDIS_URL', 'http://x'],
    ['worker', 'MOCK_EMAIL_FAILURE_RATE', '2'],
    ['worker', 'JOB_LEASE_MS', '-5'],
    ['worker', 'SHUTDOWN_TIMEOUT_MS', 'soon'],
    ['worker', 'LOG_LEVEL', 'loud'],
    ['api', 'CORS_ORIGINS', 'not-an-origin'],
    ['api', 'SUBMIT_RATE_LIMIT', 'lots'],
    ['api', 'TRUST_PROXY', 'maybe'],
    ['api', 'ALLOW_SHELL_JOBS', 'perhaps'],
    ['api', 'API_TOKEN', 'short'],
    ['api', 'EVENTS_MAX_STREAMS', '0'],
    ['api', 'EVENTS_MAX_BUFFER_BYTES', 'big'],
    ['worker', 'ALLOW_SHELL_JOBS', 'perhaps'],
    ['worker', 'WORKER_METRICS_PORT', '99999'],
  ];

  it.each(cases)('stops the %s at start: %s=%s', async (service, variable, value) => {
    const port = await freePort();
    const env = {
      REDIS_URL: testRedisUrl(),
      QUEUE_NAME: uniqueQueueName('bad'),
      PORT: String(port),
    };
    const child = startService(service, onlyThese({ ...env, [variable]: value }));

    const exit = await child.waitForExit(10_000);
    expect(exit.code).not.toBe(0);
    expect(exit.code).not.toBeNull();
    const output = child.lines.join('\n');
    expect(output).toContain(variable);
    // A message for a person, not a stack trace.
    expect(output).not.toMatch(/^\s+at /m);
  });
});

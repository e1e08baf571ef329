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
  it('the api listens on PORT, serves QUEUE_NAME on REDIS_URL and follows its other settings', async () => {
    const port = await freePort();
    const queueName = uniqueQueueName('alone');
    const api = npmStart('api', {
      PORT: String(port),
      REDIS_URL: testRedisUrl(),
      QUEUE_NAME: queueName,
      CORS_ORIGINS: 'https://app.example.com',
      SUBMIT_RATE_LIMIT: '2',
      TRUST_PROXY: 'true',
      ALLOW_SHELL_JOBS: '1',
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

    // CORS_ORIGINS: that origin may call the API from a browser.
    const cors = await fetch(`${url}/stats`, { headers: { Origin: 'https://app.example.com' } });
    expect(cors.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    // ALLOW_SHELL_JOBS, SUBMIT_RATE_LIMIT (2 jobs a minute per client) and TRUST_PROXY (the
    // client is the one X-Forwarded-For names, with a budget apart from 127.0.0.1's).
    const submitAs = (client: string, body: unknown) =>
      fetch(`${url}/submit-job`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Forwarded-For': client },
        body: JSON.stringify(body),
      }).then((reply) => reply.status);
    const shell = { job_type: 'shell', payload: { argv: ['true'] } };
    expect(await submitAs('198.51.100.7', shell)).toBe(202);
    expect(await submitAs('198.51.100.7', shell)).toBe(202);
    expect(await submitAs('198.51.100.7', shell)).toBe(429);
    expect(await submitAs('198.51.100.8', shell)).toBe(202);

    await expectGracefulStop(api);
  });

  it('the worker runs the jobs of QUEUE_NAME on REDIS_URL, shell ones too with ALLOW_SHELL_JOBS, and serves metrics on WORKER_METRICS_PORT', async () => {
    const queueName = uniqueQueueName('alone');
    const redis = createRedis({ redisUrl: testRedisUrl() });
    try {
      const queue = new JobQueue({
        redis,
        queueName,
        jobTypes: createJobTypes({
          mockEmail: { delayMs: 0, failureRate: 0 },
          allowShellJobs: true,
        }),
        maxAttempts: 3,
        jobTtlSeconds: 3600,
        failedJobTtlSeconds: 3600,
        idempotencyTtlSeconds: 3600,
        eventsMaxLen: 1000,
      });
      const metricsPort = await freePort();
      const worker = npmStart('worker', {
        REDIS_URL: testRedisUrl(),
        QUEUE_NAME: queueName,
        MOCK_EMAIL_DELAY_MS: '10',
        MOCK_EMAIL_FAILURE_RATE: '0',
        ALLOW_SHELL_JOBS: '1',
        WORKER_METRICS_PORT: String(metricsPort),
      });
      await worker.waitForLog((log) => String(log.msg).startsWith('Starting worker'), 20_000);
      const { job_id: id } = await queue.submit({
        job_type: 'send_email',
        payload: { to: 'user@example.com', subject: 'Test', message: 'Hello!' },
      });

      await worker.waitForLog((log) => log.msg === `Job ${id} completed successfully`);
      await eventually(async () => (await queue.get(id))?.status === 'completed', 'job completed');
      const shell = await queue.submit({ job_type: 'shell', payload: { argv: ['true'] } });
      await eventually(
        async () => (await queue.get(shell.job_id))?.status === 'completed',
        'shell job completed',
      );
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toMatch(/^jobqueue_worker_\w+/m);
      await expectGracefulStop(worker);
    } finally {
      redis.disconnect();
    }
  });
});

describe('the worker with http jobs on', () => {
  const unsigned = /^http jobs are on and HTTP_JOB_SIGNING_SECRET is not set/;
  const start = async (env: Record<string, string>) => {
    const worker = startService(
      'worker',
      onlyThese({
        REDIS_URL: testRedisUrl(),
        QUEUE_NAME: uniqueQueueName('http-on'),
        HTTP_JOB_ALLOWED_ORIGINS: 'http://127.0.0.1:1',
        ...env,
      }),
    );
    await worker.waitForLog((log) => String(log.msg).startsWith('Starting worker'), 20_000);
    await worker.stop();
    return worker.logs.filter((log) => unsigned.test(String(log.msg)));
  };

  it('warns at start that requests go unsigned without HTTP_JOB_SIGNING_SECRET', async () => {
    expect(await start({})).toEqual([expect.objectContaining({ level: 40 })]);
    expect(await start({ HTTP_JOB_SIGNING_SECRET: 'a-secret-of-sixteen+' })).toEqual([]);
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

// `npm run test:compose`: the real docker-compose stack, as a user runs it. Builds and starts it
// (`docker compose up -d --build`), replays the README's curl flow against the API, scales to three
// workers and watches them share the work and retry as the README shows, checks the worker logs,
// Redis's settings and the tester page on :8501, then takes the stack down (volumes included).
// Needs a Docker engine (DOCKER_HOST); exits 1 with the reason when a check fails.
import { randomBytes } from 'node:crypto';
import { ComposeProject, capture, freePort, http, portTaken, waitFor } from './compose.mjs';

const README_BODY = {
  job_type: 'send_email',
  priority: 'high',
  payload: { to: 'user@example.com', subject: 'Test', message: 'Hello!' },
};
const ISO_MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

const engine = await capture('docker', ['version', '--format', '{{.Server.Version}}']);
if (engine.code !== 0) {
  console.error(`test:compose needs a Docker engine, and none answers:\n${engine.stderr.trim()}`);
  process.exit(1);
}

const apiPort = await hostPort(5000, 'API_HOST_PORT');
const uiPort = await hostPort(8501, 'UI_HOST_PORT');
const api = `http://localhost:${apiPort}`;
// A project name of its own, so a run never tears down another run's stack (or a user's).
const stack = new ComposeProject(`jobqueue-compose-test-${randomBytes(4).toString('hex')}`, {
  REDIS_PASSWORD: randomBytes(12).toString('hex'),
  API_HOST_PORT: String(apiPort),
  UI_HOST_PORT: String(uiPort),
  MOCK_EMAIL_FAILURE_RATE: '0',
});
let failed = false;

try {
  console.log(
    `docker compose up -d --build (engine ${engine.stdout.trim()}); the first build takes minutes`,
  );
  await stack.run(['up', '-d', '--build'], { echo: true });

  await check(`the API answers on :${apiPort} once Redis is ready`, () =>
    waitFor(
      'GET /ready',
      async () => ((await http('GET', `${api}/ready`)).status === 200 ? true : undefined),
      90_000,
    ),
  );
  await check('Redis: append-only every second, noeviction, a password, no host port', checkRedis);
  await check("the README's curl flow: submit, then the status JSON once completed", readmeFlow);
  await check('three workers share the work and retry as the docs show', scaledWorkers);
  await check(`the tester page answers on :${uiPort} and forwards /api`, testerPage);
} catch (error) {
  failed = true;
  console.error(`\nFAIL ${error.message}`);
  for (const service of ['api', 'worker', 'tester-ui']) {
    const tail = await stack
      .run(['logs', '--no-color', '--tail', '20', service])
      .catch((e) => e.message);
    console.error(`\n--- last ${service} logs ---\n${tail}`);
  }
} finally {
  console.log('\ndocker compose down -v');
  await stack
    .run(['down', '-v', '--remove-orphans'])
    .catch((error) => console.error(error.message));
}
console.log(failed ? '\ntest:compose FAILED' : '\ntest:compose passed');
process.exit(failed ? 1 : 0);

async function check(name, body) {
  process.stdout.write(`\n- ${name} ... `);
  const detail = await body();
  console.log(`ok${typeof detail === 'string' ? ` (${detail})` : ''}`);
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

async function hostPort(preferred, variable) {
  if (!(await portTaken(preferred))) return preferred;
  const port = await freePort();
  console.log(
    `port ${preferred} is taken on this machine: publishing on ${port} instead (${variable})`,
  );
  return port;
}

async function checkRedis() {
  const config = await stack.run(['exec', '-T', 'redis', 'redis-cli', 'CONFIG', 'GET', '*']);
  const lines = config.split('\n').map((line) => line.trim());
  const setting = (name) => lines[lines.indexOf(name) + 1];
  expect(setting('appendonly') === 'yes', `appendonly is ${setting('appendonly')}`);
  expect(setting('appendfsync') === 'everysec', `appendfsync is ${setting('appendfsync')}`);
  expect(
    setting('maxmemory-policy') === 'noeviction',
    `maxmemory-policy is ${setting('maxmemory-policy')}`,
  );
  const anonymous = await stack.run([
    'exec',
    '-T',
    'redis',
    'sh',
    '-c',
    'env -u REDISCLI_AUTH redis-cli PING',
  ]);
  expect(/NOAUTH/.test(anonymous), `PING without the password answered ${anonymous.trim()}`);
  const id = (await stack.run(['ps', '-q', 'redis'])).trim();
  const ports = await capture('docker', [
    'inspect',
    '--format',
    '{{json .NetworkSettings.Ports}}',
    id,
  ]);
  expect(ports.stdout.trim() === '{"6379/tcp":null}', `redis publishes ${ports.stdout.trim()}`);
  const warnings = (await stack.logs('api')).filter((log) =>
    /may (lose|evict)|appendonly is off|keeps nothing/.test(log.msg),
  );
  expect(warnings.length === 0, `the API warns: ${warnings.map((log) => log.msg).join('; ')}`);
}

async function readmeFlow() {
  const submitted = await http('POST', `${api}/submit-job`, README_BODY);
  expect(
    submitted.status === 202,
    `POST /submit-job answered ${submitted.status}: ${JSON.stringify(submitted.body)}`,
  );
  expect(submitted.body.status === 'queued', `status ${submitted.body.status}, not queued`);
  const id = submitted.body.job_id;
  const record = await waitFor(`job ${id} completed`, async () => {
    const reply = await http('GET', `${api}/jobs/status/${id}`);
    return reply.body.status === 'completed' ? reply.body : undefined;
  });
  expect(
    record.attempts === 1 && record.max_attempts === 3,
    `attempts ${record.attempts}/${record.max_attempts}`,
  );
  for (const field of ['created_at', 'picked_at', 'completed_at']) {
    expect(ISO_MICROS.test(record[field]), `${field} is ${record[field]}`);
  }
  await waitForWorkerLines([
    `Picked job ${id}`,
    `Processing job ${id}: `,
    `Job ${id} completed successfully`,
  ]);
  return `job ${id}`;
}

async function scaledWorkers() {
  // Every attempt fails from here on, so the retry lines appear; the new setting recreates the workers.
  await stack.run(['up', '-d', '--scale', 'worker=3'], { env: { MOCK_EMAIL_FAILURE_RATE: '1' } });
  await waitFor('3 live workers in GET /stats', async () => {
    const stats = await http('GET', `${api}/stats`);
    return stats.body.workers === 3 ? true : undefined;
  });

  const retried = await submit({ ...README_BODY, max_attempts: 2 });
  await waitForWorkerLines([
    `Job ${retried} failed: Mock email sending failed`,
    `Retrying job ${retried} after 2 seconds (attempt 1)`,
    `Job ${retried} permanently failed after 2 attempts`,
  ]);

  // One at a time, each picked before the next: each submission wakes the worker that has
  // waited longest, so the three take turns.
  const ids = [];
  let pickers = new Set();
  for (let i = 0; i < 9; i++) {
    ids.push(await submit({ ...README_BODY, max_attempts: 1 }));
    pickers = await waitFor(`job ${i + 1} of 9 picked`, async () => {
      const picks = (await stack.logs('worker')).filter((log) =>
        ids.some((id) => log.msg === `Picked job ${id}`),
      );
      return picks.length === ids.length ? new Set(picks.map((log) => log.container)) : undefined;
    });
  }
  expect(pickers.size === 3, `not all three workers picked jobs: ${[...pickers].join(', ')}`);
  return `picked by ${[...pickers].join(', ')}`;
}

async function testerPage() {
  const page = await waitFor('GET / on the tester page', async () => {
    const reply = await http('GET', `http://localhost:${uiPort}/`);
    return reply.status === 200 ? reply : undefined;
  });
  expect(String(page.headers.get('content-type')).includes('text/html'), 'the page is not HTML');
  const stats = await http('GET', `http://localhost:${uiPort}/api/stats`);
  expect(
    stats.status === 200 && stats.body.queue === 'jobs',
    `GET /api/stats answered ${stats.status}`,
  );
}

async function submit(body) {
  const reply = await http('POST', `${api}/submit-job`, body);
  expect(
    reply.status === 202,
    `POST /submit-job answered ${reply.status}: ${JSON.stringify(reply.body)}`,
  );
  return reply.body.job_id;
}

/** Waits until `docker compose logs worker` shows each line (a line ending in ': ' is a prefix), in order. */
async function waitForWorkerLines(lines) {
  await waitFor(
    `worker log lines: ${lines.join(' | ')}`,
    async () => {
      const messages = (await stack.logs('worker')).map((log) => String(log.msg));
      let from = 0;
      for (const line of lines) {
        const at = messages.findIndex(
          (msg, i) => i >= from && (line.endsWith(': ') ? msg.startsWith(line) : msg === line),
        );
        if (at < 0) return undefined;
        from = at + 1;
      }
      return true;
    },
    30_000,
  );
}

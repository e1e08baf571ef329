// The api and the worker reach a Redis that demands a password (given in REDIS_URL) and one that
// speaks TLS only (a rediss:// URL): the README's job runs end to end through each. A wrong
// password or an untrusted certificate keeps the api not ready instead of talking in the clear.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { delay, freePort, RedisServerProcess } from '@jobqueue/testkit';
import { getJson, startApi, submitJob, waitForJob } from './support/api-client';
import { uniqueQueueName } from './support/redis-url';
import { startService } from './support/service-process';

const PASSWORD = 'correct-horse-battery-staple';
const README_BODY = {
  job_type: 'send_email',
  priority: 'high',
  payload: { to: 'user@example.com', subject: 'Test', message: 'Hello!' },
};

/** Submits the README's job through the api and waits until a worker on the same Redis completed it. */
async function runReadmeJob(env: Record<string, string>): Promise<void> {
  const queue = { ...env, QUEUE_NAME: uniqueQueueName('secure') };
  const api = await startApi(queue);
  const worker = startService('worker', {
    ...queue,
    MOCK_EMAIL_DELAY_MS: '0',
    MOCK_EMAIL_FAILURE_RATE: '0',
  });
  const id = await submitJob(api, README_BODY);
  await waitForJob(api, id, (job) => job.status === 'completed');
  await worker.waitForLog((log) => log.msg === `Job ${id} completed successfully`);
}

/** Starts the api and expects /ready to keep answering 503 (and /health 200). */
async function expectNotReady(env: Record<string, string>): Promise<void> {
  const port = await freePort();
  const api = startService('api', { ...env, PORT: String(port), HOST: '127.0.0.1' });
  const url = `http://127.0.0.1:${port}`;
  await api.waitForHttp(`${url}/health`);
  // Several reconnect attempts: none may succeed.
  for (let i = 0; i < 5; i++) {
    expect((await getJson(`${url}/ready`)).status).toBe(503);
    await delay(300);
  }
}

describe('a Redis with a password', () => {
  let redis: RedisServerProcess;
  beforeAll(async () => {
    redis = await requirePassword(await new RedisServerProcess().start());
  });
  afterAll(() => redis.dispose());

  test('without the password Redis refuses every command', async () => {
    const anonymous = new Redis(redis.port, '127.0.0.1', { maxRetriesPerRequest: 0 });
    anonymous.on('error', () => {}); // the refusal is asserted below
    try {
      await expect(anonymous.get('anything')).rejects.toThrow(/NOAUTH/);
    } finally {
      anonymous.disconnect();
    }
  });

  test('the password in REDIS_URL lets the api and the worker run a job', async () => {
    await runReadmeJob({ REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${redis.port}` });
  });

  test('a wrong password leaves the api not ready', async () => {
    await expectNotReady({ REDIS_URL: `redis://:wrong-password@127.0.0.1:${redis.port}` });
  });
});

describe('a Redis over TLS (rediss://)', () => {
  let certs: string;
  let redis: RedisServerProcess;
  let tlsPort: number;

  beforeAll(async () => {
    certs = makeCertificates();
    tlsPort = await freePort();
    // The plain port stays on loopback for the harness's readiness check; the services are given
    // the TLS port only, where a client that does not speak TLS gets no answer.
    // prettier-ignore
    redis = await new RedisServerProcess({
      args: [
        '--tls-port', String(tlsPort),
        '--tls-cert-file', join(certs, 'server.crt'),
        '--tls-key-file', join(certs, 'server.key'),
        '--tls-ca-cert-file', join(certs, 'ca.crt'),
        '--tls-auth-clients', 'no',
      ],
    }).start();
    await requirePassword(redis);
  });
  afterAll(async () => {
    await redis.dispose();
    rmSync(certs, { recursive: true, force: true });
  });

  const tlsUrl = () => `rediss://:${PASSWORD}@127.0.0.1:${tlsPort}`;

  test('with the server certificate trusted, the api and the worker run a job', async () => {
    // NODE_EXTRA_CA_CERTS is how an operator makes Node trust a private CA.
    await runReadmeJob({ REDIS_URL: tlsUrl(), NODE_EXTRA_CA_CERTS: join(certs, 'ca.crt') });
  });

  test('a certificate nobody vouches for leaves the api not ready', async () => {
    await expectNotReady({ REDIS_URL: tlsUrl() });
  });

  test('redis:// on the TLS port gets no answer: the services did speak TLS above', async () => {
    await expectNotReady({ REDIS_URL: `redis://:${PASSWORD}@127.0.0.1:${tlsPort}` });
  });
});

/** Set once the server answers: the harness checks readiness with a PING that has no password. */
async function requirePassword(redis: RedisServerProcess): Promise<RedisServerProcess> {
  const admin = new Redis(redis.port, '127.0.0.1');
  try {
    await admin.config('SET', 'requirepass', PASSWORD);
  } finally {
    admin.disconnect();
  }
  return redis;
}

/** A throwaway CA and a server certificate for localhost signed by it, made with openssl. */
function makeCertificates(): string {
  const dir = mkdtempSync(join(tmpdir(), 'jobqueue-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  // prettier-ignore
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
    '-keyout', 'ca.key', '-out', 'ca.crt', '-subj', '/CN=jobqueue test CA');
  // prettier-ignore
  openssl('req', '-newkey', 'rsa:2048', '-nodes',
    '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  // prettier-ignore
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key',
    '-CAcreateserial', '-days', '2', '-out', 'server.crt', '-extfile', 'san.ext');
  return dir;
}

// `http` jobs against a real HTTP server of the test's own: a signed request, the answer's
// status deciding between completed, retried and failed at once, redirects, timeouts, and the
// origins a submission may name.

import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '@jobqueue/testkit';
import { createJobTypes, ValidationError, verifySignature } from '../src';
import { createFixture, eventually, type QueueFixture } from './queue-fixture';

const SECRET = 'test-signing-secret-0123456789';
const RECEIVER = join(__dirname, '..', '..', '..', 'examples', 'http-target', 'receiver.py');

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let origin: string;
let received: Received[];
let answer: (request: Received, res: ServerResponse) => void;
let fixture: QueueFixture;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method!,
        path: req.url!,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      received.push(request);
      answer(request, res);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  server.close();
});

beforeEach(async () => {
  received = [];
  answer = (_request, res) => res.writeHead(200).end('ok');
  fixture = createFixture({
    jobTypes: createJobTypes({
      mockEmail: { delayMs: 0, failureRate: 0 },
      allowShellJobs: false,
      httpTargets: { allowedOrigins: [origin], signingSecret: SECRET },
    }),
  });
  await fixture.startWorker({ concurrency: 4 });
});
afterEach(() => fixture.close());

async function finished(jobId: string) {
  await eventually(async () => {
    const status = (await fixture.queue.get(jobId))?.status;
    return status === 'completed' || status === 'failed';
  });
  return (await fixture.queue.get(jobId))!;
}

const submit = (payload: Record<string, unknown>, maxAttempts = 3) =>
  fixture.queue.submit({ job_type: 'http', payload, max_attempts: maxAttempts });

test('a 2xx completes the job: the request is signed, names the job and attempt, and the answer is kept', async () => {
  answer = (_request, res) => res.writeHead(201).end('x'.repeat(5000));
  const { job_id } = await submit({ url: `${origin}/hooks/invoice`, body: { invoice: 42 } });
  const record = await finished(job_id);
  expect(record).toMatchObject({ status: 'completed', attempts: 1 });
  expect(record.result).toEqual({ status: 201, body: 'x'.repeat(4096) });

  const [request] = received;
  expect(request).toMatchObject({ method: 'POST', path: '/hooks/invoice', body: '{"invoice":42}' });
  expect(request!.headers).toMatchObject({
    'content-type': 'application/json',
    'x-jobqueue-job-id': job_id,
    'x-jobqueue-attempt': '1',
  });
  const header = request!.headers['x-jobqueue-signature'] as string;
  expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  expect(verifySignature({ secret: SECRET, header, body: request!.body })).toBe(true);
  expect(verifySignature({ secret: SECRET, header, body: '{"invoice":43}' })).toBe(false);
  expect(
    verifySignature({ secret: 'another-secret-0123456789', header, body: request!.body }),
  ).toBe(false);
});

test('a 5xx fails the attempt and the job is retried', async () => {
  answer = (_request, res) =>
    received.length === 1 ? res.writeHead(503).end('busy') : res.writeHead(200).end('done');
  const { job_id } = await submit({ url: `${origin}/flaky`, method: 'PUT', body: 'raw text' });
  const record = await finished(job_id);
  expect(record).toMatchObject({ status: 'completed', attempts: 2, result: { status: 200 } });
  expect(received.map((r) => [r.method, r.body, r.headers['x-jobqueue-attempt']])).toEqual([
    ['PUT', 'raw text', '1'],
    ['PUT', 'raw text', '2'],
  ]);
});

test('another 4xx fails the job at once, with attempts left', async () => {
  answer = (_request, res) => res.writeHead(404).end('no such hook');
  const { job_id } = await submit({ url: `${origin}/missing` });
  const record = await finished(job_id);
  expect(record).toMatchObject({ status: 'failed', attempts: 1, max_attempts: 3 });
  expect(record.last_error).toBe(`POST ${origin}/missing answered 404: no such hook`);
  expect(received).toHaveLength(1);
});

test('a 429 is retried no sooner than its Retry-After', async () => {
  answer = (_request, res) =>
    received.length === 1
      ? res.writeHead(429, { 'Retry-After': '2' }).end()
      : res.writeHead(200).end();
  const { job_id } = await submit({ url: `${origin}/limited` });
  const record = await finished(job_id);
  expect(record).toMatchObject({ status: 'completed', attempts: 2 });
  const retrying = (await fixture.queue.events('0', 100)).find(
    (e) => e.type === 'retrying' && e.job_id === job_id,
  );
  expect(retrying?.message).toBe(`Retrying job ${job_id} after 2 seconds (attempt 1)`);
});

test('a redirect is followed within the origin and refused to another', async () => {
  answer = (request, res) => {
    if (request.path === '/old') res.writeHead(307, { Location: '/new' }).end();
    else if (request.path === '/away')
      res.writeHead(302, { Location: 'http://example.com/' }).end();
    else res.writeHead(200).end('moved here');
  };
  const followed = await finished((await submit({ url: `${origin}/old` })).job_id);
  expect(followed).toMatchObject({
    status: 'completed',
    result: { status: 200, body: 'moved here' },
  });

  const refused = await finished((await submit({ url: `${origin}/away` })).job_id);
  expect(refused).toMatchObject({ status: 'failed', attempts: 1 });
  expect(refused.last_error).toContain('a redirect to http://example.com/: not followed');
});

test('a target that does not answer in timeout_ms fails the attempt, which is retried', async () => {
  answer = (request, res) => {
    if (received.length > 1) res.writeHead(200).end();
    // else: never answers
  };
  const { job_id } = await submit({ url: `${origin}/slow`, timeout_ms: 200 });
  const record = await finished(job_id);
  expect(record).toMatchObject({ status: 'completed', attempts: 2 });
  const failedEvent = (await fixture.queue.events('0', 100)).find(
    (e) => e.type === 'failed' && e.job_id === job_id,
  );
  expect(failedEvent?.error).toBe(`POST ${origin}/slow timed out after 200 ms`);
});

test('a submission naming an origin outside HTTP_JOB_ALLOWED_ORIGINS is refused, naming payload.url', async () => {
  const refusal = await submit({ url: 'http://169.254.169.254/latest/meta-data' }).catch(
    (error: unknown) => error,
  );
  expect(refusal).toBeInstanceOf(ValidationError);
  expect((refusal as ValidationError).details).toEqual([
    {
      path: 'payload.url',
      message: `goes to http://169.254.169.254, which is not in HTTP_JOB_ALLOWED_ORIGINS (${origin})`,
    },
  ]);
  const notHttp = await submit({ url: 'file:///etc/passwd' }).catch((error: unknown) => error);
  expect((notHttp as ValidationError).details[0]).toMatchObject({ path: 'payload.url' });
  const reserved = await submit({
    url: `${origin}/x`,
    headers: { 'X-Jobqueue-Job-Id': 'forged' },
  }).catch((error: unknown) => error);
  expect((reserved as ValidationError).details[0]?.message).toContain('is set by the queue itself');
});

test('a header with a line break, a URL with credentials, or a form the worker would refuse is refused at submission', async () => {
  const problems = (payload: Record<string, unknown>) =>
    submit(payload).then(
      () => [],
      (error: ValidationError) => error.details,
    );
  expect(await problems({ url: `${origin}/x`, headers: { 'X-A': 'b\r\nX-Injected: 1' } })).toEqual([
    {
      path: 'payload.headers.X-A',
      message: 'must hold no line breaks or other control characters',
    },
  ]);
  expect(await problems({ url: `${origin}/x`, headers: { 'bad name': 'x' } })).toEqual([
    { path: 'payload.headers.bad name', message: 'must be an HTTP header name' },
  ]);
  const [host, port] = origin.slice('http://'.length).split(':');
  expect(await problems({ url: `http://user:pw@${host}:${port}/x` })).toEqual([
    { path: 'payload.url', message: 'must not hold a user name or password' },
  ]);
  expect(await problems({ url: `http:/${host}:${port}/x` })).toEqual([
    { path: 'payload.url', message: 'must be an http:// or https:// URL' },
  ]);
  // In the API's words, each field named (before: zod's "Invalid option: ...", and "payload."
  // for an unknown field).
  const bad = await problems({ url: `${origin}/x`, method: 'BREW', timeout_ms: 0, extra: 1 });
  expect(bad).toEqual([
    { path: 'payload.method', message: expect.stringMatching(/^must be one of "GET", "POST"/) },
    { path: 'payload.timeout_ms', message: 'must be at least 1' },
    { path: 'payload.extra', message: 'is not a known field' },
  ]);
});

test('a 303 is followed with a GET without the body', async () => {
  answer = (request, res) => {
    if (request.path === '/form') res.writeHead(303, { Location: '/done' }).end();
    else res.writeHead(200).end(request.method);
  };
  const record = await finished((await submit({ url: `${origin}/form`, body: { a: 1 } })).job_id);
  expect(record.result).toEqual({ status: 200, body: 'GET' });
  expect(received.map((r) => [r.method, r.path, r.body])).toEqual([
    ['POST', '/form', '{"a":1}'],
    ['GET', '/done', ''],
  ]);
});

test('with no allowed origins, http jobs are refused, naming the setting', async () => {
  const closed = createFixture({
    jobTypes: createJobTypes({
      mockEmail: { delayMs: 0, failureRate: 0 },
      allowShellJobs: false,
      httpTargets: { allowedOrigins: [] },
    }),
  });
  try {
    const refusal = await closed.queue
      .submit({ job_type: 'http', payload: { url: `${origin}/x` } })
      .catch((error: unknown) => error);
    expect((refusal as ValidationError).details[0]).toMatchObject({
      path: 'job_type',
      message: expect.stringContaining('HTTP_JOB_ALLOWED_ORIGINS'),
    });
  } finally {
    await closed.close();
  }
});

test("the example Python receiver accepts the queue's signed requests and refuses a forged one", async () => {
  const port = await freePort();
  const receiver = spawn('python3', [RECEIVER, String(port)], {
    env: { ...process.env, HTTP_JOB_SIGNING_SECRET: SECRET, HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const lines = createInterface({ input: receiver.stdout! });
    const printed: string[] = [];
    lines.on('line', (line) => printed.push(line));
    await eventually(() => printed.includes(`listening on ${port}`));
    const target = `http://127.0.0.1:${port}`;
    const typed = createFixture({
      jobTypes: createJobTypes({
        mockEmail: { delayMs: 0, failureRate: 0 },
        allowShellJobs: false,
        httpTargets: { allowedOrigins: [target], signingSecret: SECRET },
      }),
    });
    try {
      await typed.startWorker();
      const { job_id } = await typed.queue.submit({
        job_type: 'http',
        payload: { url: `${target}/jobs`, body: { order: 7 } },
      });
      await eventually(async () => (await typed.queue.get(job_id))?.status === 'completed');
      const result = (await typed.queue.get(job_id))?.result as { status: number; body: string };
      expect(result.status).toBe(200);
      expect(JSON.parse(result.body)).toEqual({ received: job_id });
      expect(printed).toContain(`job ${job_id} attempt 1: {"order":7}`);
    } finally {
      await typed.close();
    }
    const forged = await fetch(`${target}/jobs`, {
      method: 'POST',
      headers: {
        'X-Jobqueue-Signature': `t=${Math.floor(Date.now() / 1000)},v1=${'0'.repeat(64)}`,
      },
      body: '{"order":7}',
    });
    expect(forged.status).toBe(401);
  } finally {
    receiver.kill();
    await once(receiver, 'exit');
  }
});

// The locked-down API: bearer token on every route but the probes, CORS only for listed origins,
// security headers, a per-client submission rate limit, and no way for a client to set state.

import { startApi, validEmail, type ApiFixture } from './api-fixture';

const TOKEN = 'test-token-0123456789abcdef';
const UI_ORIGIN = 'http://ui.example.com';

const fixtures: ApiFixture[] = [];
async function api(options: Parameters<typeof startApi>[0] = {}): Promise<ApiFixture> {
  const fixture = await startApi(options);
  fixtures.push(fixture);
  return fixture;
}
afterAll(async () => {
  await Promise.all(fixtures.map((fixture) => fixture.close()));
});

describe('API_TOKEN', () => {
  let locked: ApiFixture;
  beforeAll(async () => {
    locked = await api({ app: { apiToken: TOKEN } });
  });

  test('every route but /health and /ready answers 401 without the token', async () => {
    // Every route the router serves, so a route added later is covered too.
    const routes = locked.app.router.stack.flatMap((layer) =>
      layer.methods
        .filter((method) => method !== 'HEAD')
        .map((method) => [
          method,
          String(layer.path).replace(':id', '0190f3c2-0000-7000-8000-000000000000'),
        ]),
    );
    expect(routes).toContainEqual(['POST', '/submit-job']);
    expect(routes).toContainEqual(['POST', '/jobs/bulk']);
    for (const [method, path] of routes.filter(
      ([, path]) => !['/health', '/ready'].includes(path!),
    )) {
      const reply = await locked.call(method!, path!);
      expect({ method, path, status: reply.status }).toEqual({ method, path, status: 401 });
      expect(reply.body.error.code).toBe('unauthorized');
      expect(reply.headers.get('www-authenticate')).toBe('Bearer');
    }
    expect((await locked.get('/health')).status).toBe(200);
    expect((await locked.get('/ready')).status).toBe(200);
  });

  test('a wrong token, a token of another length or another scheme is refused; nothing is submitted', async () => {
    for (const authorization of [
      `Bearer ${TOKEN}x`,
      'Bearer short',
      `Bearer ${TOKEN.replace('0', '1')}`,
      `Basic ${TOKEN}`,
      TOKEN,
      'Bearer ',
    ]) {
      const reply = await locked.post('/submit-job', validEmail, { authorization });
      expect({ authorization, status: reply.status }).toEqual({ authorization, status: 401 });
      expect(reply.body.error.message).toMatch(/Authorization: Bearer/);
    }
    expect((await locked.queue.stats()).totals.submitted).toBe(0);
  });

  test('the right token opens every route', async () => {
    const authorization = `Bearer ${TOKEN}`;
    const submitted = await locked.post('/submit-job', validEmail, { authorization });
    expect(submitted.status).toBe(202);
    const status = await locked.get(`/jobs/status/${submitted.body.job_id}`, { authorization });
    expect(status.status).toBe(200);
    expect((await locked.get('/stats', { authorization })).status).toBe(200);
    expect((await locked.get('/metrics', { authorization })).status).toBe(200);
  });
});

describe('CORS_ORIGINS', () => {
  test('a listed origin may call the API, with preflight; others get no CORS headers', async () => {
    const cors = await api({ app: { corsOrigins: [UI_ORIGIN], apiToken: TOKEN } });
    const authorization = `Bearer ${TOKEN}`;

    const allowed = await cors.get('/stats', { origin: UI_ORIGIN, authorization });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(allowed.headers.get('vary')).toMatch(/Origin/);

    const other = await cors.get('/stats', { origin: 'http://evil.example.com', authorization });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();

    // A browser asks before a JSON POST with a token; the preflight itself carries no token.
    const preflight = await cors.call('OPTIONS', '/submit-job', {
      headers: {
        origin: UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/authorization/);

    const refused = await cors.call('OPTIONS', '/submit-job', {
      headers: { origin: 'http://evil.example.com', 'access-control-request-method': 'POST' },
    });
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    const submitted = await cors.post('/submit-job', validEmail, {
      origin: UI_ORIGIN,
      authorization,
    });
    expect(submitted.status).toBe(202);
    expect(submitted.headers.get('access-control-expose-headers')).toMatch(/Location/);
  });

  test('without CORS_ORIGINS no origin gets CORS headers', async () => {
    const closed = await api();
    const reply = await closed.get('/stats', { origin: UI_ORIGIN });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('access-control-allow-origin')).toBeNull();
  });
});

test('replies carry security headers, errors included', async () => {
  const plain = await api();
  for (const reply of [
    await plain.get('/stats'),
    await plain.get('/no/such/route'),
    await plain.post('/submit-job', {}),
  ]) {
    expect(reply.headers.get('x-content-type-options')).toBe('nosniff');
    expect(reply.headers.get('x-frame-options')).toBe('DENY');
    expect(reply.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(reply.headers.get('x-powered-by')).toBeNull();
    expect(reply.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    expect(reply.headers.get('referrer-policy')).toBe('no-referrer');
    expect(reply.headers.get('cross-origin-resource-policy')).toBe('same-origin');
  }
});

describe('SUBMIT_RATE_LIMIT', () => {
  test('a client over its budget gets 429 with Retry-After; nothing more is submitted', async () => {
    const limited = await api({ app: { submitRateLimit: 5 } });
    for (let i = 0; i < 5; i++)
      expect((await limited.post('/submit-job', validEmail)).status).toBe(202);

    const refused = await limited.post('/submit-job', validEmail);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(refused.body.error.message).toMatch(/at most 5 per minute/);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    expect((await limited.post('/jobs/bulk', { jobs: [validEmail] })).status).toBe(429);
    expect((await limited.queue.stats()).totals.submitted).toBe(5);
    // The budget counts jobs, not requests: a bulk takes one per job it holds.
    const bulky = await api({ app: { submitRateLimit: 5 } });
    expect((await bulky.post('/jobs/bulk', { jobs: Array(3).fill(validEmail) })).status).toBe(202);
    const over = await bulky.post('/jobs/bulk', { jobs: Array(3).fill(validEmail) });
    expect(over.status).toBe(429);
    expect(over.body.error.message).toMatch(/at most 5 per minute; this request holds 3/);
    expect((await bulky.post('/jobs/bulk', { jobs: Array(2).fill(validEmail) })).status).toBe(202);
    expect((await bulky.post('/submit-job', validEmail)).status).toBe(429);
    expect((await bulky.queue.stats()).totals.submitted).toBe(5);
    // One that could never pass says so, with no Retry-After to wait for.
    const huge = await api({ app: { submitRateLimit: 5 } });
    const never = await huge.post('/jobs/bulk', { jobs: Array(6).fill(validEmail) });
    expect({ status: never.status, retryAfter: never.headers.get('retry-after') }).toEqual({
      status: 413,
      retryAfter: null,
    });
    expect(never.body.error.message).toBe(
      'this request holds 6 jobs, more than a client may submit in a minute (5): send at most 5 at a time',
    );
    expect((await huge.post('/jobs/bulk', { jobs: Array(5).fill(validEmail) })).status).toBe(202);
    expect((await huge.queue.stats()).totals.submitted).toBe(5);
    // Reading is not limited.
    expect((await limited.get('/stats')).status).toBe(200);
  });

  test('the budget is per client IP, and X-Forwarded-For counts only behind a trusted proxy', async () => {
    const proxied = await api({ app: { submitRateLimit: 2, trustProxy: true } });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    for (let i = 0; i < 2; i++)
      expect((await proxied.post('/submit-job', validEmail, from('203.0.113.1'))).status).toBe(202);
    expect((await proxied.post('/submit-job', validEmail, from('203.0.113.1'))).status).toBe(429);
    expect((await proxied.post('/submit-job', validEmail, from('203.0.113.2'))).status).toBe(202);

    const direct = await api({ app: { submitRateLimit: 2 } });
    for (let i = 0; i < 2; i++)
      expect((await direct.post('/submit-job', validEmail, from(`198.51.100.${i}`))).status).toBe(
        202,
      );
    // Without a trusted proxy a client cannot dodge its budget by inventing addresses.
    expect((await direct.post('/submit-job', validEmail, from('198.51.100.9'))).status).toBe(429);
  });

  test('0 turns the limit off', async () => {
    const unlimited = await api({ app: { submitRateLimit: 0 } });
    const replies = await Promise.all(
      Array.from({ length: 30 }, () => unlimited.post('/submit-job', validEmail)),
    );
    expect(replies.map((reply) => reply.status)).toEqual(Array(30).fill(202));
  });
});

test('a client can never set status, attempts or timestamps', async () => {
  const plain = await api();
  const forged = {
    ...validEmail,
    status: 'completed',
    attempts: 99,
    created_at: '2000-01-01T00:00:00.000000Z',
    completed_at: '2000-01-01T00:00:00.000000Z',
    result: { forged: true },
  };
  const single = await plain.post('/submit-job', forged);
  expect(single.status).toBe(400);
  expect(single.body.error.details.map((detail: { path: string }) => detail.path).sort()).toEqual([
    'attempts',
    'completed_at',
    'created_at',
    'result',
    'status',
  ]);
  const bulk = await plain.post('/jobs/bulk', { jobs: [validEmail, forged] });
  expect(bulk.status).toBe(400);
  expect(bulk.body.error.details.map((detail: { path: string }) => detail.path)).toContain(
    'jobs.1.status',
  );
  expect((await plain.queue.stats()).totals.submitted).toBe(0);
});

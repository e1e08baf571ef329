// Every kind of bad request gets a clear 4xx with the documented error JSON naming what was
// wrong: never a 500, never a crash, and nothing is submitted.

import { startApi, validEmail, type ApiFixture, type CallInit, type Reply } from './api-fixture';

let api: ApiFixture;
beforeAll(async () => {
  api = await startApi();
});
afterAll(() => api.close());

const JSON_TYPE = { 'content-type': 'application/json' };
const withPayload = (payload: Record<string, unknown>) => ({
  ...validEmail,
  payload: { ...validEmail.payload, ...payload },
});

interface BadRequest {
  name: string;
  method: string;
  path: string;
  init: CallInit;
  status: number;
  code: string;
  /** Paths the error's details must name (in order), or a pattern its message must match. */
  check?: string[] | RegExp;
}

type Outcome = readonly [status: number, code: string];
const INVALID: Outcome = [400, 'validation_failed'];
const BAD_JSON: Outcome = [400, 'invalid_json'];
const NOT_JSON: Outcome = [415, 'unsupported_media_type'];
const TOO_LARGE: Outcome = [413, 'payload_too_large'];
const NOT_FOUND: Outcome = [404, 'not_found'];
const WRONG_METHOD: Outcome = [405, 'method_not_allowed'];

const json = (body: unknown): CallInit => ({ headers: JSON_TYPE, body: JSON.stringify(body) });
const raw = (body: string, type = 'application/json'): CallInit => ({
  headers: { 'content-type': type },
  body,
});
const validJson = JSON.stringify(validEmail);

/** A POST /submit-job body, or `route` for a request elsewhere. */
const submit = (
  name: string,
  init: CallInit,
  [status, code]: Outcome,
  check?: string[] | RegExp,
) => ({
  name,
  method: 'POST',
  path: '/submit-job',
  init,
  status,
  code,
  check,
});
const route = (
  name: string,
  method: string,
  path: string,
  [status, code]: Outcome,
  check?: RegExp,
) => ({
  name,
  method,
  path,
  init: method === 'GET' ? {} : json({}),
  status,
  code,
  check,
});

const UNKNOWN_ID = '0190f3c2-0000-7000-8000-00000000abcd';

const badRequests: BadRequest[] = [
  submit('malformed JSON', raw('{"job_type": "send_email",'), BAD_JSON, /not valid JSON/),
  submit('JSON null', raw('null'), BAD_JSON, /must be a JSON object, not a bare value/),
  submit('a JSON number', raw('42'), BAD_JSON, /must be a JSON object, not a bare value/),
  submit('a JSON array', json([validEmail]), INVALID),
  submit('an empty body', raw(''), INVALID),
  submit('text/plain', raw(validJson, 'text/plain'), NOT_JSON, /application\/json/),
  submit('a form', raw('job_type=send_email', 'application/x-www-form-urlencoded'), NOT_JSON),
  submit('no content type', { body: validJson }, NOT_JSON),
  submit('missing fields', json({}), INVALID, ['job_type', 'payload']),
  submit('a missing payload field', json(withPayload({ subject: undefined })), INVALID, [
    'payload.subject',
  ]),
  submit('a client-set status', json({ ...validEmail, status: 'completed' }), INVALID, ['status']),
  submit('client-set attempts', json({ ...validEmail, attempts: 3 }), INVALID, ['attempts']),
  submit(
    'a client-set timestamp',
    json({ ...validEmail, created_at: '2020-01-01T00:00:00Z' }),
    INVALID,
    ['created_at'],
  ),
  submit('a client-set job_id', json({ ...validEmail, job_id: UNKNOWN_ID }), INVALID, ['job_id']),
  submit(
    '__proto__',
    raw(`{"__proto__": {"status": "done"}, ${validJson.slice(1)}`),
    INVALID,
    /"__proto__"/,
  ),
  submit(
    'a nested __proto__',
    raw(validJson.replace('"to"', '"__proto__": {}, "to"')),
    INVALID,
    /"__proto__"/,
  ),
  submit('constructor', json({ ...validEmail, constructor: { prototype: {} } }), INVALID, [
    'constructor',
  ]),
  submit('an unknown payload field', json(withPayload({ cc: 'b@example.com' })), INVALID, [
    'payload.cc',
  ]),
  submit(
    'a bad email',
    json(withPayload({ to: 'not-an-email' })),
    INVALID,
    /payload\.to must be an email address/,
  ),
  submit(
    'an unknown job_type',
    json({ ...validEmail, job_type: 'launch_rocket' }),
    INVALID,
    /"launch_rocket" is not a known job type \(known: .*send_email/,
  ),
  submit('priority 0', json({ ...validEmail, priority: 0 }), INVALID, ['priority']),
  submit('priority 11', json({ ...validEmail, priority: 11 }), INVALID, ['priority']),
  submit('priority 5.5', json({ ...validEmail, priority: 5.5 }), INVALID, ['priority']),
  submit('priority "urgent"', json({ ...validEmail, priority: 'urgent' }), INVALID, ['priority']),
  submit('a payload that is a string', json({ ...validEmail, payload: 'hello' }), INVALID, [
    'payload',
  ]),
  submit('max_attempts 0', json({ ...validEmail, max_attempts: 0 }), INVALID, ['max_attempts']),
  submit('a negative delay_ms', json({ ...validEmail, delay_ms: -1 }), INVALID, ['delay_ms']),
  submit(
    'delay_ms and run_at',
    json({ ...validEmail, delay_ms: 10, run_at: new Date(Date.now() + 60_000).toISOString() }),
    INVALID,
    /^invalid job: run_at cannot be given with delay_ms: give one of them$/,
  ),
  submit('a run_at that is no date', json({ ...validEmail, run_at: 'tomorrow' }), INVALID, [
    'run_at',
  ]),
  submit(
    'a run_at further off than delay_ms may be',
    json({ ...validEmail, run_at: '9999-12-31T23:59:59Z' }),
    INVALID,
    ['run_at'],
  ),
  submit(
    'an idempotency key with spaces',
    json({ ...validEmail, idempotency_key: 'a b' }),
    INVALID,
    ['idempotency_key'],
  ),
  submit('a body over 64 KiB', json(withPayload({ message: 'x'.repeat(65 * 1024) })), TOO_LARGE),
  route('a malformed job id', 'GET', '/jobs/status/abc', INVALID),
  ...['99999999999999999999999-0', '1-99999999999999999999999', '18446744073709551616'].map((id) =>
    route(`last_event_id ${id}`, 'GET', `/events?last_event_id=${id}`, INVALID, /last_event_id/),
  ),
  {
    ...route('a Last-Event-ID past any stream id', 'GET', '/events', INVALID, /Last-Event-ID/),
    init: { headers: { 'last-event-id': '99999999999999999999999-0' } },
  },
  route(
    'a forged list cursor past any stream id',
    'GET',
    '/jobs?cursor=WyJ4IiwiOTk5OTk5OTk5OTk5OTk5OTk5OTk5OTktMCJd',
    INVALID,
    /cursor/,
  ),
  route(
    'a forged list cursor with an infinite place',
    'GET',
    `/jobs?status=failed&cursor=${Buffer.from('["x",1e999]').toString('base64url')}`,
    INVALID,
    /cursor/,
  ),
  route('a limit in hex', 'GET', '/jobs?limit=0x10', INVALID, /limit must be a whole number/),
  route('a limit with a space', 'GET', '/jobs?limit=%205', INVALID, /limit must be a whole number/),
  route('a group page limit in exponent form', 'GET', '/groups?limit=1e2', INVALID, /limit/),
  route(
    'a list parameter given twice',
    'GET',
    '/jobs?limit=10&limit=20',
    INVALID,
    /^invalid query: limit is given more than once$/,
  ),
  route(
    'an events filter given twice',
    'GET',
    `/events?job_id=${UNKNOWN_ID}&job_id=${UNKNOWN_ID}`,
    INVALID,
    /job_id is given more than once/,
  ),
  route(
    'a misspelt events filter',
    'GET',
    `/events?jobId=${UNKNOWN_ID}`,
    INVALID,
    /^invalid query: jobId is not a known field$/,
  ),
  route('an unknown job id', 'GET', `/jobs/status/${UNKNOWN_ID}`, NOT_FOUND, /not found/),
  route('a status with no job id', 'GET', '/jobs/status/', NOT_FOUND, /no job id given/),
  route(
    'an unknown route',
    'GET',
    '/no/such/route',
    NOT_FOUND,
    /no route for GET \/no\/such\/route/,
  ),
  route(
    'GET on a POST route',
    'GET',
    '/submit-job',
    WRONG_METHOD,
    /GET is not allowed on \/submit-job; allowed: .*POST/,
  ),
  // Routes that take no body refuse one rather than act in full beside it.
  {
    ...route('a job_type sent to POST /queue/pause', 'POST', '/queue/pause', INVALID),
    init: json({ job_type: 'send_email' }),
    check: /^job_type is not a known field \(to pause or resume one job type: POST \/job-types/,
  },
  route(
    'a job_type in the query of POST /queue/pause',
    'POST',
    '/queue/pause?job_type=send_email',
    INVALID,
    /^job_type is not a known field \(to pause or resume one job type/,
  ),
  {
    ...route('invalid JSON to POST /queue/pause', 'POST', '/queue/pause', BAD_JSON),
    init: raw('garbage{'),
  },
  {
    ...route(
      'text to POST /job-types/:name/pause',
      'POST',
      '/job-types/send_email/pause',
      NOT_JSON,
    ),
    init: raw('pause', 'text/plain'),
  },
  {
    ...route('a field sent to POST /jobs/:id/retry', 'POST', `/jobs/${UNKNOWN_ID}/retry`, INVALID),
    init: json({ max_attempts: 5 }),
    check: ['max_attempts'],
  },
  route('PUT on a job', 'PUT', `/jobs/${UNKNOWN_ID}`, WRONG_METHOD),
  route('PATCH on the list', 'PATCH', '/jobs', WRONG_METHOD),
  route('a method the router does not know', 'PROPFIND', '/jobs', WRONG_METHOD),
];

function expectErrorBody(reply: Reply, expected: BadRequest): void {
  const seen = { name: expected.name, status: reply.status, code: reply.body?.error?.code };
  expect(seen).toEqual({ name: expected.name, status: expected.status, code: expected.code });
  const { error } = reply.body;
  expect(Object.keys(reply.body)).toEqual(['error']);
  expect(typeof error.message).toBe('string');
  expect(error.message.length).toBeGreaterThan(5);
  expect(error.message).not.toMatch(/\n\s+at /); // never a stack trace
  if (expected.check instanceof RegExp) expect(error.message).toMatch(expected.check);
  if (Array.isArray(expected.check)) {
    const paths = error.details.map((detail: { path: string }) => detail.path);
    expect({ name: expected.name, paths }).toEqual({ name: expected.name, paths: expected.check });
    for (const detail of error.details) expect(detail.message.length).toBeGreaterThan(0);
  }
}

test.each(badRequests.map((request) => [request.name, request] as const))(
  '%s gets a clear 4xx',
  async (_name, request) => {
    const reply = await api.call(request.method, request.path, request.init);
    expectErrorBody(reply, request);
  },
);

test('after every bad request nothing was submitted and the API still serves', async () => {
  // Sent here again, so this holds however the tests above were picked or ordered.
  for (const request of badRequests) {
    expect((await api.call(request.method, request.path, request.init)).status).toBe(
      request.status,
    );
  }
  expect((await api.queue.stats()).totals.submitted).toBe(0);
  expect((await api.queue.stats()).paused).toEqual({ queue: false, job_types: [] });
  expect((await api.get('/health')).status).toBe(200);
  expect(Object.prototype).not.toHaveProperty('status');
  expect(Object.prototype).not.toHaveProperty('admin');
});

test('a body just under 64 KiB and a JSON content type with charset are accepted', async () => {
  const body = JSON.stringify(withPayload({ message: 'x'.repeat(60 * 1024) }));
  const reply = await api.call('POST', '/submit-job', {
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body,
  });
  expect(reply.status).toBe(202);
});

test('a wrong method answer lists the allowed methods in Allow', async () => {
  const reply = await api.call('DELETE', '/submit-job');
  expect(reply.status).toBe(405);
  expect(reply.headers.get('allow')).toBe('POST');
});

test('a body nested deeper than 64 levels is refused with 400, not a stack overflow', async () => {
  // Written out by hand: JSON.stringify itself cannot go that deep.
  const payload = `${'['.repeat(5000)}"x"${']'.repeat(5000)}`;
  const reply = await api.call('POST', '/submit-job', {
    headers: { 'content-type': 'application/json' },
    body: `{"job_type": "send_email", "payload": ${payload}}`,
  });
  expect(reply.status).toBe(400);
  expect(reply.body.error).toEqual({
    code: 'invalid_body',
    message: 'request body is nested more than 64 levels deep',
  });
});

// Cron schedules through the API: created with their next run, refused with the problem named,
// listed, deleted; every tick submits one job, carrying the schedule and the tick in its
// idempotency key.
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../../../test/support/api-client';
import { startApi, type ApiFixture, type Json } from './api-fixture';

let api: ApiFixture;
beforeEach(async () => {
  api = await startApi();
});
afterEach(() => api.close());

const EMAIL = { to: 'ops@example.com', subject: 'Tick', message: 'Hello from cron' };

async function scheduledJobs(name: string): Promise<Json[]> {
  const page = await api.get('/jobs?limit=500');
  return page.body.jobs.filter((job: Json) =>
    String(job.idempotency_key).startsWith(`schedule:${name}:`),
  );
}

test('a schedule every second submits one job per tick until it is deleted', async () => {
  const created = await api.post('/schedules', {
    name: 'every-second',
    cron: '* * * * * *',
    job_type: 'send_email',
    payload: EMAIL,
    priority: 'low',
  });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ name: 'every-second', timezone: 'UTC', priority: 'low' });
  expect(Date.parse(created.body.next_run_at)).toBeGreaterThan(Date.now() - 1000);

  const listed = await api.get('/schedules');
  expect(listed.body.schedules.map((s: Json) => s.name)).toEqual(['every-second']);

  await sleep(2600);
  expect((await api.call('DELETE', '/schedules/every-second')).status).toBe(204);
  const jobs = await scheduledJobs('every-second');
  expect(jobs.length).toBeGreaterThanOrEqual(2);
  const ticks = jobs.map((job) => Number(String(job.idempotency_key).split(':')[2]));
  expect(new Set(ticks).size).toBe(ticks.length); // one job per tick
  expect(ticks.every((tick) => tick % 1000 === 0)).toBe(true); // on the second
  expect(jobs[0]).toMatchObject({ job_type: 'send_email', priority: 'low', payload: EMAIL });

  await sleep(1500);
  expect(await scheduledJobs('every-second')).toHaveLength(jobs.length);
  expect((await api.call('DELETE', '/schedules/every-second')).status).toBe(404);
});

test('a bad cron, time zone, job type or payload is refused when created, naming it', async () => {
  const bad = await api.post('/schedules', {
    name: 'nightly',
    cron: '61 * * * *',
    timezone: 'Mars/Olympus',
    job_type: 'send_email',
    payload: { to: 'not-an-email', subject: 'x', message: 'y' },
  });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details.map((d: Json) => d.path).sort()).toEqual([
    'payload.to',
    'timezone',
  ]);
  const badCron = await api.post('/schedules', {
    name: 'nightly',
    cron: '61 * * * *',
    job_type: 'nope',
    payload: {},
  });
  expect(badCron.body.error.details.map((d: Json) => d.path).sort()).toEqual(['cron', 'job_type']);
  expect((await api.get('/schedules')).body.schedules).toEqual([]);
});

test('a schedule in a time zone runs at its local time', async () => {
  const reply = await api.post('/schedules', {
    name: 'paris-nine',
    cron: '0 9 * * *',
    timezone: 'Europe/Paris',
    job_type: 'send_email',
    payload: EMAIL,
  });
  const next = new Date(reply.body.next_run_at);
  const parisHour = new Intl.DateTimeFormat('en', {
    timeZone: 'Europe/Paris',
    hour: 'numeric',
    hourCycle: 'h23',
  }).format(next);
  expect(Number(parisHour)).toBe(9);
});

test('a cron expression the parser would misread is refused, naming cron', async () => {
  const misread = {
    '0': 'has 1 field(s)', // read as every minute of Sundays
    '* * *': 'has 3 field(s)',
    '* * * * * * *': 'has 7 field(s)',
    '*/70 * * * *': 'minute field: a step of 70 must be below 60', // read as hourly
    '0 */70 * * *': 'hour field: a step of 70 must be below 24',
    '0-59/61 * * * *': 'minute field: a step of 61 must be below 60',
    'H * * * *': 'minute field: H (a hashed value) is not supported', // a new minute each parse
    '0 0 * * JAN': 'day-of-week field: "JAN" is not one of its values', // read as Mondays
    '0 0 1 MON *': 'month field: "MON" is not one of its values', // read as January
    '@midnight': 'is not a nickname cron-parser knows',
  };
  const create = (name: string, cron: string) =>
    api.post('/schedules', { name, cron, job_type: 'send_email', payload: EMAIL });
  for (const [cron, problem] of Object.entries(misread)) {
    const reply = await create('misread', cron);
    expect({ cron, status: reply.status }).toEqual({ cron, status: 400 });
    expect(reply.body.error.details).toEqual([
      { path: 'cron', message: expect.stringContaining(problem) },
    ]);
  }
  for (const cron of ['@daily', '*/10 * * * * *', '*/30 9-17 * * 1-5', '0 0 1 */3 *']) {
    const reply = await create('fine', cron);
    expect({ cron, status: reply.status }).toEqual({ cron, status: 201 });
  }
  for (const cron of ['0 9 * JAN-MAR MON-FRI', '0 0 L * *', '0 0 * * 5L']) {
    const reply = await create('named', cron);
    expect({ cron, status: reply.status }).toEqual({ cron, status: 201 });
  }
  // Kept as one reads it: trimmed, a nickname in lower case.
  expect((await create('spaced', '  @DAILY  ')).body).toMatchObject({ cron: '@daily' });
  expect((await create('spaced', ' 0  9 * * * ')).body).toMatchObject({ cron: '0 9 * * *' });
});

test("a client may not use a schedule tick's idempotency key, so it cannot take or hold back a tick", async () => {
  const reply = await api.post('/submit-job', {
    job_type: 'send_email',
    payload: EMAIL,
    idempotency_key: `schedule:nightly:${Date.now() + 5000}`,
  });
  expect(reply.status).toBe(400);
  expect(reply.body.error.details).toEqual([
    {
      path: 'idempotency_key',
      message: 'must not start with "schedule:": those keys are the schedules\' own',
    },
  ]);
});

test('GET /schedules says how the last tick went: its job, or why it submitted none', async () => {
  const put = (schema: Json) =>
    api.call('PUT', '/job-types/tick_type', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ payload_schema: schema }),
    });
  const loose = { type: 'object', properties: { n: { type: 'number' } } };
  expect((await put(loose)).status).toBe(200);
  const created = await api.post('/schedules', {
    name: 'ticker',
    cron: '* * * * * *',
    job_type: 'tick_type',
    payload: { n: 1 },
  });
  expect(created.body.last_run).toBeNull();
  const lastRun = async () =>
    (await api.get('/schedules')).body.schedules.find((s: Json) => s.name === 'ticker').last_run;

  await eventually(async () => Boolean((await lastRun())?.job_id), 'a first tick');
  const [job] = await scheduledJobs('ticker');
  expect(await lastRun()).toMatchObject({ job_id: expect.any(String), error: null });
  expect(job).toBeDefined();

  // The type now wants n as a string: the schedule's payload no longer fits.
  expect((await put({ ...loose, properties: { n: { type: 'string' } } })).status).toBe(200);
  await eventually(async () => Boolean((await lastRun())?.error), 'a tick that submitted nothing');
  expect(await lastRun()).toMatchObject({
    at: expect.any(String),
    job_id: null,
    error: expect.stringMatching(/payload\.n must be a string/),
  });
});

// Groups through the API: a submission names its group (checked, kept in the record), a group's
// weight and max_concurrency are set with PUT /groups/:name, and GET /groups says what each
// group has queued, running and completed.
import { startApi, validEmail, type ApiFixture, type Json } from './api-fixture';

let api: ApiFixture;
beforeEach(async () => {
  api = await startApi();
});
afterEach(() => api.close());

const put = (path: string, body: unknown) =>
  api.call('PUT', path, {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

test('a job names its group, single or in bulk; a bad group name is refused, named', async () => {
  const one = await api.post('/submit-job', { ...validEmail, group: 'customer-42' });
  expect(one.status).toBe(202);
  expect((await api.get(`/jobs/status/${one.body.job_id}`)).body).toMatchObject({
    group: 'customer-42',
  });
  const plain = await api.post('/submit-job', validEmail);
  expect((await api.get(`/jobs/status/${plain.body.job_id}`)).body).toMatchObject({ group: null });

  const bulk = await api.post('/jobs/bulk', {
    jobs: [
      { ...validEmail, group: 'a' },
      { ...validEmail, group: 'b' },
    ],
  });
  expect(bulk.status).toBe(202);

  for (const group of ['', 'x'.repeat(129), 'has space', 42, '.', '..']) {
    const refused = await api.post('/submit-job', { ...validEmail, group });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].path).toBe('group');
  }
});

test('PUT /groups/:name sets weight and max_concurrency; bad settings are refused, named', async () => {
  const set = await put('/groups/customer-42', { weight: 2, max_concurrency: 3 });
  expect(set.status).toBe(200);
  expect(set.body).toEqual({ group: 'customer-42', weight: 2, max_concurrency: 3 });
  const cleared = await put('/groups/customer-42', { max_concurrency: null });
  expect(cleared.body).toEqual({ group: 'customer-42', weight: 2, max_concurrency: null });

  const bad = await put('/groups/customer-42', { weight: 0 });
  expect(bad.status).toBe(400);
  expect(bad.body.error.details[0].path).toBe('weight');
  const unknown = await put('/groups/customer-42', { colour: 'red' });
  expect(unknown.status).toBe(400);
});

test('PUT /groups/:name changes the fields it names and keeps the others; null is the default', async () => {
  await put('/groups/acme', { weight: 3 });
  // Before, each PUT replaced the settings whole: setting one field reset the other.
  expect((await put('/groups/acme', { max_concurrency: 5 })).body).toEqual({
    group: 'acme',
    weight: 3,
    max_concurrency: 5,
  });
  expect((await put('/groups/acme', { weight: 4 })).body).toEqual({
    group: 'acme',
    weight: 4,
    max_concurrency: 5,
  });
  expect((await put('/groups/acme', {})).body).toEqual({
    group: 'acme',
    weight: 4,
    max_concurrency: 5,
  });
  expect((await put('/groups/acme', { weight: null, max_concurrency: null })).body).toEqual({
    group: 'acme',
    weight: 1,
    max_concurrency: null,
  });
});

test('GET /groups: queued, running, completed and the oldest wait of each group, paged', async () => {
  await put('/groups/busy', { max_concurrency: 1 });
  for (let i = 0; i < 3; i++) await api.post('/submit-job', { ...validEmail, group: 'busy' });
  await api.post('/submit-job', { ...validEmail, group: 'idle' });
  const first = await api.get('/groups?limit=1');
  expect(first.body.groups).toHaveLength(1);
  expect(first.body.next_cursor).not.toBeNull();
  const second = await api.get(`/groups?limit=1&cursor=${first.body.next_cursor}`);
  expect(second.body.groups).toHaveLength(1);
  expect(second.body.next_cursor).toBeNull();
  // An empty cursor is the first page, as on GET /jobs.
  const again = await api.get('/groups?limit=1&cursor=');
  expect(again.body.groups.map((g: Json) => g.group)).toEqual(
    first.body.groups.map((g: Json) => g.group),
  );
  expect(again.body.next_cursor).toBe(first.body.next_cursor);
  const busy = [...first.body.groups, ...second.body.groups].find((g: Json) => g.group === 'busy');
  expect(busy).toMatchObject({ queued: 3, running: 0, completed: 0, max_concurrency: 1 });
  expect(busy.oldest_wait_ms).toBeGreaterThanOrEqual(0);

  // A worker runs them: one at a time (the group's limit), all completed.
  const worker = await api.startEmailWorker({ delayMs: 0, failureRate: 0 }, { concurrency: 4 });
  try {
    let listed: Json | undefined;
    for (let i = 0; i < 100; i++) {
      listed = (await api.get('/groups')).body.groups.find((g: Json) => g.group === 'busy');
      if (listed?.completed === 3) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(listed).toMatchObject({ queued: 0, running: 0, completed: 3, oldest_wait_ms: null });
  } finally {
    await worker.stop();
  }
  expect((await api.get('/groups?limit=0')).status).toBe(400);
});

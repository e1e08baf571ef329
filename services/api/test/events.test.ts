// GET /events: the queue's transitions as Server-Sent Events, live, filtered by job, and resumed
// after a reconnect from Last-Event-ID without gaps or duplicates.

import { decodeEvents } from '@jobqueue/shared';
import { startApi, type ApiFixture } from './api-fixture';
import { openEvents, type SseMessage, type SseStream } from './sse-client';

let api: ApiFixture;
const streams: SseStream[] = [];
beforeAll(async () => {
  api = await startApi();
});
afterEach(() => {
  for (const stream of streams.splice(0)) stream.close();
});
afterAll(() => api.close());

async function open(query = '', headers: Record<string, string> = {}): Promise<SseStream> {
  const stream = await openEvents(`${api.url}/events${query}`, headers);
  streams.push(stream);
  return stream;
}

const ofJob = (id: string) => (message: SseMessage) => message.data.job_id === id;

/** Every event id the stream holds, oldest first. */
async function storedEventIds(): Promise<string[]> {
  const entries = await api.redis.xrange(api.queue.keys.events, '-', '+');
  return entries.flatMap(decodeEvents).map((event) => event.id);
}

test('events arrive live, each with its stream id, type and log line', async () => {
  const stream = await open();
  expect(stream.response.statusCode).toBe(200);
  expect(stream.response.headers['content-type']).toMatch(/^text\/event-stream/);

  const worker = await api.startEmailWorker({ delayMs: 0, failureRate: 0 });
  try {
    const id = await api.submitEmail();
    const [submitted] = await stream.waitFor(
      (m) => m.data.job_id === id && m.event === 'submitted',
    );
    expect(submitted!.data).toMatchObject({
      type: 'submitted',
      job_id: id,
      message: `Job ${id} submitted (queued)`,
    });
    expect(submitted!.id).toBe(submitted!.data.id);
    await stream.waitFor(
      (m) => m.data.job_id === id && m.data.message === `Job ${id} completed successfully`,
    );
    const types = stream.messages.filter(ofJob(id)).map((m) => m.event);
    expect(types[0]).toBe('submitted');
    expect(types.at(-1)).toBe('completed');
  } finally {
    await worker.stop();
  }
});

test("?job_id= keeps one job's events", async () => {
  const other = await api.submitEmail({ delay_ms: 60_000 });
  const wanted = await api.submitEmail({ delay_ms: 60_000 });
  const stream = await open(`?job_id=${wanted}`);
  await api.call('DELETE', `/jobs/${other}`);
  await api.call('DELETE', `/jobs/${wanted}`);
  await stream.waitFor((m) => m.event === 'cancelled');
  expect(stream.messages.length).toBeGreaterThan(0);
  expect(stream.messages.every(ofJob(wanted))).toBe(true);
});

test('Last-Event-ID resumes after the last event seen, without gaps or duplicates', async () => {
  const first = await open();
  const seen = await Promise.all([api.submitEmail({ delay_ms: 60_000 })]).then(async ([id]) =>
    first.waitFor(ofJob(id!)),
  );
  const lastSeen = seen[0]!.id;
  const receivedBefore = first.messages.map((m) => m.id);
  first.close();

  // Missed while disconnected.
  const missed = [];
  for (let i = 0; i < 5; i++) missed.push(await api.submitEmail({ delay_ms: 60_000 }));
  const second = await open('', { 'Last-Event-ID': lastSeen });
  const live = await api.submitEmail({ delay_ms: 60_000 });
  await second.waitFor(ofJob(live));

  const stored = await storedEventIds();
  const afterLastSeen = stored.slice(stored.indexOf(lastSeen) + 1);
  expect(second.messages.map((m) => m.id)).toEqual(afterLastSeen);
  expect(second.messages.map((m) => m.data.job_id)).toEqual([...missed, live]);
  expect(receivedBefore).toContain(lastSeen);
});

test('a resume that missed more than a thousand events still gets every one', async () => {
  const stream = await open();
  const marker = await api.submitEmail({ delay_ms: 60_000 });
  const [last] = await stream.waitFor(ofJob(marker));
  stream.close();
  const bulk = await api.post('/jobs/bulk', {
    jobs: Array.from({ length: 1000 }, () => ({
      job_type: 'send_email',
      delay_ms: 60_000,
      payload: { to: 'a@example.com', subject: 's', message: '' },
    })),
  });
  const bulk2 = await api.post('/jobs/bulk', {
    jobs: Array.from({ length: 500 }, () => ({
      job_type: 'send_email',
      delay_ms: 60_000,
      payload: { to: 'a@example.com', subject: 's', message: '' },
    })),
  });
  const resumed = await open('', { 'Last-Event-ID': last!.id });
  const finalId = bulk2.body.job_ids.at(-1);
  await resumed.waitFor(ofJob(finalId));
  expect(resumed.messages.map((m) => m.data.job_id)).toEqual([
    ...bulk.body.job_ids,
    ...bulk2.body.job_ids,
  ]);
});

test('Last-Event-ID inside a bulk submission resumes at the next job of that submission', async () => {
  const first = await open();
  const bulk = await api.post('/jobs/bulk', {
    jobs: Array.from({ length: 4 }, () => ({
      job_type: 'send_email',
      delay_ms: 60_000,
      payload: { to: 'a@example.com', subject: 's', message: '' },
    })),
  });
  const ids: string[] = bulk.body.job_ids;
  await first.waitFor(ofJob(ids[3]!));
  const second = first.messages.find(ofJob(ids[1]!))!;
  first.close();

  const resumed = await open('', { 'Last-Event-ID': second.id });
  await resumed.waitFor(ofJob(ids[3]!));
  expect(resumed.messages.map((m) => m.data.job_id)).toEqual(ids.slice(2));
});

test('a job submitted while a stream opens reaches it, once', async () => {
  for (let round = 0; round < 10; round++) {
    const submitting = api.submitEmail({ delay_ms: 60_000 });
    const stream = await open();
    const id = await submitting;
    const after = await api.submitEmail({ delay_ms: 60_000 });
    await stream.waitFor(ofJob(after));
    const ids = stream.messages.map((m) => m.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(stream.messages.some(ofJob(id))).toBe(true);
    stream.close();
  }
});

test('a malformed Last-Event-ID or job_id answers 400', async () => {
  const badResume = await api.get('/events', { 'Last-Event-ID': 'yesterday' });
  expect(badResume.status).toBe(400);
  expect(badResume.body.error.details).toEqual([
    { path: 'Last-Event-ID', message: 'is not an event id' },
  ]);
  const badJob = await api.get('/events?job_id=42');
  expect(badJob.status).toBe(400);
  expect(badJob.body.error.details).toEqual([{ path: 'job_id', message: 'must be a UUID' }]);
});

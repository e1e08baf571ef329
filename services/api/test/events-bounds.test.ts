// GET /events holds a bounded amount for each client, whatever the client does: a client that
// stops reading is dropped (and resumes with Last-Event-ID), a resume replays at most
// maxReplay events a connection, and streams are capped per client (429) and in all (503).

import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { startApi, validEmail, type ApiFixture } from './api-fixture';
import { openEvents, type SseStream } from './sse-client';

const opened: { close(): void }[] = [];
afterEach(() => {
  for (const stream of opened.splice(0)) stream.close();
});

async function open(api: ApiFixture, headers: Record<string, string> = {}): Promise<SseStream> {
  const stream = await openEvents(`${api.url}/events`, headers);
  opened.push(stream);
  return stream;
}

/** A client that asks for the stream and then never reads a byte of it. */
async function openStalled(api: ApiFixture): Promise<Socket> {
  const { hostname, port } = new URL(api.url);
  const socket = connect(Number(port), hostname);
  await once(socket, 'connect');
  socket.pause();
  socket.on('error', () => {});
  socket.write(`GET /events HTTP/1.1\r\nHost: ${hostname}\r\nAccept: text/event-stream\r\n\r\n`);
  opened.push({ close: () => socket.destroy() });
  return socket;
}

async function submitBulk(api: ApiFixture, count: number): Promise<void> {
  const reply = await api.post('/jobs/bulk', { jobs: Array(count).fill(validEmail) });
  expect(reply.status).toBe(202);
}

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

describe('a client that stops reading', () => {
  let api: ApiFixture;
  beforeAll(async () => {
    api = await startApi({
      app: { eventStreams: { maxBufferedBytes: 64 * 1024, stallMs: 1000 } },
    });
  });
  afterAll(() => api.close());

  // Its length is how long the kernel's socket buffers take to fill (up to 200 bulks of 1,000
  // jobs), which on a busy machine can pass jest's default 30 s.
  test('is dropped once it leaves unread bytes past the bound, while a reading client stays', async () => {
    const reader = await open(api);
    await openStalled(api);
    await until(() => api.app.openEventStreams() === 2, 'both streams are open');

    // The kernel's socket buffers take a few MB before the API holds anything for the client.
    let submitted = 0;
    while (api.app.openEventStreams() > 1) {
      if (submitted >= 200_000) throw new Error('the stalled client was never dropped');
      await submitBulk(api, 1000);
      submitted += 1000;
    }
    expect(api.app.openEventStreams()).toBe(1);
    // The reader got every submission, in order, and is still live.
    await reader.waitFor((m) => m.event === 'submitted', submitted, 30_000);
    const last = await api.submitEmail();
    await reader.waitFor((m) => m.data.job_id === last);
    expect(reader.response.readableEnded).toBe(false);
  }, 120_000);
});

describe('a resume', () => {
  let api: ApiFixture;
  beforeAll(async () => {
    api = await startApi({ app: { eventStreams: { maxReplay: 100 } } });
  });
  afterAll(() => api.close());

  test('replays at most maxReplay events a connection; resuming again goes on without a gap', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) ids.push(await api.submitEmail());

    const seen: string[] = [];
    let lastId = '0';
    let connections = 0;
    while (seen.length < ids.length) {
      connections += 1;
      if (connections > 10) throw new Error(`after 10 connections only ${seen.length} events`);
      const stream = await open(api, { 'Last-Event-ID': lastId });
      // A connection that had more to replay than its bound ends by itself.
      const more = ids.length - seen.length > 150;
      const submitted = () => stream.messages.filter((m) => m.event === 'submitted').length;
      // Either it ends by itself or it has sent more than its bound, which the check below names.
      if (more)
        await Promise.race([once(stream.response, 'end'), stream.waitFor(() => submitted() > 150)]);
      else await stream.waitFor((m) => m.data.job_id === ids.at(-1));
      const got = stream.messages.filter((m) => m.event === 'submitted');
      if (more) expect(got.length).toBeLessThanOrEqual(150);
      expect(got.length).toBeGreaterThan(0);
      seen.push(...got.map((m) => m.data.job_id));
      lastId = stream.messages.at(-1)!.id;
      stream.close();
    }
    expect(connections).toBeGreaterThanOrEqual(3);
    expect(seen).toEqual(ids);
  });
});

describe('stream caps', () => {
  test('a client over its share gets 429, a full API 503, each with a clear message', async () => {
    const api = await startApi({
      app: { eventStreams: { maxStreamsPerClient: 2, maxStreams: 3 } },
    });
    try {
      await open(api);
      await open(api);
      // Its status first: a stream let in would never end, so its body could not be read.
      const over = await open(api);
      expect(over.response.statusCode).toBe(429);
      opened.pop()!.close();
      const third = await api.get('/events');
      expect(third.status).toBe(429);
      expect(third.body.error).toMatchObject({ code: 'too_many_streams' });
      expect(third.body.error.message).toMatch(/at most 2/);

      // A stream that closes frees its place.
      opened.pop()!.close();
      await until(() => api.app.openEventStreams() === 1, 'the closed stream is let go');
      await open(api);
      expect(api.app.openEventStreams()).toBe(2);
    } finally {
      for (const stream of opened.splice(0)) stream.close();
      await api.close();
    }

    const small = await startApi({
      app: { eventStreams: { maxStreamsPerClient: 10, maxStreams: 2 } },
    });
    try {
      await open(small);
      await open(small);
      const over = await open(small);
      expect(over.response.statusCode).toBe(503);
      opened.pop()!.close();
      const third = await small.get('/events');
      expect(third.status).toBe(503);
      expect(third.body.error).toMatchObject({ code: 'streams_full' });
      expect(third.headers.get('retry-after')).toBe('1');
    } finally {
      await small.close();
    }
  });
});

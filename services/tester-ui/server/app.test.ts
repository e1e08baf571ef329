// The UI server against a real upstream HTTP server standing in for the API: it checks the
// forwarding itself (prefix, headers, streaming, failure), not the API.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUiServer } from './app.js';

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

let upstream: Server;
let ui: Server;
let uiUrl: string;
let publicDir: string;
let releaseSecondEvent: () => void = () => {};
let breakStream: () => void = () => {};
let openStreamClosed: Promise<void> = Promise.resolve();

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url === '/events') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('id: 1-0\nevent: picked\ndata: {"message":"Picked job a"}\n\n');
      // The second event waits for the test: if the proxy buffered, the first would never arrive alone.
      releaseSecondEvent = () => res.end('id: 2-0\nevent: completed\ndata: {}\n\n');
      return;
    }
    if (req.url === '/events/open') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write(': connected\n\n');
      openStreamClosed = new Promise((resolve) => res.once('close', () => resolve()));
      return;
    }
    if (req.url === '/events/broken') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream' });
      res.write('id: 1-0\nevent: picked\ndata: {}\n\n');
      // As when the API process dies mid-stream: the connection drops without a proper end.
      breakStream = () => res.socket?.destroy();
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        method: req.method,
        url: req.url,
        authorization: req.headers.authorization ?? null,
      }),
    );
  });
  const upstreamPort = await listen(upstream);

  publicDir = mkdtempSync(join(tmpdir(), 'tester-ui-'));
  writeFileSync(join(publicDir, 'index.html'), '<!doctype html><title>Job Queue Tester</title>');
  ui = createUiServer({ port: 0, apiUrl: new URL(`http://127.0.0.1:${upstreamPort}`), publicDir });
  uiUrl = `http://127.0.0.1:${await listen(ui)}`;
});

afterAll(async () => {
  await close(ui);
  await close(upstream);
  rmSync(publicDir, { recursive: true, force: true });
});

describe('the UI server', () => {
  it('serves the built page', async () => {
    const response = await fetch(`${uiUrl}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('<title>Job Queue Tester</title>');
  });

  it('forwards /api/* to the API without the prefix, with query and Authorization', async () => {
    const response = await fetch(`${uiUrl}/api/jobs?status=failed&limit=10`, {
      method: 'POST',
      headers: { Authorization: 'Bearer s3cret' },
    });
    expect(await response.json()).toEqual({
      method: 'POST',
      url: '/jobs?status=failed&limit=10',
      authorization: 'Bearer s3cret',
    });
  });

  it('streams Server-Sent Events as they come instead of buffering them', async () => {
    const response = await fetch(`${uiUrl}/api/events`);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const first = await reader.read();
    expect(first.value).toContain('data: {"message":"Picked job a"}');
    releaseSecondEvent();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      rest += chunk.value;
    expect(rest).toContain('event: completed');
  });

  it("breaks the browser's stream when the API's breaks, so that the page reconnects", async () => {
    const response = await fetch(`${uiUrl}/api/events/broken`);
    const reader = response.body!.getReader();
    await reader.read();
    breakStream();
    // Ended or failed, either way the page notices; left open, it would show "Live" on a dead API.
    const ended = await reader.read().then(
      (chunk) => chunk.done,
      () => true,
    );
    expect(ended).toBe(true);
  });

  it("closes the API's stream when the browser goes away, so no subscription is left behind", async () => {
    const browserGone = new AbortController();
    const response = await fetch(`${uiUrl}/api/events/open`, { signal: browserGone.signal });
    await response.body!.getReader().read();
    const closed = openStreamClosed;
    browserGone.abort();
    await closed; // the test times out if the upstream stream stays open
  });

  it('answers 502 with an api_unreachable error when the API is down', async () => {
    const down = createUiServer({
      port: 0,
      apiUrl: new URL('http://127.0.0.1:1'),
      publicDir,
    });
    const port = await listen(down);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/stats`);
      expect(response.status).toBe(502);
      const body = (await response.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('api_unreachable');
      expect(body.error.message).toContain('http://127.0.0.1:1');
    } finally {
      await close(down);
    }
  });
});

// Component tests answer the page's fetch calls from a table of routes, so each test states
// exactly what the API said. The end-to-end test (e2e/) runs against the real API instead.
import { vi } from 'vitest';

export type Route = (request: {
  method: string;
  url: URL;
  body: unknown;
  headers: Headers;
}) => Response;

export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

/** Routes are keyed "METHOD /path" (without /api and without the query string). */
export function stubApi(routes: Record<string, Route>) {
  const calls: { method: string; path: string; query: string; body: unknown; headers: Headers }[] =
    [];
  const fetchStub = vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = new URL(String(input), 'http://tester.local');
    const method = (init.method ?? 'GET').toUpperCase();
    const path = url.pathname.replace(/^\/api/, '');
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const headers = new Headers(init.headers);
    calls.push({ method, path, query: url.search, body, headers });
    const route = routes[`${method} ${path}`];
    return route
      ? route({ method, url, body, headers })
      : json(404, { error: { code: 'not_found', message: 'no route' } });
  });
  vi.stubGlobal('fetch', fetchStub);
  return calls;
}

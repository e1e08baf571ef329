// CORS for the browser origins in CORS_ORIGINS only. Any other origin gets no CORS headers, so a
// browser keeps its pages from reading the API's answers.

import cors from '@koa/cors';
import type { Middleware } from 'koa';

export function allowOrigins(origins: readonly string[]): Middleware {
  const allowed = new Set(origins);
  return cors({
    // @koa/cors leaves the CORS headers out when this returns ''.
    origin: (ctx) => (allowed.has(ctx.get('Origin')) ? ctx.get('Origin') : ''),
    exposeHeaders: ['Location', 'Retry-After'],
    maxAge: 600,
  });
}

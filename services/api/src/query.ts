// A request's query parameters, each given once: Koa reads a repeated one as a list, which the
// checks after would call "not a number" or "not a string", leaving the client to guess why.

import { ValidationError } from '@jobqueue/shared';
import type { Context } from 'koa';

export function singleQuery(ctx: Context): Record<string, string> {
  const repeated = Object.entries(ctx.query).filter(([, value]) => Array.isArray(value));
  if (repeated.length > 0) {
    const details = repeated.map(([path]) => ({ path, message: 'is given more than once' }));
    throw new ValidationError(
      `invalid query: ${details[0]!.path} is given more than once`,
      details,
    );
  }
  return ctx.query as Record<string, string>;
}

// Lets a few requests of one kind run at once and the rest wait their turn, so an expensive kind
// (listings) cannot take the process and Redis from the cheap ones that matter most
// (submissions) however many clients send it. Past `maxWaiting`, a request gets 429 at once.

import type { Middleware } from 'koa';
import { QueueError } from '@jobqueue/shared';

export function concurrencyGate(what: string, maxRunning: number, maxWaiting: number): Middleware {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (ctx, next) => {
    if (running >= maxRunning) {
      if (waiting.length >= maxWaiting) {
        ctx.set('Retry-After', '1');
        throw new QueueError(
          'busy',
          429,
          `too many ${what} at once (${maxRunning} running, ${maxWaiting} waiting); retry shortly`,
        );
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running += 1;
    }
    try {
      await next();
    } finally {
      // Hand the slot straight to the next in line, or give it back.
      const nextInLine = waiting.shift();
      if (nextInLine) nextInLine();
      else running -= 1;
    }
  };
}

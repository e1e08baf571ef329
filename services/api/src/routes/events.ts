// GET /events: the events stream as Server-Sent Events. A client that reconnects with
// Last-Event-ID gets what it missed first, then live events; `?job_id=` keeps one job's events.
//
// What one stream may hold is bounded whatever its client does. Once `maxBufferedBytes` wait
// unread for a client, it gets no more live events: it reads on from Redis a page at a time, as
// fast as it reads, and goes live again when it has caught up. A client that reads nothing for
// stallMs is dropped; it reconnects with Last-Event-ID and loses nothing the stream still holds.
// A resume replays at most `maxReplay` events a connection; the client resumes for the rest.

import type { ServerResponse } from 'node:http';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import {
  compareEventIds,
  isEventId,
  parseJobId,
  parseOrThrow,
  ValidationError,
  type JobQueue,
  type QueueEvent,
} from '@jobqueue/shared';
import type { EventHub } from '../event-hub';
import { StreamAdmission, type StreamCaps } from '../stream-admission';
import { singleQuery } from '../query';

export interface EventStreamLimits extends StreamCaps {
  /** Bytes a client may leave unread before it reads on from Redis instead of live. */
  maxBufferedBytes: number;
  /** Events one connection replays before it ends and the client resumes for the rest. */
  maxReplay: number;
  /** How long a client behind may read nothing before it is dropped. */
  stallMs: number;
}

/** Events a new stream starts with when it does not resume. */
const BACKLOG = 100;
/** Stream entries per catch-up read: each holds one event or the events of one script call. */
const REPLAY_ENTRIES = 8;
/** Events per catch-up read at most: an entry of a bulk holds a thousand. */
const REPLAY_EVENTS = 200;
/** Live events kept for a stream while it catches up; past that it reads them from Redis. */
const PENDING_MAX = 1000;
const KEEPALIVE_MS = 15_000;

/**
 * What the query may hold: a misspelt filter (`?jobId=`) would otherwise stream every job's
 * events to a client that believes it filters.
 */
const eventsQuerySchema = z.strictObject({
  job_id: z.string().optional(),
  last_event_id: z.string().optional(),
});

const formatted = new WeakMap<QueueEvent, string>();
/** Every stream sends an event as the same text: it is made once, not once per stream. */
function formatEvent(event: QueueEvent): string {
  let text = formatted.get(event);
  if (text === undefined) {
    text = `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    formatted.set(event, text);
  }
  return text;
}

/** Where a reconnecting client resumes, from Last-Event-ID or ?last_event_id=; null: it does not. */
function resumePoint(ctx: Context, query: { last_event_id?: string }): string | null {
  const header = ctx.get('Last-Event-ID');
  const [field, value] = header
    ? ['Last-Event-ID', header]
    : ['last_event_id', query.last_event_id ?? ''];
  if (!value) return null;
  if (!isEventId(value)) {
    throw new ValidationError(`${field} must be an event id this API sent`, [
      { path: field, message: 'is not an event id' },
    ]);
  }
  return value;
}

export function eventRoutes(
  router: Router,
  queue: JobQueue,
  hub: EventHub,
  limits: EventStreamLimits,
): StreamAdmission {
  const admission = new StreamAdmission(limits);

  router.get('/events', async (ctx) => {
    const query = parseOrThrow(eventsQuerySchema, singleQuery(ctx), 'invalid query');
    const jobId = query.job_id === undefined ? null : parseJobId(query.job_id);
    const resumeFrom = resumePoint(ctx, query);
    const release = admission.admit(ctx.ip);

    // Listen before reading from Redis, so nothing falls between the two. Until the stream has
    // caught up, live events wait in `pending` (bounded: past it they are read from Redis).
    let live = false;
    let pending: QueueEvent[] = [];
    let pendingOverflowed = false;
    let deliver: (event: QueueEvent) => void = () => {};
    let unsubscribe: (() => void) | undefined;
    let backlog: QueueEvent[] = [];
    try {
      unsubscribe = await hub.subscribe((event) => {
        if (live) deliver(event);
        else if (pending.length < PENDING_MAX) pending.push(event);
        else pendingOverflowed = true;
      });
      if (!resumeFrom) backlog = await queue.events(null, BACKLOG);
    } catch (error) {
      unsubscribe?.();
      release();
      throw error; // still before any reply: the client gets the error's status (503)
    }

    const res = ctx.res;
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.set({
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    ctx.type = 'text/event-stream';
    ctx.status = 200;
    // The stream writes to the socket itself, so it sees how much the client has left unread.
    ctx.respond = false;
    res.flushHeaders();

    let closed = false;
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEPALIVE_MS);
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(keepAlive);
      unsubscribe?.();
      release();
    };
    res.on('close', close);
    res.on('error', close);

    let lastSent = resumeFrom ?? '0';
    const send = (event: QueueEvent) => {
      if (compareEventIds(event.id, lastSent) <= 0) return;
      lastSent = event.id;
      if (!jobId || event.job_id === jobId) res.write(formatEvent(event));
    };

    // Reads from Redis a page at a time, as fast as the client reads, until the reads meet the
    // live events: a page that reached the stream's end while `pending` kept every event since.
    const catchUp = async (maxEvents: number): Promise<void> => {
      let replayed = 0;
      for (;;) {
        if (!(await roomToWrite(res, limits))) {
          res.destroy(); // it has read nothing for stallMs: let it go, it resumes when it can
          return;
        }
        pending = [];
        pendingOverflowed = false;
        // The next read starts inside the entry this one stopped in, if it did.
        const page = await queue.eventPage(lastSent, REPLAY_ENTRIES, REPLAY_EVENTS);
        if (closed) return;
        for (const event of page.events) send(event);
        replayed += page.events.length;
        if (page.reachedEnd && !pendingOverflowed) break;
        if (replayed >= maxEvents) {
          res.end(); // the client resumes from the last id it got
          return;
        }
      }
      live = true;
      const caughtUp = pending;
      pending = [];
      for (const event of caughtUp) {
        if (!live) break; // fell behind again: the new catch-up reads the rest from Redis
        deliver(event);
      }
    };
    // Redis went away mid catch-up: the client reconnects and resumes when it is back.
    const startCatchUp = (maxEvents: number) => void catchUp(maxEvents).catch(() => res.destroy());

    deliver = (event) => {
      send(event);
      // A client this far behind reads on from Redis at its own pace, not from our memory.
      if (res.writableLength > limits.maxBufferedBytes) {
        live = false;
        startCatchUp(Infinity);
      }
    };

    res.write('retry: 2000\n\n');
    for (const event of backlog) send(event);
    backlog = [];
    startCatchUp(limits.maxReplay);
  });

  return admission;
}

/** Waits until the client has read enough of what it was sent; false if it stalls. */
async function roomToWrite(res: ServerResponse, limits: EventStreamLimits): Promise<boolean> {
  const deadline = Date.now() + limits.stallMs;
  while (res.writableLength > limits.maxBufferedBytes / 2) {
    const left = deadline - Date.now();
    if (left <= 0 || res.destroyed) return false;
    const ac = new AbortController();
    await Promise.race([
      once(res, 'drain', { signal: ac.signal }),
      once(res, 'close', { signal: ac.signal }),
      sleep(left, undefined, { signal: ac.signal }),
    ]).catch(() => undefined);
    ac.abort();
  }
  return !res.destroyed;
}

// GET /events: the events stream as Server-Sent Events. A client that reconnects with
// Last-Event-ID gets what it missed first, then live events; `?job_id=` keeps one job's events.

import { PassThrough } from 'node:stream';
import type Router from '@koa/router';
import {
  compareEventIds,
  isEventId,
  parseJobId,
  ValidationError,
  type JobQueue,
  type QueueEvent,
} from '@jobqueue/shared';
import type { EventHub } from '../event-hub';

/** Events a new stream starts with when it does not resume. */
const BACKLOG = 100;
const RESUME_PAGE = 1000;
const KEEPALIVE_MS = 15_000;

/** Every event the stream still holds after `id`, read a page at a time. */
async function eventsAfter(queue: JobQueue, id: string): Promise<QueueEvent[]> {
  const events: QueueEvent[] = [];
  for (let after = id; ;) {
    const page = await queue.events(after, RESUME_PAGE);
    events.push(...page);
    if (page.length < RESUME_PAGE) return events;
    after = page[page.length - 1]!.id;
  }
}

function formatEvent(event: QueueEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export function eventRoutes(router: Router, queue: JobQueue, hub: EventHub): void {
  router.get('/events', async (ctx) => {
    const jobId = ctx.query.job_id === undefined ? null : parseJobId(ctx.query.job_id);
    const resumeFrom =
      ctx.get('Last-Event-ID') ||
      (typeof ctx.query.last_event_id === 'string' ? ctx.query.last_event_id : '');
    if (resumeFrom && !isEventId(resumeFrom)) {
      throw new ValidationError('Last-Event-ID must be an event id this API sent', [
        { path: 'Last-Event-ID', message: 'is not an event id' },
      ]);
    }
    const wanted = (event: QueueEvent) => !jobId || event.job_id === jobId;

    // Listen before reading the backlog, so nothing falls between the two; duplicates are dropped by id.
    const early: QueueEvent[] = [];
    let send: (event: QueueEvent) => void = (event) => early.push(event);
    const unsubscribe = await hub.subscribe((event) => send(event));
    let backlog: QueueEvent[];
    try {
      backlog = resumeFrom
        ? await eventsAfter(queue, resumeFrom)
        : await queue.events(null, BACKLOG);
    } catch (error) {
      unsubscribe();
      throw error;
    }

    const stream = new PassThrough();
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.set({
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    ctx.type = 'text/event-stream';
    ctx.status = 200;
    ctx.body = stream;

    let lastSent = resumeFrom || '0';
    send = (event) => {
      if (compareEventIds(event.id, lastSent) <= 0) return;
      lastSent = event.id;
      if (wanted(event)) stream.write(formatEvent(event));
    };
    stream.write('retry: 2000\n\n');
    for (const event of [...backlog, ...early]) send(event);

    const keepAlive = setInterval(() => stream.write(': keep-alive\n\n'), KEEPALIVE_MS);
    const close = () => {
      clearInterval(keepAlive);
      unsubscribe();
      stream.end();
    };
    ctx.req.on('close', close);
    stream.on('error', close);
  });
}

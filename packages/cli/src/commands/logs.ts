// queuectl logs [--job ID] [--follow]: the queue's events stream (every transition, with the
// worker's log line as its message), newest last; --follow keeps printing new ones until Ctrl+C.

import type { Command } from 'commander';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  duplicateForBlocking,
  entryOfEvent,
  isRedisUnavailable,
  parseJobId,
  waitForEvents,
  type JobQueue,
  type QueueEvent,
} from '@jobqueue/shared';
import { openQueue } from '../context';
import type { Colors, Output } from '../output';
import { parseWholeNumber } from '../parse';
import { action, jsonOption } from './action';

const PAGE = 1000;
/** Longest single wait for new events; bounds how late a Ctrl+C is noticed. */
const FOLLOW_BLOCK_MS = 1000;
/** How often a follow tries again while Redis is away. */
const RETRY_MS = 1000;

interface LogsOptions {
  job?: string;
  follow?: boolean;
  limit: string;
}

export function logsCommand(program: Command): void {
  jsonOption(
    program
      .command('logs')
      .description("the queue's events (picked, completed, failed, retrying...), oldest first")
      .option('-j, --job <id>', 'only the events of this job')
      .option('-f, --follow', 'keep printing new events until Ctrl+C')
      .option('-n, --limit <n>', 'how many of the latest events to show first', '50'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ queuectl logs
  $ queuectl logs --job 0190f3c2-7f7e-7c1a-9d2b-0a1b2c3d4e5f --follow
  $ queuectl logs --follow --json     # one JSON event per line`,
    )
    .action(action(logs));
}

async function logs(out: Output, options: LogsOptions): Promise<void> {
  const limit = parseWholeNumber(options.limit, '--limit');
  const jobId = options.job === undefined ? undefined : parseJobId(options.job);
  const ctx = await openQueue();
  try {
    const { events, lastId } = jobId
      ? await eventsOfJob(ctx.queue, jobId, limit)
      : await latestEvents(ctx.queue, limit);
    events.forEach((event) => print(out, event));
    // Follow from the last event read, so nothing written in between is missed.
    if (options.follow) await follow(out, ctx.queue, lastId, jobId);
  } finally {
    ctx.close();
  }
}

interface EventsRead {
  events: QueueEvent[];
  /** The stream id of the last event read ('0' when none): where following starts. */
  lastId: string;
}

async function latestEvents(queue: JobQueue, limit: number): Promise<EventsRead> {
  const events = await queue.events(null, limit);
  return { events, lastId: events.at(-1)?.id ?? '0' };
}

/** The stream is capped (EVENTS_MAX_LEN), so reading all of it for one job stays bounded. */
async function eventsOfJob(queue: JobQueue, jobId: string, limit: number): Promise<EventsRead> {
  const matching: QueueEvent[] = [];
  let lastId = '0';
  for (;;) {
    const page = await queue.events(lastId, PAGE);
    matching.push(...page.filter((event) => event.job_id === jobId));
    lastId = page.at(-1)?.id ?? lastId;
    if (page.length < PAGE) break;
  }
  return { events: matching.slice(-limit), lastId };
}

async function follow(
  out: Output,
  queue: JobQueue,
  afterId: string,
  jobId: string | undefined,
): Promise<void> {
  const blocking = duplicateForBlocking(queue.redis);
  let stopping = false;
  const stop = () => {
    stopping = true;
    blocking.disconnect();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let last = afterId;
  try {
    let away = false;
    while (!stopping) {
      let events: QueueEvent[];
      try {
        events = await waitForEvents(blocking, queue.keys.events, last, FOLLOW_BLOCK_MS);
      } catch (error) {
        if (stopping) break;
        if (!isRedisUnavailable(error)) throw error;
        // Redis away for a while (a restart, a failover): say so once and follow on once it is
        // back, from the last event printed.
        if (!away) say(out, 'Redis is unavailable; following again once it is back');
        away = true;
        await sleep(RETRY_MS);
        continue;
      }
      if (away) say(out, 'Redis is back; following');
      away = false;
      for (const event of events) {
        last = entryOfEvent(event.id);
        if (!jobId || event.job_id === jobId) print(out, event);
      }
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    blocking.disconnect();
  }
}

/** A line about the following itself: on stderr, so stdout holds only events (and JSON). */
function say(out: Output, text: string): void {
  process.stderr.write(`${out.json ? text : out.color.dim(text)}\n`);
}

const TYPE_COLORS: Record<string, keyof Colors> = {
  completed: 'green',
  failed: 'red',
  dead: 'red',
  retrying: 'yellow',
  recovered: 'yellow',
  cancelled: 'gray',
};

function print(out: Output, event: QueueEvent): void {
  if (out.json) return out.line(event);
  const paint = out.color[TYPE_COLORS[event.type] ?? 'reset'] as (text: string) => string;
  out.text(`${out.color.dim(event.time ?? '')}  ${paint(event.message)}`);
}

// The events stream: every transition a script makes, read back as the worker's log lines.
//
// Every entry has one shape: a `type`, the `job_ids` it is about (one id, or every job of a
// script call: a claim adds one `picked` entry for all the jobs it leased, a completion call one
// `completed` entry, a submission one `submitted` entry), and per-job or shared fields. Readers
// never see the grouping: each entry is decoded here into one event per job and line (a pick is
// two lines, "Picked job" and "Processing job"), each with the id `<entry id>.<index>`, so
// Last-Event-ID resumes exactly where a reader was (docs/design.md, "Events").

import type { RedisClient } from './redis';
import { microsToIso } from './time';
import type { QueueEvent } from './wire';

export type { QueueEvent } from './wire';

export type StreamEntry = [id: string, fields: string[]];

/** An entry's fields by name. */
function fieldsOf(fields: string[]): Record<string, string> {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
  return f;
}

/**
 * What an entry records without decoding its events: its type and the jobs it is about. For
 * readers that only need to know which jobs were picked or completed, and when.
 */
export function entryJobs([, fields]: StreamEntry): { type: string; jobIds: string[] } {
  const f = fieldsOf(fields);
  return { type: f.type ?? 'unknown', jobIds: (f.job_ids ?? f.job_id ?? '').split(' ') };
}

/** Every event one stream entry holds, in order. */
export function decodeEvents(entry: StreamEntry): QueueEvent[] {
  return decodeEventRange(entry, 0, Infinity);
}

/**
 * At most `max` of the events one stream entry holds, from its `from`-th on: a reader that wants
 * a few events of an entry written for a thousand jobs does not build the other ones.
 */
export function decodeEventRange(
  [entryId, fields]: StreamEntry,
  from: number,
  max: number,
): QueueEvent[] {
  const f = fieldsOf(fields);
  const time = microsToIso(f.time);
  // `job_id` and `attempt`: the one-job entries of an older release, still in a stream it wrote.
  const jobIds = (f.job_ids ?? f.job_id ?? '').split(' ');
  const attempts = (f.attempts ?? f.attempt)?.split(' ');
  const linesOf = jobLines(f);
  const events: QueueEvent[] = [];
  let index = 0;
  for (let i = 0; i < jobIds.length && events.length < max; i++) {
    const jobId = jobIds[i]!;
    for (const [type, message] of linesOf(jobId, i)) {
      if (index++ < from || events.length >= max) continue;
      events.push({
        id: `${entryId}.${index - 1}`,
        type,
        job_id: jobId,
        message,
        attempt: attempts ? Number(attempts[i]) : null,
        worker_id: f.worker_id ?? null,
        error: f.error ?? null,
        time,
      });
    }
  }
  return events;
}

/** The [type, message] lines of the i-th job of an entry written for many jobs. */
function jobLines(f: Record<string, string>): (id: string, i: number) => [string, string][] {
  switch (f.type) {
    case 'picked': {
      // The payloads' JSON texts as stored, parted by the record separator (see claim.lua).
      const payloads = (f.payloads ?? '').split('\x1e');
      return (id, i) => [
        ['picked', `Picked job ${id}`],
        ['processing', `Processing job ${id}: ${payloads[i]}`],
      ];
    }
    case 'completed':
      return (id) => [['completed', `Job ${id} completed successfully`]];
    case 'submitted': {
      const statuses = (f.statuses ?? '').split(' ');
      return (id, i) => [['submitted', `Job ${id} submitted (${statuses[i]})`]];
    }
    default:
      // An entry about one job carries its own log line.
      return (id) => [[f.type ?? 'unknown', f.message ?? `${f.type} job ${id}`]];
  }
}

const EVENT_ID = /^(\d+(?:-\d+)?)(?:\.(\d+))?$/;

/**
 * An id this API could have sent: each number fits a JavaScript number exactly (a stream id's
 * time is milliseconds since the epoch), so it never reaches Redis as an id Redis refuses.
 */
export function isEventId(id: string): boolean {
  const match = EVENT_ID.exec(id);
  if (!match) return false;
  const numbers = [...match[1]!.split('-'), ...(match[2] === undefined ? [] : [match[2]])];
  return numbers.every((n) => Number.isSafeInteger(Number(n)));
}

/** An event id's stream entry and its index among the entry's events (-1: the entry's only one). */
function parseEventId(id: string): { entry: string; index: number } {
  const match = EVENT_ID.exec(id);
  if (!match) throw new Error(`not an event id: ${id}`);
  return { entry: match[1]!, index: match[2] === undefined ? -1 : Number(match[2]) };
}

/**
 * The stream entry an event came from: where a reader that has handled every event of that
 * entry (as waitForEvents returns them) goes on with XREAD.
 */
export const entryOfEvent = (id: string) => parseEventId(id).entry;

/** Orders event ids as the stream holds their events. */
export function compareEventIds(a: string, b: string): number {
  const x = parseEventId(a);
  const y = parseEventId(b);
  const [xMs, xSeq = 0] = x.entry.split('-').map(Number) as [number, number?];
  const [yMs, ySeq = 0] = y.entry.split('-').map(Number) as [number, number?];
  return xMs - yMs || xSeq - ySeq || x.index - y.index;
}

/**
 * Events after the event `afterId` (exclusive; '0' for the oldest kept), oldest first, from at
 * most `count` stream entries after it (each holds one event or more).
 */
export async function readEventsAfter(
  redis: RedisClient,
  streamKey: string,
  afterId: string,
  count: number,
): Promise<QueueEvent[]> {
  return (await readEventPage(redis, streamKey, afterId, count)).events;
}

/**
 * Events after `afterId` from at most `count` stream entries and at most `maxEvents` in all, and
 * whether those were all the stream held after it when read. A reader that got fewer than there
 * were goes on after the last event it got, inside that entry if need be.
 */
export async function readEventPage(
  redis: RedisClient,
  streamKey: string,
  afterId: string,
  count: number,
  maxEvents = Infinity,
): Promise<{ events: QueueEvent[]; reachedEnd: boolean }> {
  const { entry, index } = parseEventId(afterId);
  // After one event of several, the rest of its entry comes first.
  const partial = index >= 0;
  const events: QueueEvent[] = [];
  // With a bound on events, the first entry is read alone: an entry of a bulk submission holds
  // a thousand events, so one may fill the page, and reading `count` of them for one page would
  // cost many times what the page sends (each reader of a long replay pays it every page).
  const firstRead = partial ? 2 : 1;
  let budget = partial ? count + 1 : count;
  let start = partial ? entry : `(${entry}`;
  for (let asked = maxEvents < Infinity ? Math.min(firstRead, budget) : budget; ;) {
    const entries = (await redis.xrange(streamKey, start, '+', 'COUNT', asked)) as StreamEntry[];
    budget -= entries.length;
    for (const read of entries) {
      const from = partial && read[0] === entry ? index + 1 : 0;
      const left = maxEvents - events.length;
      const got = decodeEventRange(read, from, left + 1);
      if (got.length > left) {
        events.push(...got.slice(0, left));
        return { events, reachedEnd: false };
      }
      events.push(...got);
    }
    if (entries.length < asked) return { events, reachedEnd: true };
    if (budget <= 0 || events.length >= maxEvents) return { events, reachedEnd: false };
    start = `(${entries.at(-1)![0]}`;
    asked = budget;
  }
}

/** The newest `count` events, oldest first. */
export async function readLatestEvents(
  redis: RedisClient,
  streamKey: string,
  count: number,
): Promise<QueueEvent[]> {
  const entries = (await redis.xrevrange(streamKey, '+', '-', 'COUNT', count)) as StreamEntry[];
  return entries.reverse().flatMap(decodeEvents).slice(-count);
}

/**
 * Waits up to `blockMs` for events after the event `afterId` ('$' = only new ones) on a
 * connection that may block. Returns [] on timeout.
 */
export async function waitForEvents(
  blockingRedis: RedisClient,
  streamKey: string,
  afterId: string,
  blockMs: number,
  count = 500,
): Promise<QueueEvent[]> {
  if (afterId !== '$') {
    const { entry, index } = parseEventId(afterId);
    if (index >= 0) {
      // The reader stopped inside an entry: what is left of it and after it is already there.
      const rest = await readEventsAfter(blockingRedis, streamKey, afterId, count);
      if (rest.length > 0) return rest;
      afterId = entry;
    }
  }
  const reply = (await blockingRedis.xread(
    'COUNT',
    count,
    'BLOCK',
    blockMs,
    'STREAMS',
    streamKey,
    afterId,
  )) as [string, StreamEntry[]][] | null;
  return reply?.[0]?.[1].flatMap(decodeEvents) ?? [];
}

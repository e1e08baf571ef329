// One page of GET /jobs: which index a query reads, how far one call may read it, and the
// opaque cursor that joins pages. Reads only; JobQueue.list checks the query and calls it.

import { ValidationError } from './errors';
import { idsFromIndexEntry } from './job-id';
import { STREAM_INDEXES, type QueueKeys } from './keys';
import { decodeJobRecord, type JobRecord, type JobStatus } from './record';
import { execPipeline, type RedisClient } from './redis';
import { unavailableWhenRedisIsAway } from './redis-errors';
import type { ListJobsQuery } from './schemas';
import type { JobPage } from './wire';

export type { JobPage } from './wire';

export type IndexName =
  'queued' | 'scheduled' | 'active' | 'completed' | 'failed' | 'cancelled' | 'created';

/** Index entries one listing reads at most, whatever its filter matches. */
const LIST_SCAN_BUDGET = 1000;
/** Index entries (and records) one round trip of a listing reads. */
const LIST_READ = 200;
/** Stream index entries one read takes: each holds one id or up to a bulk's thousand. */
const STREAM_ENTRIES_PER_READ = 8;

export const STATUS_INDEX: Record<JobStatus, IndexName> = {
  queued: 'queued',
  scheduled: 'scheduled',
  processing: 'active',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

export class JobList {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: QueueKeys,
  ) {}

  /**
   * Newest first (for `queued`: last in line first), with an opaque cursor for the next page.
   * One call reads at most LIST_SCAN_BUDGET index entries, in reads of at most LIST_READ, so a
   * filter that matches little answers a short (even empty) page with a cursor to go on from,
   * instead of holding Redis and this process for a long scan. A `job_type` filter reads two
   * fields of each record, and whole records only for the jobs that match.
   */
  async page(q: ListJobsQuery): Promise<JobPage> {
    const index = q.status ? STATUS_INDEX[q.status] : 'created';
    let cursor = q.cursor ? decodeCursor(q.cursor, isStreamIndex(index)) : null;
    const jobs: JobRecord[] = [];
    let budget = LIST_SCAN_BUDGET;
    while (jobs.length < q.limit && budget > 0) {
      const batch = await this.readIndex(
        index,
        cursor,
        Math.min(q.limit - jobs.length, LIST_READ, budget),
      );
      if (batch.length === 0) return { jobs, next_cursor: null };
      budget -= batch.length;
      const ids = batch.map(([id]) => id);
      const wanted = q.job_type ? await this.idsOfType(ids, q.job_type, q.status) : undefined;
      const records = await this.fetchRecords(wanted ? ids.filter((id) => wanted.has(id)) : ids);
      const byId = new Map(records.filter((r) => r !== null).map((r) => [r.job_id, r]));
      for (const place of batch) {
        cursor = place;
        const record = byId.get(place[0]);
        if (record && (!q.status || record.status === q.status)) jobs.push(record);
        if (jobs.length === q.limit) break;
      }
    }
    return { jobs, next_cursor: cursor ? encodeCursor(cursor) : null };
  }

  /** Which of `ids` are jobs of `jobType` (and `status`, when given), reading two fields each. */
  private async idsOfType(
    ids: string[],
    jobType: string,
    status: JobStatus | undefined,
  ): Promise<Set<string>> {
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hmget(this.keys.job(id), 'job_type', 'status');
    const replies = (await unavailableWhenRedisIsAway('list jobs', () =>
      execPipeline(pipeline),
    )) as (string | null)[][];
    return new Set(
      ids.filter((_, i) => replies[i]![0] === jobType && (!status || replies[i]![1] === status)),
    );
  }

  /** Index entries strictly after `cursor` in newest-first order: [job id, place in the index]. */
  private async readIndex(
    index: IndexName,
    cursor: Cursor | null,
    count: number,
  ): Promise<Cursor[]> {
    if (isStreamIndex(index)) return this.readStreamIndex(this.keys[index], cursor, count);
    return this.readSortedIndex(this.keys[index], cursor as [string, number] | null, count);
  }

  /**
   * A stream index: each entry holds the ids one script call added (a bulk adds a thousand),
   * oldest first. A job's place is `<entry id>/<position in the entry>`. At most `count` ids come
   * back, fewer only when the index ends; entries are read a few at a time until they are had.
   */
  private async readStreamIndex(
    key: string,
    cursor: Cursor | null,
    count: number,
  ): Promise<Cursor[]> {
    const read = (start: string, end: string, reverse: boolean) =>
      unavailableWhenRedisIsAway('list jobs', async () => {
        const entries = reverse
          ? await this.redis.xrevrangeBuffer(key, end, start, 'COUNT', STREAM_ENTRIES_PER_READ)
          : await this.redis.xrangeBuffer(key, start, end);
        return entries as unknown as [Buffer, Buffer[]][];
      });
    const placed = ([entryId, fields]: [Buffer, Buffer[]]): Cursor[] =>
      idsFromIndexEntry(fields[1]!)
        .map((id, position): Cursor => [id, `${entryId.toString()}/${position}`])
        .reverse();
    const out: Cursor[] = [];
    let end = '+';
    if (cursor) {
      const [entryId, position] = String(cursor[1]).split('/') as [string, string | undefined];
      // First the rest of the entry the last page stopped in.
      if (Number(position ?? 0) > 0) {
        for (const entry of await read(entryId, entryId, false)) {
          out.push(...placed(entry).filter(([, place]) => placeIndex(place) < Number(position)));
        }
      }
      end = `(${entryId}`;
    }
    while (out.length < count) {
      const entries = await read('-', end, true);
      for (const entry of entries) out.push(...placed(entry));
      if (entries.length < STREAM_ENTRIES_PER_READ) break;
      end = `(${entries.at(-1)![0].toString()}`;
    }
    return out.slice(0, count);
  }

  /** A sorted set index: the score is the place; equal scores come in reverse member order. */
  private async readSortedIndex(
    index: string,
    cursor: [string, number] | null,
    count: number,
  ): Promise<Cursor[]> {
    const max = cursor ? String(cursor[1]) : '+inf';
    const out: [string, number][] = [];
    for (let offset = 0; out.length < count; offset += count) {
      const flat = await unavailableWhenRedisIsAway('list jobs', () =>
        this.redis.zrange(
          index,
          max,
          '-inf',
          'BYSCORE',
          'REV',
          'LIMIT',
          offset,
          count,
          'WITHSCORES',
        ),
      );
      if (flat.length === 0) break;
      for (let i = 0; i < flat.length; i += 2) {
        const entry: [string, number] = [flat[i]!, Number(flat[i + 1])];
        // Equal scores come in reverse member order: skip what the last page already returned.
        if (cursor && entry[1] === cursor[1] && entry[0] >= cursor[0]) continue;
        out.push(entry);
      }
      if (flat.length < count * 2) break;
    }
    return out.slice(0, count);
  }

  private async fetchRecords(ids: string[]): Promise<(JobRecord | null)[]> {
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.keys.job(id));
    const replies = await unavailableWhenRedisIsAway('list jobs', () => execPipeline(pipeline));
    return replies.map((hash, i) => decodeJobRecord(ids[i]!, hash as Record<string, string>));
  }
}

/** Where a listing stopped: the last job id and its place (a score, or a stream entry id). */
type Cursor = [string, number | string];

/** The position within its index entry of a job placed `<entry id>/<position>`. */
function placeIndex(place: string | number): number {
  return Number(String(place).split('/')[1] ?? 0);
}

/** A place in a stream index: an entry id, and a position in it after a '/' (0 when left out). */
const STREAM_PLACE = /^\d+-\d+(\/\d+)?$/;

/** A stream place whose numbers all fit exactly, as in every cursor this API hands out. */
function isStreamPlace(place: string): boolean {
  return (
    STREAM_PLACE.test(place) && place.split(/[-/]/).every((n) => Number.isSafeInteger(Number(n)))
  );
}

function isStreamIndex(index: IndexName): index is (typeof STREAM_INDEXES)[number] {
  return (STREAM_INDEXES as readonly string[]).includes(index);
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(cursor: string, inStream: boolean): Cursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const place = Array.isArray(value) ? (value[1] as unknown) : undefined;
    const placeFits = inStream
      ? typeof place === 'string' && isStreamPlace(place)
      : typeof place === 'number' && Number.isFinite(place);
    if (
      Array.isArray(value) &&
      typeof value[0] === 'string' &&
      value[0].length <= 64 &&
      placeFits
    ) {
      return [value[0], place as number | string];
    }
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('invalid query: cursor is not one this API returned', [
    { path: 'cursor', message: 'is not one this API returned' },
  ]);
}

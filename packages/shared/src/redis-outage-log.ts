// A Redis outage, said in a process's log the way an operator reads it: once when Redis cannot be
// reached, again every OUTAGE_REMINDER_MS while it lasts, and once when it is back. ioredis
// reports every failed reconnect (two a second), and each background loop fails with it; a line
// for each would bury the rest of the log. One per connection, made where the connection is
// (a process's main), and handed to the loops that use it.

import type { Logger } from './logger';
import type { RedisClient } from './redis';
import { isRedisUnavailable } from './redis-errors';

export const OUTAGE_REMINDER_MS = 30_000;

export class RedisOutageLog {
  /** When the outage began (`now()`), while there is one. */
  private since: number | undefined;
  private lastSaidAt = 0;
  private failedReconnects = 0;
  /** Operations that failed because of the outage, since it began. */
  private failedOperations = 0;
  /** Between `close` and `ready`: commands fail before the first reconnect does. */
  private connectionUp = false;
  /** Loops' failures that were not the outage, by message: when said, and held back since. */
  private readonly loopFailures = new Map<string, { saidAt: number; heldBack: number }>();

  /** `now`: a clock in ms (tests pass their own). */
  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Follows a connection for its life: its connection errors begin or go on with an outage, its
   * `ready` ends one. (A Redis Cluster client says so only when no node answers: a single
   * node's failures come as `node error`, and its loops' failures then warn.)
   */
  watch(redis: RedisClient): this {
    // A connection watched once it is up (queuectl connects first) is up: its failures until a
    // `close` are Redis's answers (OOM, READONLY), not an outage to keep quiet about.
    this.connectionUp = redis.status === 'ready';
    redis.on('error', (error: Error) => this.connectionFailed(error));
    redis.on('close', () => (this.connectionUp = false));
    redis.on('ready', () => this.connected());
    return this;
  }

  get down(): boolean {
    return this.since !== undefined;
  }

  connectionFailed(error: Error): void {
    // Not Redis being away (a bad database index, a refused password): said each time, as news.
    if (!isRedisUnavailable(error)) {
      this.log.warn({ err: error.message }, 'Redis connection error');
      return;
    }
    const now = this.now();
    this.connectionUp = false;
    this.failedReconnects++;
    if (this.since === undefined) {
      this.since = this.lastSaidAt = now;
      this.log.warn(
        { err: error.message },
        `Redis unreachable; reconnecting (said again every ${OUTAGE_REMINDER_MS / 1000} s while it lasts)`,
      );
      return;
    }
    if (now - this.lastSaidAt < OUTAGE_REMINDER_MS) return;
    this.lastSaidAt = now;
    this.log.warn(
      {
        err: error.message,
        down_ms: now - this.since,
        failed_reconnects: this.failedReconnects,
        failed_operations: this.failedOperations,
      },
      `Redis still unreachable after ${seconds(now - this.since)} s; reconnecting`,
    );
  }

  connected(): void {
    this.connectionUp = true;
    if (this.since === undefined) return;
    const downMs = this.now() - this.since;
    this.log.info(
      { down_ms: downMs, failed_reconnects: this.failedReconnects },
      `Redis connection restored after ${seconds(downMs)} s`,
    );
    this.since = undefined;
    this.failedReconnects = this.failedOperations = 0;
  }

  /**
   * For a loop's failure that is not the outage: undefined when the same message was said less
   * than OUTAGE_REMINDER_MS ago (it is counted), else how many times it was held back since.
   */
  repeatsOf(message: string): number | undefined {
    const now = this.now();
    const last = this.loopFailures.get(message);
    if (last && now - last.saidAt < OUTAGE_REMINDER_MS) {
      last.heldBack++;
      return undefined;
    }
    this.loopFailures.set(message, { saidAt: now, heldBack: 0 });
    return last?.heldBack ?? 0;
  }

  /**
   * Whether an operation's failure is the outage (said, or about to be: the connection is down
   * and has not failed a reconnect yet). A failure of any other kind, or with the connection up,
   * is news.
   */
  explains(error: unknown): boolean {
    if (this.connectionUp || !isRedisUnavailable(error)) return false;
    if (this.since !== undefined) this.failedOperations++;
    return true;
  }
}

/**
 * Logs a failed round trip of a background loop (which tries again by itself): at debug when the
 * outage `outage` has said explains it. Otherwise at warn, but a loop that keeps failing the same
 * way with the connection open (a frozen Redis, a cluster without a master for the queue's slot)
 * warns once per OUTAGE_REMINDER_MS, with how many times it failed meanwhile, not every second.
 */
export function logLoopFailure(
  log: Logger,
  outage: RedisOutageLog | undefined,
  error: unknown,
  message: string,
): void {
  const fields = { err: (error as Error).message };
  if (!outage) return log.warn(fields, message);
  if (outage.explains(error)) return log.debug(fields, message);
  const repeated = outage.repeatsOf(message);
  if (repeated === undefined) log.debug(fields, message);
  else log.warn(repeated > 0 ? { ...fields, failed_since_last_said: repeated } : fields, message);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);
}

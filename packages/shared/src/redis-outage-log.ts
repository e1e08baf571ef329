// A Redis outage, said in a process's log the way an operator reads it: once when Redis cannot be
// reached, again every OUTAGE_REMINDER_MS while it lasts, and once when it is back. ioredis
// reports every failed reconnect (two a second), and each loop of a worker fails with it; a line
// for each would bury the rest of the log.

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

  /** `now`: a clock in ms (tests pass their own). */
  constructor(
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  private readonly onError = (error: Error) => this.connectionFailed(error);
  private readonly onReady = () => this.connected();
  private watched: RedisClient | undefined;

  /** Follows a connection: its errors begin or go on with an outage, its `ready` ends one. */
  watch(redis: RedisClient): this {
    this.unwatch();
    this.watched = redis;
    redis.on('error', this.onError);
    redis.on('ready', this.onReady);
    return this;
  }

  /** Stops following it (a worker stopping, whose caller may go on using the connection). */
  unwatch(): void {
    this.watched?.off('error', this.onError);
    this.watched?.off('ready', this.onReady);
    this.watched = undefined;
  }

  get down(): boolean {
    return this.since !== undefined;
  }

  connectionFailed(error: Error): void {
    const now = this.now();
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
   * Whether an operation's failure is the outage already said: its caller logs it at debug
   * instead of warn. A failure of any other kind, or with the connection up, is news.
   */
  explains(error: unknown): boolean {
    if (this.since === undefined || !isRedisUnavailable(error)) return false;
    this.failedOperations++;
    return true;
  }
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(ms < 10_000 ? 1 : 0);
}

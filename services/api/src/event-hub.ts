// One reader of the events stream for the whole API process: it waits on Redis (XREAD BLOCK) on
// its own connection and hands each new event to every live-log subscriber, so a thousand open
// pages cost one Redis connection, not a thousand.

import {
  duplicateForBlocking,
  entryOfEvent,
  readLatestEvents,
  waitForEvents,
  unavailableWhenRedisIsAway,
  type Logger,
  type QueueEvent,
  type RedisClient,
} from '@jobqueue/shared';
import { setTimeout as sleep } from 'node:timers/promises';

export type EventListener = (event: QueueEvent) => void;

const BLOCK_MS = 5000;

interface Reader {
  /** The stream id the reader starts after; fixed before any subscriber reads its backlog. */
  start: Promise<string>;
  done: Promise<void>;
}

export class EventHub {
  private readonly listeners = new Set<EventListener>();
  private connection: RedisClient | undefined;
  private reader: Reader | undefined;
  private closed = false;

  constructor(
    private readonly redis: RedisClient,
    private readonly streamKey: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Hands `listener` every event added after this resolves (and perhaps a few before it, which
   * the caller drops by id). Rejects with an UnavailableError while Redis is away.
   */
  async subscribe(listener: EventListener): Promise<() => void> {
    if (!this.reader) {
      // Start after the newest event now, not at XREAD's '$': the blocking connection may send
      // its first XREAD only after the subscriber has read its backlog, and events in between
      // would reach nobody.
      const start = unavailableWhenRedisIsAway('read events', () =>
        readLatestEvents(this.redis, this.streamKey, 1),
      ).then((newest) => newest[0]?.id ?? '0-0');
      this.reader = { start, done: this.read(start) };
    }
    this.listeners.add(listener);
    const unsubscribe = () => void this.listeners.delete(listener);
    try {
      await this.reader.start;
    } catch (error) {
      unsubscribe();
      throw error;
    }
    return unsubscribe;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.connection?.disconnect();
    await this.reader?.done;
  }

  private async read(start: Promise<string>): Promise<void> {
    let lastId: string;
    try {
      lastId = await start;
    } catch {
      this.reader = undefined; // the next subscriber tries again
      return;
    }
    const connection = duplicateForBlocking(this.redis);
    this.connection = connection;
    while (!this.closed) {
      try {
        const events = await waitForEvents(connection, this.streamKey, lastId, BLOCK_MS);
        for (const event of events) {
          lastId = entryOfEvent(event.id);
          for (const listener of this.listeners) listener(event);
        }
        // Stop reading when nobody listens; the next subscriber starts it again.
        if (this.listeners.size === 0) break;
      } catch (error) {
        if (this.closed) break;
        this.logger.warn(
          { err: (error as Error).message },
          'Reading the events stream failed; retrying in 1 s',
        );
        await sleep(1000);
      }
    }
    if (!this.closed) connection.disconnect(); // close() has already done it
    this.connection = undefined;
    this.reader = undefined;
  }
}

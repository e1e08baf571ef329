// The one redis-server a benchmark run uses: started on a free port (never 6379), without
// persistence so disk speed does not colour the figures, and stopped at the end.

import Redis from 'ioredis';
import { RedisServerProcess } from '@jobqueue/testkit';

export class BenchRedis {
  /** The bench's own connection: flushing, INFO, polling counts. */
  readonly client: Redis;

  private constructor(private readonly server: RedisServerProcess) {
    this.client = new Redis(server.url, { maxRetriesPerRequest: 0 });
    this.client.on('error', () => undefined); // a failing command rejects; that is what counts
  }

  static async start(): Promise<BenchRedis> {
    const server = await new RedisServerProcess().start();
    const redis = new BenchRedis(server);
    try {
      await redis.client.ping();
      return redis;
    } catch (error) {
      await redis.stop();
      throw error;
    }
  }

  get port(): number {
    return this.server.port;
  }

  get url(): string {
    return this.server.url;
  }

  /** One INFO section as name -> value. */
  async info(section: string): Promise<Record<string, string>> {
    const text = await this.client.info(section);
    const fields: Record<string, string> = {};
    for (const line of text.split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith('#')) fields[line.slice(0, colon)] = line.slice(colon + 1);
    }
    return fields;
  }

  async flush(): Promise<void> {
    await this.client.flushall();
    await this.client.config('RESETSTAT');
  }

  async stop(): Promise<void> {
    this.client.disconnect();
    await this.server.dispose();
  }
}

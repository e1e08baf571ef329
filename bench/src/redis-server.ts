// The one redis-server a benchmark run uses: started on a free port (never 6379), without
// persistence so disk speed does not colour the figures, and stopped at the end.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';

const HOST = '127.0.0.1';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, HOST);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('no free port found');
  return address.port;
}

export class BenchRedis {
  private child: ChildProcess | undefined;
  private output = '';
  /** The bench's own connection: flushing, INFO, polling counts. */
  client!: Redis;

  constructor(readonly port: number) {}

  static async start(): Promise<BenchRedis> {
    const redis = new BenchRedis(await freePort());
    await redis.spawn();
    return redis;
  }

  get url(): string {
    return `redis://${HOST}:${this.port}`;
  }

  private async spawn(): Promise<void> {
    // prettier-ignore
    const child = spawn('redis-server', [
      '--port', String(this.port),
      '--bind', HOST,
      '--save', '',
      '--appendonly', 'no',
      '--daemonize', 'no',
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => (this.output = (this.output + text).slice(-4000)));
    }
    child.once('error', (error) => (this.output += `\n${error.message}`));
    for (let waited = 0; waited < 10_000; waited += 50) {
      if (child.exitCode !== null) break;
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        await probe.ping();
        this.client = probe;
        return;
      } catch {
        probe.disconnect();
        await sleep(50);
      }
    }
    throw new Error(`redis-server did not start on port ${this.port}:\n${this.output}`);
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
    this.client?.disconnect();
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

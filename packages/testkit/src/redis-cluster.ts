// A real Redis Cluster of one's own: N masters, each a `redis-server --cluster-enabled yes` on
// free loopback ports with a data folder of its own, joined and given all 16384 slots by
// `redis-cli --cluster create`.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import Redis from 'ioredis';
import { freePort } from './free-port';
import { RedisServerProcess } from './redis-server';
import { delay } from './timing';

const run = promisify(execFile);
const HOST = '127.0.0.1';

export interface RedisClusterOptions {
  /** `appendonly yes` on every master when true; default false (nothing is written to disk). */
  appendonly?: boolean;
  /** More redis-server arguments for every master, e.g. `['--appendfsync', 'everysec']`. */
  args?: string[];
}

export class RedisCluster {
  readonly masters: RedisServerProcess[] = [];

  constructor(private readonly options: RedisClusterOptions = {}) {}

  /** host:port of every master, as REDIS_CLUSTER_NODES takes them. */
  get nodes(): string[] {
    return this.masters.map((master) => `${HOST}:${master.port}`);
  }

  /** Starts the masters and resolves once every one reports cluster_state:ok. */
  async start(masterCount = 3): Promise<this> {
    try {
      for (let i = 0; i < masterCount; i++) {
        // The cluster bus gets a port of its own: the default (port + 10000) may be taken or past 65535.
        const busPort = await freePort(HOST);
        // prettier-ignore
        const master = new RedisServerProcess({
          appendonly: this.options.appendonly,
          args: [
            '--cluster-enabled', 'yes',
            '--cluster-config-file', 'nodes.conf',
            '--cluster-port', String(busPort),
            '--cluster-node-timeout', '5000',
            ...(this.options.args ?? []),
          ],
        });
        this.masters.push(master);
        await master.start();
      }
      await redisCli([
        '--cluster',
        'create',
        ...this.nodes,
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      await this.waitUntilEveryNodeSaysOk();
      return this;
    } catch (error) {
      await this.dispose();
      throw error;
    }
  }

  /** The master serving `key`'s hash slot, as host:port. */
  async nodeServing(key: string): Promise<string> {
    const redis = new Redis(this.masters[0]!.port, HOST, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
    });
    try {
      await redis.connect();
      const slot = (await redis.cluster('KEYSLOT', key)) as number;
      const ranges = await redis.cluster('SLOTS');
      const range = ranges.find(([start, end]) => slot >= start && slot <= end);
      const master = range?.[2];
      if (!master) throw new Error(`no master serves slot ${slot}`);
      return `${master[0]}:${master[1]}`;
    } finally {
      redis.disconnect();
    }
  }

  /** Stops every master and removes its data folder. */
  async dispose(): Promise<void> {
    await Promise.all(this.masters.map((master) => master.dispose()));
  }

  private async waitUntilEveryNodeSaysOk(timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const master of this.masters) {
      for (;;) {
        const info = await redisCli(['-p', String(master.port), 'CLUSTER', 'INFO']);
        if (info.includes('cluster_state:ok')) break;
        if (Date.now() > deadline) throw new Error(`cluster did not become ok:\n${info}`);
        await delay(100);
      }
    }
  }
}

async function redisCli(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('redis-cli', ['-h', HOST, ...args], { timeout: 30_000 });
    return stdout.trim();
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `redis-cli ${args.join(' ')} failed: ${(error as Error).message}\n${stdout}${stderr}`,
    );
  }
}

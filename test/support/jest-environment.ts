// The jest environment of every test file: Node, without the shell's job queue settings (a test
// says what it wants; a LOG_LEVEL or API_TOKEN in the shell must not change what it sees), plus a
// teardown that stops each process the file started (services, redis-servers), after all
// of the file's own hooks, pass or fail, and on a Redis the caller lent (REDIS_URL) deletes the keys
// of the queues the file made.
import Redis from 'ioredis';
import { TestEnvironment } from 'jest-environment-node';
import { CONFIG_VARIABLES } from '../../packages/shared/src/config';
import { QUEUES_MADE } from './redis-url';
import { killAllNow, stopAll } from '../../packages/testkit/src';

export default class ProcessCleanupEnvironment extends TestEnvironment {
  // If the jest worker exits without a teardown (interrupted run), nothing may outlive it.
  private readonly killLeftovers = () => killAllNow(this.global);

  override async setup(): Promise<void> {
    await super.setup();
    const env = this.global.process.env;
    for (const name of CONFIG_VARIABLES) delete env[name];
    process.on('exit', this.killLeftovers);
  }

  override async teardown(): Promise<void> {
    try {
      await stopAll(this.global);
      await this.deleteQueuesMade();
    } finally {
      process.off('exit', this.killLeftovers);
      await super.teardown();
    }
  }

  private async deleteQueuesMade(): Promise<void> {
    const queues = (this.global as { [QUEUES_MADE]?: string[] })[QUEUES_MADE] ?? [];
    if (process.env.TEST_REDIS_SOURCE !== 'REDIS_URL' || queues.length === 0) return;
    const redis = new Redis(process.env.TEST_REDIS_URL!, { lazyConnect: true });
    try {
      for (const queue of queues) {
        const stream = redis.scanStream({ match: `jq:{${queue}}:*`, count: 1000 });
        for await (const keys of stream as AsyncIterable<string[]>) {
          if (keys.length > 0) await redis.unlink(...keys);
        }
      }
    } finally {
      redis.disconnect();
    }
  }
}

// Provisions the one Redis every test file of the run shares (each isolates itself by queue name)
// and publishes it as TEST_REDIS_URL: REDIS_URL when set; else a container when a Docker engine
// answers; else a redis-server of our own on a free port. The shared server on 6379 is never
// chosen implicitly.
import type { StartedTestContainer } from 'testcontainers';
import { dockerEngineAnswers } from './docker-engine';
import { RedisServerProcess } from '../../packages/testkit/src';

export interface ProvisionedRedis {
  url: string;
  /** Where it came from: the user's REDIS_URL, a container, or a redis-server of our own. */
  source: 'REDIS_URL' | 'container' | 'spawned';
  stop(): Promise<void>;
}

export const PROVISIONED_REDIS = Symbol.for('jobqueue.test.provisionedRedis');

export default async function globalSetup(): Promise<void> {
  const redis = await provisionRedis();
  (globalThis as Record<symbol, unknown>)[PROVISIONED_REDIS] = redis;
  process.env.TEST_REDIS_URL = redis.url;
  process.env.TEST_REDIS_SOURCE = redis.source;
}

async function provisionRedis(): Promise<ProvisionedRedis> {
  if (process.env.REDIS_URL) {
    log(`using REDIS_URL ${redactPassword(process.env.REDIS_URL)}`);
    return { url: process.env.REDIS_URL, source: 'REDIS_URL', stop: async () => {} };
  }
  if (await dockerEngineAnswers()) {
    try {
      const redis = await startContainer();
      log(`using a redis:7-bookworm container at ${redis.url}`);
      return redis;
    } catch (error) {
      log(`a Docker engine answers but the Redis container did not start (${String(error)})`);
    }
  }
  const server = await new RedisServerProcess().start();
  // Jest runs global setup in its own process, where nothing else would stop this child.
  process.once('exit', () => server.killNow());
  log(`using a redis-server spawned at ${server.url}`);
  return { url: server.url, source: 'spawned', stop: () => server.dispose() };
}

async function startContainer(): Promise<ProvisionedRedis> {
  // Loaded only here: testcontainers is slow to import and useless without an engine.
  const { GenericContainer, Wait } = await import('testcontainers');
  const container: StartedTestContainer = await new GenericContainer('redis:7-bookworm')
    .withCommand(['redis-server', '--save', '', '--appendonly', 'no'])
    .withExposedPorts(6379)
    .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'))
    .withStartupTimeout(60_000)
    .start();
  return {
    url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
    source: 'container',
    stop: async () => {
      await container.stop();
    },
  };
}

function redactPassword(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

function log(message: string): void {
  process.stdout.write(`\n[test redis] ${message}\n`);
}

// warnIfRedisMayLoseJobs: at start every service reads Redis's eviction policy and persistence
// and warns, naming the setting, when Redis could drop or forget accepted jobs. A Redis of this
// file's own, so its settings can be changed freely.

import pino from 'pino';
import { Writable } from 'node:stream';
import { RedisServerProcess } from '@jobqueue/testkit';
import { createRedis, warnIfRedisMayLoseJobs, type RedisClient } from '../src';

let server: RedisServerProcess;
let redis: RedisClient;

beforeAll(async () => {
  server = await new RedisServerProcess().start();
  redis = createRedis({ redisUrl: server.url });
});
afterAll(async () => {
  redis.disconnect();
  await server.dispose();
});

/** A logger that keeps the warnings it was given. */
function recordingLogger(): { logger: pino.Logger; warnings: string[] } {
  const warnings: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const record = JSON.parse(chunk.toString()) as { level: number; msg: string };
      if (record.level === 40) warnings.push(record.msg);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), warnings };
}

async function settings(policy: string, appendonly: 'yes' | 'no', save: string): Promise<void> {
  await redis.config('SET', 'maxmemory-policy', policy);
  await redis.config('SET', 'appendonly', appendonly);
  await redis.config('SET', 'save', save);
}

test('noeviction with the append-only file: no warning', async () => {
  await settings('noeviction', 'yes', '');
  const { logger, warnings } = recordingLogger();
  expect(await warnIfRedisMayLoseJobs(redis, logger)).toEqual([]);
  expect(warnings).toEqual([]);
});

test('an eviction policy is named in a warning', async () => {
  await settings('allkeys-lru', 'yes', '');
  const { logger, warnings } = recordingLogger();
  const returned = await warnIfRedisMayLoseJobs(redis, logger);
  expect(returned).toEqual([
    expect.stringMatching(/maxmemory-policy is "allkeys-lru".*noeviction/),
  ]);
  expect(warnings).toEqual(returned);
});

test('snapshots only: jobs since the last snapshot may be lost', async () => {
  await settings('noeviction', 'no', '3600 1');
  const { logger, warnings } = recordingLogger();
  expect(await warnIfRedisMayLoseJobs(redis, logger)).toEqual([
    expect.stringMatching(/appendonly is off.*set appendonly yes/),
  ]);
  expect(warnings).toHaveLength(1);
});

test('no persistence at all and an eviction policy: both warnings', async () => {
  await settings('volatile-ttl', 'no', '');
  const { logger, warnings } = recordingLogger();
  expect(await warnIfRedisMayLoseJobs(redis, logger)).toEqual([
    expect.stringMatching(/maxmemory-policy is "volatile-ttl"/),
    expect.stringMatching(/keeps nothing on disk.*every job is lost if Redis restarts/),
  ]);
  expect(warnings).toHaveLength(2);
});

test('a Redis that refuses CONFIG (as managed services do) is no reason to fail or warn', async () => {
  const locked = await new RedisServerProcess({
    args: ['--rename-command', 'CONFIG', '""'],
  }).start();
  const client = createRedis({ redisUrl: locked.url });
  try {
    const { logger, warnings } = recordingLogger();
    expect(await warnIfRedisMayLoseJobs(client, logger)).toEqual([]);
    expect(warnings).toEqual([]);
  } finally {
    client.disconnect();
    await locked.dispose();
  }
});

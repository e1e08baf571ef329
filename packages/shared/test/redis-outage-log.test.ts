// A Redis outage is said once when the connection is lost, again every 30 s while it lasts, and
// once when it is back: on a real Redis stopped and started again, the clock for the reminder
// moved by hand.

import { Writable } from 'node:stream';
import pino from 'pino';
import { RedisServerProcess } from '@jobqueue/testkit';
import { createRedis, OUTAGE_REMINDER_MS, RedisOutageLog, type RedisClient } from '../src';

interface Line {
  level: number;
  msg: string;
  failed_reconnects?: number;
  failed_operations?: number;
}

function recordingLogger(): { logger: pino.Logger; lines: Line[] } {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Line);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

async function until(what: string, condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 15_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let server: RedisServerProcess;
let redis: RedisClient;

beforeAll(async () => {
  server = await new RedisServerProcess().start();
});

afterAll(async () => {
  redis?.disconnect();
  await server.stop();
});

test('says an outage once, then every 30 s while it lasts, then that it ended', async () => {
  const { logger, lines } = recordingLogger();
  let clock = 1_000_000;
  const outage = new RedisOutageLog(logger, () => clock);
  redis = createRedis({ redisUrl: server.url });
  outage.watch(redis);
  let errors = 0;
  redis.on('error', () => errors++);
  await redis.ping();
  expect(outage.down).toBe(false);

  await server.stop();
  // ioredis reconnects about every 50-500 ms, each attempt an error.
  await until('five failed reconnects', () => errors >= 5);
  expect(outage.down).toBe(true);
  expect(lines.map((line) => line.msg)).toEqual([
    'Redis unreachable; reconnecting (said again every 30 s while it lasts)',
  ]);

  // A loop's failure while Redis is away is the outage already said; anything else is not.
  const offline = await redis.get('any').catch((error: Error) => error);
  expect(outage.explains(offline)).toBe(true);
  expect(outage.explains(new Error('ERR wrong number of arguments'))).toBe(false);

  clock += OUTAGE_REMINDER_MS;
  const seen = errors;
  await until('the next failed reconnect', () => errors > seen);
  expect(lines).toHaveLength(2);
  expect(lines[1]!.msg).toBe('Redis still unreachable after 30 s; reconnecting');
  expect(lines[1]!.failed_reconnects).toBeGreaterThan(5);
  expect(lines[1]!.failed_operations).toBe(1);

  clock += 2_500;
  await server.start();
  await until('the connection back', () => !outage.down);
  expect(lines).toHaveLength(3);
  expect(lines[2]!).toMatchObject({ level: 30, msg: 'Redis connection restored after 33 s' });
  expect(await redis.ping()).toBe('PONG');
  // Up again, a connection error is news to its caller.
  expect(outage.explains(offline)).toBe(false);

  outage.unwatch();
  expect(redis.listenerCount('error')).toBe(1);
});

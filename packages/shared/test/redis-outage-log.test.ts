// A Redis outage is said once when the connection is lost, again every 30 s while it lasts, and
// once when it is back: on a real Redis stopped and started again, the clock for the reminder
// moved by hand.

import { Writable } from 'node:stream';
import pino from 'pino';
import { RedisServerProcess } from '@jobqueue/testkit';
import {
  createRedis,
  logLoopFailure,
  OUTAGE_REMINDER_MS,
  RedisOutageLog,
  type RedisClient,
} from '../src';

interface Line {
  level: number;
  msg: string;
  failed_reconnects?: number;
  failed_operations?: number;
  failed_since_last_said?: number;
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
});

test("a loop's failure is logged at debug while the outage explains it, else at warn", () => {
  const { logger, lines } = recordingLogger();
  const outage = new RedisOutageLog(logger);
  const closed = new Error('Connection is closed.');
  outage.connected();
  logLoopFailure(logger, outage, closed, 'Could not fetch jobs; retrying in 1 s');
  outage.connectionFailed(new Error('connect ECONNREFUSED 127.0.0.1:6390'));
  logLoopFailure(logger, outage, closed, 'Could not fetch jobs; retrying in 1 s');
  logLoopFailure(logger, outage, new Error('ERR unknown command'), 'Could not fire schedules');
  logLoopFailure(logger, undefined, closed, 'HTTP workers: recovering leases failed');
  expect(lines.map(({ level, msg }) => [level, msg])).toEqual([
    [40, 'Could not fetch jobs; retrying in 1 s'],
    [40, 'Redis unreachable; reconnecting (said again every 30 s while it lasts)'],
    [20, 'Could not fetch jobs; retrying in 1 s'],
    [40, 'Could not fire schedules'],
    [40, 'HTTP workers: recovering leases failed'],
  ]);
});

test('a loop that keeps failing with the connection open warns once per 30 s, with a count', () => {
  const { logger, lines } = recordingLogger();
  let clock = 0;
  const outage = new RedisOutageLog(logger, () => clock);
  outage.connected();
  // A frozen Redis: the socket stays open and each call times out.
  const timedOut = new Error('Command timed out');
  for (let second = 0; second < 65; second++, clock += 1000)
    logLoopFailure(logger, outage, timedOut, 'Could not fire schedules; will try again');
  const warned = lines.filter((line) => line.level === 40);
  expect(warned.map((line) => line.failed_since_last_said)).toEqual([undefined, 29, 29]);
  expect(lines.filter((line) => line.level === 20)).toHaveLength(62);
});

test('a connection error that is not Redis being away is said as it is, not as an outage', async () => {
  const { logger, lines } = recordingLogger();
  const outage = new RedisOutageLog(logger);
  // Redis has 16 databases here: selecting the 99th fails on every connect.
  const client = createRedis({ redisUrl: `${server.url}/99` }).on('error', () => undefined);
  outage.watch(client);
  try {
    await until('the connection error', () => lines.length >= 1);
  } finally {
    client.disconnect();
  }
  expect(outage.down).toBe(false);
  expect(lines[0]).toMatchObject({ level: 40, msg: 'Redis connection error' });
  expect(JSON.stringify(lines[0])).toContain('DB index is out of range');
});

test("a connection watched once it is up takes Redis's own refusals as news, not as an outage", async () => {
  const { logger, lines } = recordingLogger();
  const connection = createRedis({ redisUrl: server.url });
  try {
    await until('the connection', () => connection.status === 'ready');
    const outage = new RedisOutageLog(logger).watch(connection);
    const full = new Error("OOM command not allowed when used memory > 'maxmemory'.");
    logLoopFailure(logger, outage, full, 'Redis unavailable while recording complete; retrying');
    expect(lines.map(({ level, msg }) => [level, msg])).toEqual([
      [40, 'Redis unavailable while recording complete; retrying'],
    ]);
  } finally {
    connection.disconnect();
  }
});

// The test helpers themselves: a redis-server of a test's own survives kill -9 and restart with
// its append-only data, and a service process is observed and stopped for real.
import Redis from 'ioredis';
import { RedisServerProcess } from './redis-server';
import { testRedisUrl, uniqueQueueName } from './redis-url';
import { ServiceProcess } from './service-process';

function connect(url: string): Redis {
  // No reconnecting in the background: a test that has killed Redis must see it as gone.
  return new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
}

describe('RedisServerProcess', () => {
  it('keeps appendonly data across kill -9 and a restart on the same port', async () => {
    const server = new RedisServerProcess({ appendonly: true, args: ['--appendfsync', 'always'] });
    await server.start();
    const port = server.port;
    const before = connect(server.url);
    await before.connect();
    await before.set('job:survivor', 'still here');
    before.disconnect();

    await server.kill();
    expect(server.running).toBe(false);
    await server.restart();

    expect(server.port).toBe(port);
    const after = connect(server.url);
    await after.connect();
    try {
      expect(await after.get('job:survivor')).toBe('still here');
    } finally {
      after.disconnect();
      await server.dispose();
    }
  });

  it('keeps nothing across a restart without appendonly', async () => {
    const server = await new RedisServerProcess().start();
    const client = connect(server.url);
    await client.connect();
    await client.set('job:ephemeral', 'gone after restart');
    client.disconnect();

    await server.kill();
    await server.restart();

    const again = connect(server.url);
    await again.connect();
    try {
      expect(await again.get('job:ephemeral')).toBeNull();
    } finally {
      again.disconnect();
      await server.dispose();
    }
  });

  it('answers nothing while paused and again once resumed', async () => {
    const server = await new RedisServerProcess().start();
    const client = new Redis(server.url, { commandTimeout: 300, maxRetriesPerRequest: 0 });
    try {
      expect(await client.ping()).toBe('PONG');
      server.pause();
      await expect(client.ping()).rejects.toThrow(/timed out/i);
      server.resume();
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
      await server.dispose();
    }
  });
});

describe('ServiceProcess', () => {
  it('parses JSON log lines, waits for them and reports the exit signal', async () => {
    // The handler goes in before the first line: the test signals as soon as it reads the lines.
    const script = `
      process.on('SIGTERM', () => { console.log(JSON.stringify({ level: 30, msg: 'stopping' })); process.exit(0); });
      console.log(JSON.stringify({ level: 30, msg: 'listening', port: 1234 }));
      console.log('plain line');
      setInterval(() => {}, 1000);`;
    const service = new ServiceProcess(process.execPath, ['-e', script], { name: 'fake service' });

    expect((await service.waitForLog((log) => log.msg === 'listening')).port).toBe(1234);
    expect(await service.waitForLine('plain')).toBe('plain line');
    service.signal('SIGTERM');
    expect(await service.waitForExit(5_000)).toEqual({ code: 0, signal: null });
    expect(service.logs.map((log) => log.msg)).toEqual(['listening', 'stopping']);
  });

  it('kills a process that ignores SIGTERM once the grace period is over', async () => {
    const script = `process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000);`;
    const service = new ServiceProcess(process.execPath, ['-e', script]);
    await service.waitForLine('ready');
    expect(await service.stop(200)).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('fails a wait at once, with the output, when the process exits', async () => {
    const service = new ServiceProcess(process.execPath, [
      '-e',
      'console.log("bye"); process.exit(3)',
    ]);
    await expect(service.waitForLine('never printed')).rejects.toThrow(
      /exited while waiting[\s\S]*bye/,
    );
    expect(service.exited).toEqual({ code: 3, signal: null });
  });
});

describe('the run-wide Redis', () => {
  it('is published as TEST_REDIS_URL and is not the shared server on 6379', async () => {
    const url = testRedisUrl();
    const source = process.env.TEST_REDIS_SOURCE;
    expect(['REDIS_URL', 'container', 'spawned']).toContain(source);
    // Only a REDIS_URL the user gave may point at the shared server.
    if (source !== 'REDIS_URL') expect(new URL(url).port).not.toBe('6379');
    const client = connect(url);
    await client.connect();
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
    expect(uniqueQueueName()).toMatch(/^test-[0-9a-f-]{36}$/);
  });
});

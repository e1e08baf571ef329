// The test support itself: a service process is observed and stopped for real, and the run's
// shared Redis is never the one on 6379.
import Redis from 'ioredis';
import { testRedisUrl, uniqueQueueName } from './redis-url';
import { ServiceProcess } from './service-process';

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
    const client = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    try {
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.disconnect();
    }
    expect(uniqueQueueName()).toMatch(/^test-[0-9a-f-]{36}$/);
  });
});

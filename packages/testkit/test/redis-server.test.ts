// A redis-server of one's own survives kill -9 and restart with its append-only data, keeps
// nothing without it, freezes and thaws, takes a password, a port and a data folder it is given,
// and can lead a process group of its own.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { freePort, pingRedis, RedisServerProcess } from '@jobqueue/testkit';

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

  it('is ready when a server started with --requirepass answers NOAUTH', async () => {
    const server = await new RedisServerProcess({ args: ['--requirepass', 'secret'] }).start();
    try {
      expect(await pingRedis(server.port)).toMatch(/^-NOAUTH/);
      const client = new Redis(server.url, { password: 'secret', maxRetriesPerRequest: 0 });
      try {
        expect(await client.ping()).toBe('PONG');
      } finally {
        client.disconnect();
      }
    } finally {
      await server.dispose();
    }
  });

  it('uses the port and data folder it is given, and leaves the folder to its owner', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'jobqueue-testkit-'));
    const port = await freePort();
    const server = new RedisServerProcess({ port, dataDir, appendonly: true });
    try {
      await server.start();
      expect(server.url).toBe(`redis://127.0.0.1:${port}`);
      await server.dispose();
      expect(readdirSync(dataDir)).toContain('appendonlydir');
    } finally {
      await server.dispose();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('runs in a process group of its own when detached', async () => {
    const server = await new RedisServerProcess({ detached: true }).start();
    try {
      const pid = server.childProcess!.pid!;
      process.kill(-pid, 0); // throws ESRCH unless the server leads a group of its own
    } finally {
      await server.dispose();
    }
  });
});

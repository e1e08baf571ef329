// Finding a Redis for `npm start`: ask REDIS_URL with a raw PING, and when nothing answers on
// this machine, run a redis-server of our own there, its data in ./.run/redis. The PING and the
// redis-server are the testkit's, as built by `npm run build`.
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { repoRoot } from './commands.mjs';

export const defaultRedisUrl = 'redis://127.0.0.1:6379';

/** host and port of a redis:// URL (brackets of an IPv6 host removed). */
export function redisAddress(url) {
  const parsed = new URL(url);
  return {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: Number(parsed.port || 6379),
    password: decodeURIComponent(parsed.password),
    tls: parsed.protocol === 'rediss:',
  };
}

export function isLocalHost(host) {
  return (
    ['localhost', '127.0.0.1', '::1', '0.0.0.0', '::'].includes(host) || host.startsWith('127.')
  );
}

/** Whether anything Redis-like answers PING (an error reply such as NOAUTH counts as an answer). */
export async function redisAnswers({ host, port }, timeoutMs = 1000) {
  const reply = await testkit().pingRedis(port, host, timeoutMs);
  return reply !== undefined && /^[+-]/.test(reply);
}

/**
 * Starts redis-server for `address` in its own process group (so Ctrl+C reaches it only through
 * us, after the services stopped) and resolves with it (a RedisServerProcess) once it answers.
 * Durable like production is advised to be: appendonly, and noeviction so jobs are never evicted.
 */
export async function startLocalRedis(address) {
  const dataDir = `${repoRoot}/.run/redis`;
  mkdirSync(dataDir, { recursive: true });
  const { RedisServerProcess } = testkit();
  // prettier-ignore
  const server = new RedisServerProcess({
    port: address.port,
    dataDir,
    appendonly: true,
    detached: true,
    startTimeoutMs: 60_000, // it replays its append-only file before it answers
    args: [
      '--bind', '127.0.0.1', '-::1',
      '--maxmemory-policy', 'noeviction',
      '--loglevel', 'warning',
      ...(address.password ? ['--requirepass', address.password] : []),
    ],
  });
  return server.start();
}

// Loaded on first use: this module is imported before `npm start` has installed and built.
function testkit() {
  return createRequire(import.meta.url)('@jobqueue/testkit');
}

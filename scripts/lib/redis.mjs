// Finding a Redis for `npm start`: ask REDIS_URL with a raw PING, and when nothing answers on
// this machine, run a redis-server of our own there, its data in ./.run/redis.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
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
export function redisAnswers({ host, port }, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (answered) => {
      socket.destroy();
      resolve(answered);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (chunk) => finish(/^[+-]/.test(chunk.toString('utf8'))));
  });
}

/**
 * Spawns redis-server for `address` in its own process group (so Ctrl+C reaches it only through
 * us, after the services stopped) and resolves once it answers. Durable like production is
 * advised to be: appendonly, and noeviction so jobs are never evicted.
 */
export async function startLocalRedis(address) {
  const dataDir = `${repoRoot}/.run/redis`;
  mkdirSync(dataDir, { recursive: true });
  const args = [
    ...['--port', String(address.port), '--bind', '127.0.0.1', '-::1'],
    ...['--dir', dataDir, '--appendonly', 'yes', '--maxmemory-policy', 'noeviction'],
    ...['--daemonize', 'no', '--loglevel', 'warning'],
    ...(address.password ? ['--requirepass', address.password] : []),
  ];
  const child = spawn('redis-server', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const failure = new Promise((resolve) => {
    child.once('error', (error) =>
      resolve(
        error.code === 'ENOENT'
          ? 'redis-server is not installed (Debian: apt-get install redis-server)'
          : error.message,
      ),
    );
    child.once('exit', (code) => resolve(`redis-server exited with code ${code}`));
  });
  for (let waited = 0; waited < 10_000; waited += 100) {
    const outcome = await Promise.race([failure, sleep(100).then(() => undefined)]);
    if (outcome) throw new Error(outcome);
    if (await redisAnswers(address, 300)) return child;
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server did not answer on port ${address.port} within 10 s`);
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

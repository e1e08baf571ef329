// A local Redis Cluster for measuring and trying things: N masters, each a
// `redis-server --cluster-enabled yes` on a loopback port with its data in a folder of its own,
// joined and given all 16384 hash slots by `redis-cli --cluster create`. Durable as production
// is advised to be: append-only file fsynced every second, noeviction.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Redis from 'ioredis';

const HOST = '127.0.0.1';
const exec = promisify(execFile);

/** Runs redis-cli on loopback (`-p <port>` in args picks the node); resolves its output. */
export async function redisCli(args) {
  const { stdout } = await exec('redis-cli', ['-h', HOST, ...args], { timeout: 30_000 });
  return stdout.trim();
}

export async function startRedisCluster(masterCount = 3) {
  const dir = mkdtempSync(join(tmpdir(), 'jobqueue-cluster-'));
  const masters = [];
  try {
    for (let i = 0; i < masterCount; i++) masters.push(await startMaster(join(dir, `node-${i}`)));
    const nodes = masters.map(({ port }) => `${HOST}:${port}`);
    await redisCli(['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes']);
    for (const { port } of masters) await waitUntilOk(port);
    return {
      /** host:port of every master, as REDIS_CLUSTER_NODES takes them. */
      nodes,
      masters,
      /** The master (host:port) serving `key`'s hash slot. */
      async nodeServing(key) {
        const redis = new Redis(masters[0].port, HOST);
        try {
          const slot = await redis.cluster('KEYSLOT', key);
          const ranges = await redis.cluster('SLOTS');
          const [, , [host, port]] = ranges.find(([from, to]) => slot >= from && slot <= to);
          return `${host}:${port}`;
        } finally {
          redis.disconnect();
        }
      },
      async stop() {
        for (const master of masters) master.child.kill('SIGTERM');
        await Promise.all(masters.map((master) => master.exited));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const master of masters) master.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startMaster(dataDir) {
  mkdirSync(dataDir, { recursive: true });
  const port = await freePort();
  // The cluster bus gets a port of its own: the default (port + 10000) may be taken or past 65535.
  const busPort = await freePort();
  // prettier-ignore
  const args = [
    '--port', String(port), '--bind', HOST, '--dir', dataDir, '--daemonize', 'no',
    '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
    '--cluster-port', String(busPort), '--cluster-node-timeout', '5000',
    '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '',
    '--maxmemory-policy', 'noeviction', '--loglevel', 'warning',
  ];
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (let waited = 0; waited < 10_000; waited += 100) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited at start`);
    const reply = await redisCli(['-p', String(port), 'PING']).catch(() => '');
    if (reply === 'PONG') return { port, child, exited };
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer within 10 s`);
}

async function waitUntilOk(port) {
  for (let waited = 0; waited < 20_000; waited += 100) {
    if ((await redisCli(['-p', String(port), 'CLUSTER', 'INFO'])).includes('cluster_state:ok'))
      return;
    await sleep(100);
  }
  throw new Error(`the cluster node on port ${port} did not reach cluster_state:ok`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

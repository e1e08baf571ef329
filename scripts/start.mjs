// `npm start`: one command from a fresh checkout to a running stack. Installs what is missing,
// builds, makes sure a Redis answers at REDIS_URL (starting one here if none does), runs the api,
// the worker and the tester page when it exists, and stops them all on Ctrl+C or when one dies.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { ensureDependencies, repoRoot, run } from './lib/commands.mjs';
import { ManagedProcess, terminalPrettifier } from './lib/processes.mjs';
import {
  defaultRedisUrl,
  isLocalHost,
  redisAddress,
  redisAnswers,
  startLocalRedis,
} from './lib/redis.mjs';

// The worker may take SHUTDOWN_TIMEOUT_MS to finish its running jobs; then a little slack.
const graceMs = Number(process.env.SHUTDOWN_TIMEOUT_MS || 10_000) + 5_000;
const apiPort = process.env.PORT || 5000;
const apiUrl = `http://localhost:${apiPort}`;
const testerUrl = `http://localhost:${process.env.UI_PORT || 8501}`;

const services = [];
let stopping = false;
let stoppingSince = 0;
/** Two SIGINTs this close together are one Ctrl+C (see ctrlCAgain). */
const SAME_CTRL_C_MS = 1_000;

await ensureDependencies();
if ((await run('npm', ['run', 'build'])) !== 0) fail('the build failed (see above)');
const localRedis = await ensureRedis(process.env.REDIS_URL || defaultRedisUrl);

const workspaces = ['services/api', 'services/worker'];
if (hasStartScript('services/tester-ui')) workspaces.push('services/tester-ui');
const prefixWidth = Math.max(...workspaces.map((w) => w.split('/')[1].length), 'redis'.length);
const prettify = await terminalPrettifier();
const redis = localRedis && manage('redis', localRedis.childProcess, 'red');
// What it wrote while starting (warnings about this machine's settings) was read while waiting.
redis?.print(localRedis.recentOutput());
process.on('SIGINT', () => (stopping ? ctrlCAgain() : shutdown('Ctrl+C')));
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGHUP', () => shutdown('SIGHUP'));
// A signal sent to `npm start` itself ends npm and its shell without reaching us: once the
// process that started us is gone, stop everything as for Ctrl+C, never leaving the stack behind.
const launcher = process.ppid;
setInterval(() => {
  if (process.ppid !== launcher) shutdown('npm start was stopped');
}, 250).unref();

const colors = ['cyan', 'magenta', 'yellow'];
// The tester page proxies /api to the API: point it at the port the API listens on here.
const env = { ...process.env, API_URL: process.env.API_URL || `http://127.0.0.1:${apiPort}` };
for (const [i, workspace] of workspaces.entries()) {
  const child = spawn('npm', ['run', 'start', '--silent', '-w', workspace], {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  services.push(manage(workspace.split('/')[1], child, colors[i]));
}

await announceWhenReady();

function manage(name, child, color) {
  const managed = new ManagedProcess(name, child, { prefixWidth, color, prettify });
  managed.exited.then(({ code, signal, error }) => {
    if (stopping) return;
    const how = error ? error.message : signal ? `killed by ${signal}` : `exit code ${code}`;
    console.error(`\n${name} stopped unexpectedly (${how}); stopping the others.`);
    shutdown(undefined, 1);
  });
  return managed;
}

async function ensureRedis(url) {
  const address = redisAddress(url);
  const shown = url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
  if (address.tls || (await redisAnswers(address))) {
    console.log(`Redis: using ${shown}`);
    return undefined;
  }
  if (!isLocalHost(address.host)) {
    console.log(
      `Redis: nothing answers at ${shown}; the services will keep retrying until it does.`,
    );
    return undefined;
  }
  try {
    const child = await startLocalRedis(address);
    console.log(
      `Redis: nothing answered at ${shown}, so started redis-server on port ${address.port} (data in .run/redis)`,
    );
    return child;
  } catch (error) {
    fail(
      `no Redis answers at ${shown} and one could not be started: ${error.message}. Set REDIS_URL to a running Redis.`,
    );
  }
}

function hasStartScript(workspace) {
  const manifest = `${repoRoot}/${workspace}/package.json`;
  return existsSync(manifest) && Boolean(JSON.parse(readFileSync(manifest, 'utf8')).scripts?.start);
}

async function announceWhenReady() {
  const urls = [`${apiUrl}/health`];
  if (workspaces.includes('services/tester-ui')) urls.push(testerUrl);
  for (let waited = 0; waited < 120_000 && !stopping; waited += 250) {
    if ((await Promise.all(urls.map(answers))).every(Boolean)) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (stopping) return;
  const lines = [`  API          ${apiUrl}   (try: curl ${apiUrl}/stats)`];
  if (urls.length > 1) lines.push(`  tester page  ${testerUrl}`);
  console.log(`\nThe job queue is running:\n${lines.join('\n')}\nPress Ctrl+C to stop.\n`);
}

function answers(url) {
  return fetch(url, { signal: AbortSignal.timeout(1_000) })
    .then((response) => response.ok)
    .catch(() => false);
}

/**
 * One Ctrl+C reaches this process twice: from the terminal, which signals the whole process
 * group, and from npm, which passes its own SIGINT on. Only a Ctrl+C pressed again later means
 * "no more waiting".
 */
function ctrlCAgain() {
  if (Date.now() - stoppingSince < SAME_CTRL_C_MS) return;
  for (const p of [...services, redis]) p?.kill();
  process.exit(130);
}

async function shutdown(reason, exitCode = 0) {
  if (stopping) return;
  stopping = true;
  stoppingSince = Date.now();
  if (reason) console.log(`\n${reason}: stopping (a second Ctrl+C kills at once)...`);
  await Promise.all(services.map((service) => service.stop(graceMs)));
  // Redis last, so the worker can record the jobs it finishes while shutting down.
  await redis?.stop(graceMs);
  console.log('Stopped.');
  process.exit(exitCode);
}

function fail(message) {
  console.error(`npm start: ${message}`);
  process.exit(1);
}

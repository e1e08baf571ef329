// The built queuectl binary run as a child process, the way a person or a script runs it, on a
// queue of the test's own on the run's Redis.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRedis } from '@jobqueue/shared';
import { testRedisUrl, uniqueQueueName } from '../../../test/support/redis-url';
import { REPO_ROOT, ServiceProcess } from '../../../test/support/service-process';

export const QUEUECTL = join(REPO_ROOT, 'packages', 'cli', 'bin', 'queuectl.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export type Env = Record<string, string | undefined>;

/** The environment of a queuectl on a fresh queue: fast mock emails that never fail, short backoffs. */
export function queueEnv(overrides: Env = {}): Env {
  return {
    REDIS_URL: testRedisUrl(),
    QUEUE_NAME: uniqueQueueName('cli'),
    MOCK_EMAIL_DELAY_MS: '0',
    MOCK_EMAIL_FAILURE_RATE: '0',
    BACKOFF_BASE_MS: '50',
    ALLOW_SHELL_JOBS: undefined,
    NO_COLOR: undefined,
    FORCE_COLOR: undefined,
    ...overrides,
  };
}

function assertBuilt(): void {
  if (!existsSync(join(REPO_ROOT, 'packages', 'cli', 'dist', 'main.js'))) {
    throw new Error(
      'packages/cli/dist/main.js does not exist: build first (npm run build; npm test does it)',
    );
  }
}

/** Runs `queuectl ...args` to its end; `input` is written to its stdin. */
export function queuectl(args: string[], env: Env, input?: string): Promise<Run> {
  assertBuilt();
  return runToEnd([process.execPath, QUEUECTL, ...args], env, input);
}

/** Runs a command line to its end, killing it if it runs past `timeoutMs`. */
export function runToEnd(
  commandLine: string[],
  env: Env,
  input?: string,
  timeoutMs = 20_000,
): Promise<Run> {
  const [command, ...args] = commandLine as [string, ...string[]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: REPO_ROOT,
      env: mergeEnv(env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`${commandLine.join(' ')} still ran after ${timeoutMs} ms\n${stdout}\n${stderr}`),
      );
    }, timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** Runs a command that prints JSON on stdout and succeeds; resolves with the parsed JSON. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function queuectlJson(args: string[], env: Env): Promise<any> {
  const run = await queuectl([...args, '--json'], env);
  if (run.code !== 0) {
    throw new Error(`queuectl ${args.join(' ')} exited ${run.code}\n${run.stdout}\n${run.stderr}`);
  }
  return JSON.parse(run.stdout);
}

/** Starts a long-running queuectl (worker, stats --watch, logs --follow); tracked and killed after the file. */
export function startQueuectl(args: string[], env: Env): ServiceProcess {
  assertBuilt();
  return new ServiceProcess(process.execPath, [QUEUECTL, ...args], {
    name: `queuectl ${args.join(' ')}`,
    env,
  });
}

function mergeEnv(overrides: Env): NodeJS.ProcessEnv {
  const env = { ...process.env, ...overrides };
  for (const [name, value] of Object.entries(overrides)) if (value === undefined) delete env[name];
  return env;
}

/** The job id queuectl enqueue printed. */
export function printedId(run: Run): string {
  const id = run.stdout.trim();
  if (!/^[0-9a-f-]{36}$/.test(id))
    throw new Error(`expected a job id, got: ${run.stdout}\n${run.stderr}`);
  return id;
}

/** Deletes every key of the queue an environment names (the run's Redis is shared by test files). */
export async function dropQueue(env: Env): Promise<void> {
  const redis = createRedis({ redisUrl: env.REDIS_URL! });
  try {
    const keys = await redis.keys(`jq:{${env.QUEUE_NAME}}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

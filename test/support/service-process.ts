// A real service process under test (the built api or worker, or any command): its output as
// lines and parsed pino records, waits on what it logs or serves, and signals to stop or kill it.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import {
  delay,
  type ProcessExit,
  track,
  type TrackedProcess,
  untrack,
  withinMs,
} from '@jobqueue/testkit';

/** One JSON line a service logged (pino: `level`, `time`, `msg` and the record's own fields). */
export interface LogRecord {
  msg?: string;
  level?: number;
  [field: string]: unknown;
}

export interface ServiceOptions {
  /** Variables added to (or, when undefined, removed from) the test process's environment. */
  env?: Record<string, string | undefined>;
  /** Default: the repository root. */
  cwd?: string;
  /** Shown in error messages; default: the command. */
  name?: string;
  /**
   * Run the command in a process group of its own and signal the whole group, as a terminal's
   * Ctrl+C or a container stop does: for wrappers such as `npm run`, which do not pass SIGTERM on.
   * The process then counts as exited once every process of the group has closed its output.
   */
  processGroup?: boolean;
}

export type LineMatch = string | RegExp | ((line: string) => boolean);

export const REPO_ROOT = resolve(__dirname, '..', '..');
const OUTPUT_LINES_SHOWN = 30;

export class ServiceProcess implements TrackedProcess {
  /** Every line the process wrote, stdout and stderr, in order of arrival. */
  readonly lines: string[] = [];
  /** The stdout lines that are JSON objects: the service's log records. */
  readonly logs: LogRecord[] = [];
  readonly name: string;
  private readonly child: ChildProcess;
  private readonly processGroup: boolean;
  private readonly exit: Promise<ProcessExit>;
  private exitStatus: ProcessExit | undefined;
  private readonly outputListeners = new Set<() => void>();

  constructor(command: string, args: string[] = [], options: ServiceOptions = {}) {
    this.name = options.name ?? [command, ...args].join(' ');
    this.processGroup = options.processGroup ?? false;
    this.child = spawn(command, args, {
      cwd: options.cwd ?? REPO_ROOT,
      env: mergeEnv(process.env, options.env ?? {}),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: this.processGroup,
    });
    this.exit = new Promise((resolve) => {
      this.child.once('error', (error) => {
        this.lines.push(`could not start ${this.name}: ${error.message}`);
        this.settle({ code: null, signal: null }, resolve);
      });
      // 'close' waits for the output pipes, which the group's other processes hold until they end.
      const ended = this.processGroup ? 'close' : 'exit';
      this.child.once(ended, (code, signal) => this.settle({ code, signal }, resolve));
    });
    this.readLines(this.child.stdout, true);
    this.readLines(this.child.stderr, false);
    track(this);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** How the process ended, or undefined while it runs. */
  get exited(): ProcessExit | undefined {
    return this.exitStatus;
  }

  /** Resolves with the first line (already written or still to come) that matches. */
  waitForLine(match: LineMatch, timeoutMs = 10_000): Promise<string> {
    const test = toPredicate(match);
    return this.waitFor(() => this.lines.find(test), `a line matching ${String(match)}`, timeoutMs);
  }

  /** Resolves with the first log record (already written or still to come) that matches. */
  waitForLog(predicate: (log: LogRecord) => boolean, timeoutMs = 10_000): Promise<LogRecord> {
    return this.waitFor(() => this.logs.find(predicate), 'a matching log record', timeoutMs);
  }

  /** Polls `url` until it answers 2xx; fails early if the process exits. */
  async waitForHttp(url: string, timeoutMs = 15_000): Promise<Response> {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer';
    while (Date.now() < deadline) {
      if (this.exitStatus) throw this.failure(`exited before ${url} answered`);
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
        if (response.ok) return response;
        last = `HTTP ${response.status}`;
        await response.body?.cancel();
      } catch (error) {
        last = (error as Error).message;
      }
      await delay(100);
    }
    throw this.failure(`${url} did not answer 2xx within ${timeoutMs} ms (last: ${last})`);
  }

  signal(signal: NodeJS.Signals): void {
    if (this.exitStatus) return;
    if (!this.processGroup || this.child.pid === undefined) {
      this.child.kill(signal);
      return;
    }
    try {
      process.kill(-this.child.pid, signal);
    } catch {
      // The group is already gone.
    }
  }

  /** Resolves with the exit code or signal; rejects if the process still runs after `timeoutMs`. */
  async waitForExit(timeoutMs = 15_000): Promise<ProcessExit> {
    const exit = await withinMs(this.exit, timeoutMs);
    if (!exit) throw this.failure(`still running after ${timeoutMs} ms`);
    return exit;
  }

  /** SIGTERM, then SIGKILL if the process has not exited after `graceMs`. Never throws. */
  async stop(graceMs = 5_000): Promise<ProcessExit> {
    untrack(this);
    this.signal('SIGTERM');
    const exit = await withinMs(this.exit, graceMs);
    if (exit) return exit;
    this.signal('SIGKILL');
    return this.exit;
  }

  async dispose(): Promise<void> {
    await this.stop();
  }

  killNow(): void {
    this.signal('SIGKILL');
  }

  /** An error naming the process, with its last output lines: what a failing test needs to see. */
  failure(problem: string): Error {
    const tail = this.lines.slice(-OUTPUT_LINES_SHOWN).join('\n');
    return new Error(`${this.name} (pid ${this.pid}) ${problem}\n--- last output ---\n${tail}`);
  }

  private waitFor<T>(find: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = find();
        if (found !== undefined) return done(() => resolve(found));
        if (this.exitStatus) done(() => reject(this.failure(`exited while waiting for ${what}`)));
      };
      const timer = setTimeout(
        () => done(() => reject(this.failure(`wrote no ${what} within ${timeoutMs} ms`))),
        timeoutMs,
      );
      const done = (settle: () => void) => {
        clearTimeout(timer);
        this.outputListeners.delete(check);
        settle();
      };
      this.outputListeners.add(check);
      check();
    });
  }

  private readLines(stream: NodeJS.ReadableStream | null, isStdout: boolean): void {
    if (!stream) return;
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      this.lines.push(line);
      const record = isStdout ? parseLogRecord(line) : undefined;
      if (record) this.logs.push(record);
      this.notify();
    });
  }

  private settle(exit: ProcessExit, resolve: (exit: ProcessExit) => void): void {
    if (this.exitStatus) return;
    this.exitStatus = exit;
    resolve(exit);
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.outputListeners]) listener();
  }
}

/** Starts a built service, e.g. `startService('api', { REDIS_URL, QUEUE_NAME, PORT })`. */
export function startService(
  service: 'api' | 'worker',
  env: Record<string, string | undefined>,
  options: Omit<ServiceOptions, 'env'> = {},
): ServiceProcess {
  const main = join(REPO_ROOT, 'services', service, 'dist', 'main.js');
  if (!existsSync(main)) {
    throw new Error(`${main} does not exist: build first (npm run build; npm test does it)`);
  }
  return new ServiceProcess(process.execPath, [main], { name: service, ...options, env });
}

function mergeEnv(
  base: NodeJS.ProcessEnv,
  overrides: Record<string, string | undefined>,
): NodeJS.ProcessEnv {
  const env = { ...base, ...overrides };
  for (const [name, value] of Object.entries(overrides)) if (value === undefined) delete env[name];
  return env;
}

function parseLogRecord(line: string): LogRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as LogRecord) : undefined;
  } catch {
    return undefined;
  }
}

function toPredicate(match: LineMatch): (line: string) => boolean {
  if (typeof match === 'function') return match;
  if (typeof match === 'string') return (line) => line.includes(match);
  return (line) => match.test(line);
}

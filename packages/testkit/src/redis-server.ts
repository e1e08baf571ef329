// A redis-server of one's own, for a test, a benchmark or a chaos run that must stop, kill, pause
// or restart Redis. It keeps its port and data folder across restarts, so a caller can prove what
// survives a crash.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';
import { pingRedis } from './redis-ping';
import { delay, withinMs } from './timing';
import { track, untrack, type TrackedProcess } from './tracked-processes';

export interface RedisServerOptions {
  /** `appendonly yes` when true; default false (nothing is written to disk). */
  appendonly?: boolean;
  /** More redis-server arguments, e.g. `['--appendfsync', 'always']`. */
  args?: string[];
  /** Default: a free port, chosen at the first start and kept by restart(). */
  port?: number;
  /** Default: a fresh temporary folder, removed by dispose(). */
  dataDir?: string;
  /** How long start() waits for the server to answer PING; default 10 s. */
  startTimeoutMs?: number;
  /**
   * Run it in a process group of its own, so that a terminal's Ctrl+C reaches it only through its
   * owner (npm start stops its services first, Redis last); default false.
   */
  detached?: boolean;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const HOST = '127.0.0.1';
const OUTPUT_LINES_KEPT = 40;

export class RedisServerProcess implements TrackedProcess {
  private child: ChildProcess | undefined;
  private exit: Promise<ProcessExit> | undefined;
  private readonly output: string[] = [];
  private readonly ownsDataDir: boolean;
  private assignedPort: number | undefined;
  readonly dataDir: string;

  constructor(private readonly options: RedisServerOptions = {}) {
    this.assignedPort = options.port;
    this.ownsDataDir = options.dataDir === undefined;
    this.dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'jobqueue-redis-'));
    track(this);
  }

  get port(): number {
    if (this.assignedPort === undefined) throw new Error('redis-server has not been started yet');
    return this.assignedPort;
  }

  get url(): string {
    return `redis://${HOST}:${this.port}`;
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** The running redis-server, for an owner that supervises it itself (its output, its group). */
  get childProcess(): ChildProcess | undefined {
    return this.child;
  }

  /** Starts the server and resolves once it answers PING. */
  async start(): Promise<this> {
    if (this.child) throw new Error(`redis-server is already running on port ${this.port}`);
    // A port picked here could be taken by someone else before redis binds it: pick again then.
    const attempts = this.assignedPort === undefined ? 3 : 1;
    for (let attempt = 1; ; attempt++) {
      this.assignedPort ??= await freePort(HOST);
      try {
        await this.spawnAndWaitUntilReady();
        return this;
      } catch (error) {
        if (attempt >= attempts || !this.output.some((l) => l.includes('Address already in use'))) {
          throw error;
        }
        this.assignedPort = undefined;
      }
    }
  }

  /** Graceful shutdown (SIGTERM, as `redis-cli shutdown` would), then SIGKILL if it hangs. */
  async stop(timeoutMs = 10_000): Promise<ProcessExit | undefined> {
    const child = this.child;
    if (!child || !this.exit) return undefined;
    child.kill('SIGCONT'); // a paused server cannot handle SIGTERM
    child.kill('SIGTERM');
    return (await withinMs(this.exit, timeoutMs)) ?? this.kill();
  }

  /** A crash: SIGKILL, no chance to flush anything not yet on disk. */
  async kill(): Promise<ProcessExit | undefined> {
    if (!this.child || !this.exit) return undefined;
    this.child.kill('SIGKILL');
    return this.exit;
  }

  /** Freezes the server (SIGSTOP): connections stay open but nothing answers. */
  pause(): void {
    this.requireChild().kill('SIGSTOP');
  }

  resume(): void {
    this.requireChild().kill('SIGCONT');
  }

  /** Stops the server if it runs, then starts it again on the same port with the same data. */
  async restart(): Promise<this> {
    await this.stop();
    return this.start();
  }

  async dispose(): Promise<void> {
    untrack(this);
    await this.stop();
    if (this.ownsDataDir) rmSync(this.dataDir, { recursive: true, force: true });
  }

  killNow(): void {
    this.child?.kill('SIGKILL');
  }

  /** The server's last output lines, for error messages. */
  recentOutput(): string {
    return this.output.join('\n');
  }

  private async spawnAndWaitUntilReady(): Promise<void> {
    this.output.length = 0;
    // One flag and its value per line.
    // prettier-ignore
    const args = [
      '--port', String(this.port),
      '--bind', HOST,
      '--dir', this.dataDir,
      '--save', '',
      '--appendonly', this.options.appendonly ? 'yes' : 'no',
      '--daemonize', 'no',
      ...(this.options.args ?? []),
    ];
    const child = spawn('redis-server', args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: this.options.detached ?? false,
    });
    this.child = child;
    this.exit = new Promise((resolve) => {
      // 'close': the process has exited and its output pipes are closed, so nothing of it is left.
      child.once('close', (code, signal) => {
        if (this.child === child) this.child = undefined;
        resolve({ code, signal });
      });
    });
    const spawnFailure = new Promise<Error>((resolve) => child.once('error', resolve));
    for (const stream of [child.stdout, child.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (text: string) => this.remember(text));
    }

    const deadline = Date.now() + (this.options.startTimeoutMs ?? 10_000);
    while (Date.now() < deadline) {
      const outcome = await Promise.race([
        pingRedis(this.port, HOST).then((reply) => ({ reply })),
        this.exit.then((exit) => ({ exit })),
        spawnFailure.then((error) => ({ error })),
      ]);
      if ('reply' in outcome && isReady(outcome.reply)) return;
      if ('error' in outcome) {
        const { code, message } = outcome.error as NodeJS.ErrnoException;
        throw new Error(
          code === 'ENOENT'
            ? 'redis-server is not installed (Debian: apt-get install redis-server)'
            : `could not run redis-server: ${message}`,
        );
      }
      if ('exit' in outcome) {
        throw new Error(
          `redis-server on port ${this.port} exited during start ` +
            `(${outcome.exit.signal ?? `code ${outcome.exit.code}`}):\n${this.recentOutput()}`,
        );
      }
      await delay(25); // no answer yet, or -LOADING while it replays its append-only file
    }
    child.kill('SIGKILL');
    await this.exit;
    throw new Error(
      `redis-server on port ${this.port} did not answer PING:\n${this.recentOutput()}`,
    );
  }

  private remember(text: string): void {
    this.output.push(...text.split('\n').filter((line) => line.trim() !== ''));
    this.output.splice(0, Math.max(0, this.output.length - OUTPUT_LINES_KEPT));
  }

  private requireChild(): ChildProcess {
    if (!this.child) throw new Error('redis-server is not running');
    return this.child;
  }
}

/**
 * PONG; or NOAUTH, from a server started with --requirepass: it answers before any password is
 * checked, so it may still be replaying its append-only file (a client then sees -LOADING and
 * retries, as ioredis does).
 */
function isReady(reply: string | undefined): boolean {
  return reply === '+PONG' || (reply?.startsWith('-NOAUTH') ?? false);
}

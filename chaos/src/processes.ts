// The real processes a chaos run drives: redis-server with its own port and data folder (kept
// across kills and restarts), and node services whose output is read line by line.

import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const TAIL_LINES = 200;

/** A child process with its last output lines, its exit and a line hook. */
export class ChildService {
  readonly tail: string[] = [];
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  private readonly child: ChildProcess;
  private readonly lineHooks = new Set<(line: string) => void>();

  constructor(
    readonly name: string,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.child.once('error', () => resolve((this.exit = { code: null, signal: null })));
      this.child.once('exit', (code, signal) => resolve((this.exit = { code, signal })));
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (!stream) continue;
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
        this.tail.push(line);
        if (this.tail.length > TAIL_LINES) this.tail.shift();
        for (const hook of this.lineHooks) hook(line);
      });
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exit === undefined;
  }

  signal(signal: NodeJS.Signals): void {
    if (this.alive) this.child.kill(signal);
  }

  onLine(hook: (line: string) => void): void {
    this.lineHooks.add(hook);
  }

  /** Resolves with the first line, from now on, that `match` accepts. */
  waitForLine(match: (line: string) => boolean, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.lineHooks.delete(hook);
        reject(this.failure(`wrote no awaited line within ${timeoutMs} ms`));
      }, timeoutMs);
      const hook = (line: string) => {
        if (!match(line)) return;
        clearTimeout(timer);
        this.lineHooks.delete(hook);
        resolve(line);
      };
      this.lineHooks.add(hook);
    });
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 5000): Promise<Exit> {
    if (!this.alive) return this.exited;
    this.signal('SIGCONT'); // a frozen process cannot handle SIGTERM
    this.signal('SIGTERM');
    const exit = await Promise.race([this.exited, sleep(graceMs, undefined, { ref: false })]);
    if (exit) return exit;
    this.signal('SIGKILL');
    return this.exited;
  }

  failure(problem: string): Error {
    return new Error(
      `${this.name} (pid ${this.pid}) ${problem}\n${this.tail.slice(-20).join('\n')}`,
    );
  }
}

/** A redis-server on a fixed port and data folder: kill it, start it again, it finds its data. */
export class RedisServer {
  private process: ChildService | undefined;

  constructor(
    readonly port: number,
    readonly dataDir: string,
    private readonly args: string[],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  get running(): boolean {
    return this.process?.alive ?? false;
  }

  /** Starts it and resolves once it answers PING (after replaying its append-only file). */
  async start(timeoutMs = 20_000): Promise<void> {
    // prettier-ignore
    const args = [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dataDir,
      '--save', '', '--daemonize', 'no', ...this.args,
    ];
    const server = new ChildService(`redis-server :${this.port}`, 'redis-server', args);
    this.process = server;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (!server.alive) throw server.failure('exited during start');
      if ((await ping(this.port)) === '+PONG') return;
      await sleep(25);
    }
    server.signal('SIGKILL');
    throw server.failure(`did not answer PING within ${timeoutMs} ms`);
  }

  /** kill -9: no chance to write anything more. */
  async kill(): Promise<void> {
    this.process?.signal('SIGKILL');
    await this.process?.exited;
  }

  pause(): void {
    this.process?.signal('SIGSTOP');
  }

  resume(): void {
    this.process?.signal('SIGCONT');
  }

  async stop(): Promise<void> {
    await this.process?.stop();
  }
}

/** The first reply line to a raw PING, or undefined: no client library retries behind it. */
function ping(port: number, timeoutMs = 500): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    let reply = '';
    const finish = (line: string | undefined) => {
      socket.destroy();
      resolve(line);
    };
    socket.setTimeout(timeoutMs, () => finish(undefined));
    socket.once('error', () => finish(undefined));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const end = reply.indexOf('\r\n');
      if (end >= 0) finish(reply.slice(0, end));
    });
  });
}

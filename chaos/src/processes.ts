// The node services a chaos run drives (its api and workers), their output read line by line.
// Its redis-server is the testkit's RedisServerProcess.

import { spawn, type ChildProcess } from 'node:child_process';
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

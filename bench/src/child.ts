// A process the benchmark starts (a worker, the API, the bare Koa endpoint): real processes, as
// in production. Workers talk to the bench over Node's IPC channel; every child's stdout (its
// logs) goes to a file, so writing logs costs what it costs and nobody reads them meanwhile.

import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ChildMessage {
  type: string;
  [field: string]: unknown;
}

/** The unit of /proc's CPU times: USER_HZ, 100 on every Linux Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

export class BenchChild {
  private readonly messages: ChildMessage[] = [];
  private waiters: (() => void)[] = [];
  private stderr = '';
  private readonly exited: Promise<unknown>;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (message: ChildMessage) => {
      this.messages.push(message);
      for (const wake of this.waiters.splice(0)) wake();
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => (this.stderr = (this.stderr + text).slice(-4000)));
    this.exited = once(child, 'exit');
    void this.exited.then(() => {
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  /**
   * Starts `script` (a built .js file) with `env` added and `nodeOptions` given to node; its
   * stdout is appended to `logFile`.
   */
  static start(
    name: string,
    script: string,
    env: Record<string, string>,
    logFile: string,
    nodeOptions: string[] = [],
  ) {
    const out = openSync(logFile, 'a');
    const child = fork(script, [], {
      execArgv: [...process.execArgv, ...nodeOptions],
      env: { ...process.env, ...env },
      stdio: ['ignore', out, 'pipe', 'ipc'],
    });
    closeSync(out);
    return new BenchChild(name, child);
  }

  /** The first message of this type, waiting for it if it has not come yet. */
  async next(type: string, timeoutMs = 60_000): Promise<ChildMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.messages.findIndex((message) => message.type === type);
      if (index >= 0) return this.messages.splice(index, 1)[0]!;
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`${this.name} exited before "${type}":\n${this.stderr}`);
      }
      if (Date.now() > deadline)
        throw new Error(`${this.name} sent no "${type}" in ${timeoutMs} ms`);
      await Promise.race([
        new Promise<void>((resolve) => this.waiters.push(resolve)),
        sleep(Math.min(1000, Math.max(1, deadline - Date.now()))),
      ]);
    }
  }

  /** Throws, with the end of its stderr, once the process has exited. */
  assertRunning(): void {
    const ended = this.child.exitCode ?? this.child.signalCode;
    if (ended !== null) throw new Error(`${this.name} exited (${ended}):\n${this.stderr}`);
  }

  /**
   * CPU seconds (user + system, all its threads) the process has used so far, from
   * /proc/<pid>/stat; NaN where there is no /proc (not Linux) or once it has exited.
   */
  cpuSeconds(): number {
    try {
      const stat = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8');
      // Fields after the command name, which is in parentheses and may hold spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
    } catch {
      return NaN;
    }
  }

  send(message: ChildMessage): void {
    this.child.send(message);
  }

  /** SIGTERM (a graceful stop), then SIGKILL if it has not exited within the timeout. */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    await Promise.race([this.exited, sleep(timeoutMs)]);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** A wall-clock time in ms with microsecond resolution, comparable between processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

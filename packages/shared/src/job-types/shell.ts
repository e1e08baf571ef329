// The `shell` job: runs one program with an argv array (no shell, so nothing in the arguments is
// interpolated), with a timeout, and keeps the exit code and the tail of stdout and stderr. A
// non-zero exit fails the attempt. It runs arbitrary commands on worker machines, so processes
// accept and run it only when started with ALLOW_SHELL_JOBS=1; otherwise the registry holds
// `refusedShellJob`, which names the switch in every refusal.

import { spawn } from 'node:child_process';
import { z } from 'zod';
import { defineJobType } from './define';
import type { JobType } from './job-type';

export const DEFAULT_SHELL_TIMEOUT_MS = 60_000;
/** Characters of stdout and of stderr kept in the result. */
export const SHELL_OUTPUT_TAIL = 4096;
const KILL_GRACE_MS = 5000;

export const shellPayload = z.strictObject({
  argv: z
    .array(z.string().max(100_000, 'must be at most 100000 characters'), {
      error: 'must be an array of strings: the program, then its arguments',
    })
    .min(1, 'must name the program to run')
    .max(10_000, 'must have at most 10000 arguments')
    .refine((argv) => argv[0] !== '', 'must start with a program name'),
  timeout_ms: z
    .number()
    .int('must be a whole number')
    .min(1)
    .max(24 * 3600 * 1000)
    .optional(),
  cwd: z.string().min(1, 'must not be empty').optional(),
});
export type ShellPayload = z.infer<typeof shellPayload>;

export interface ShellResult {
  exit_code: number | null;
  /** The signal that ended the program, if one did (the timeout sends SIGTERM, then SIGKILL). */
  signal: string | null;
  timed_out: boolean;
  stdout: string;
  stderr: string;
  duration_ms: number;
}

export const SHELL_REFUSAL =
  '"shell" is turned off here: shell jobs run any command on the worker machines, so they are ' +
  'accepted and run only where ALLOW_SHELL_JOBS=1 is set (queuectl: --allow-shell)';

export function shellJob(): JobType<ShellPayload> {
  return defineJobType({
    name: 'shell',
    description: 'Runs a program with arguments (no shell); non-zero exit fails the attempt.',
    payload: shellPayload,
    async run(payload, { signal }) {
      const result = await runCommand(payload, signal);
      if (result.exit_code === 0) return result;
      throw new Error(describeFailure(payload, result));
    },
  });
}

/** What the registry holds while the switch is off: known, so the refusal can say why. */
export function refusedShellJob(): JobType<ShellPayload> {
  return {
    ...shellJob(),
    refusedBecause: SHELL_REFUSAL,
    async run() {
      throw new Error(SHELL_REFUSAL);
    },
  };
}

function runCommand(payload: ShellPayload, abort: AbortSignal): Promise<ShellResult> {
  const [program, ...args] = payload.argv as [string, ...string[]];
  const timeoutMs = payload.timeout_ms ?? DEFAULT_SHELL_TIMEOUT_MS;
  const started = Date.now();
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout or an abort ends the programs it started too, and a
    // Ctrl+C meant for the worker does not reach it (the worker lets running jobs finish).
    const child = spawn(program, args, {
      cwd: payload.cwd,
      detached: true,
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stdout = new OutputTail();
    const stderr = new OutputTail();
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));

    let timedOut = false;
    const killGroup = (sig: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    const timers: NodeJS.Timeout[] = [];
    timers.push(
      setTimeout(() => {
        timedOut = true;
        killGroup('SIGTERM');
        timers.push(setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS));
      }, timeoutMs),
    );
    const onAbort = () => killGroup('SIGKILL');
    abort.addEventListener('abort', onAbort, { once: true });
    const cleanUp = () => {
      timers.forEach(clearTimeout);
      abort.removeEventListener('abort', onAbort);
    };

    child.once('error', (error: NodeJS.ErrnoException) => {
      cleanUp();
      const why = error.code === 'ENOENT' ? 'no such program' : error.message;
      reject(new Error(`cannot run "${program}": ${why}`));
    });
    // A program that left a daemon holding its pipes would keep 'close' away: stop reading soon
    // after the exit instead.
    child.once('exit', () => {
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 1000).unref();
    });
    child.once('close', (code, sig) => {
      cleanUp();
      if (abort.aborted) return reject(abort.reason as Error);
      resolve({
        exit_code: code,
        signal: sig,
        timed_out: timedOut,
        stdout: stdout.text,
        stderr: stderr.text,
        duration_ms: Date.now() - started,
      });
    });
  });
}

function describeFailure(payload: ShellPayload, result: ShellResult): string {
  const ran = payload.argv[0];
  const how = result.timed_out
    ? `${ran} timed out after ${payload.timeout_ms ?? DEFAULT_SHELL_TIMEOUT_MS} ms`
    : result.signal
      ? `${ran} was killed by ${result.signal}`
      : `${ran} exited with code ${result.exit_code}`;
  const said = (result.stderr || result.stdout).trim().slice(-500);
  return said ? `${how}: ${said}` : how;
}

/** The last SHELL_OUTPUT_TAIL characters of a stream. */
class OutputTail {
  private kept = '';
  private dropped = false;

  push(chunk: string): void {
    this.kept += chunk;
    if (this.kept.length > 2 * SHELL_OUTPUT_TAIL) this.trim();
  }

  get text(): string {
    this.trim();
    return this.dropped ? `...${this.kept}` : this.kept;
  }

  private trim(): void {
    if (this.kept.length <= SHELL_OUTPUT_TAIL) return;
    this.kept = this.kept.slice(-SHELL_OUTPUT_TAIL);
    this.dropped = true;
  }
}

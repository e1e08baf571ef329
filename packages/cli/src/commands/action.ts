// The glue between commander and a command: every command gets --json, an Output, and one way
// to end (its exit code, or an error printed on stderr with the code it calls for).

import type { Command } from 'commander';
import { Output } from '../output';

export function jsonOption(command: Command): Command {
  return command.option('--json', 'machine-readable JSON output');
}

type Handler<A extends unknown[]> = (out: Output, ...args: A) => Promise<number | void>;

/** Wraps a handler `(out, ...arguments, options)` as a commander action. */
export function action<A extends unknown[]>(handler: Handler<A>) {
  return async (...args: unknown[]): Promise<void> => {
    const command = args.at(-1) as Command;
    const out = new Output(Boolean(command.opts().json));
    try {
      process.exitCode = (await handler(out, ...(args.slice(0, -1) as A))) ?? 0;
    } catch (error) {
      process.exitCode = out.error(error);
    }
  };
}

// queuectl's commands and its help. Each command lives in its own file under commands/.

import { Command, CommanderError } from 'commander';
import { enqueueCommand } from './commands/enqueue';
import { logsCommand } from './commands/logs';
import { pauseCommands } from './commands/pause';
import { groupsCommand } from './commands/groups';
import { limitsCommand } from './commands/limits';
import { scheduleCommands } from './commands/schedules';
import { cancelCommand, retryCommand } from './commands/retry-cancel';
import { statsCommand } from './commands/stats';
import { listCommand, statusCommand } from './commands/status';
import { typesCommand } from './commands/types';
import { runCommand, workerCommand } from './commands/worker';
import { EXIT } from './errors';

export function createProgram(): Command {
  const program = new Command('queuectl')
    .description(
      'The job queue from a terminal: submit, inspect, retry and cancel jobs, follow the events ' +
        'and run workers. It talks to Redis directly (REDIS_URL, QUEUE_NAME), not to the HTTP API.',
    )
    .version(version(), '-V, --version')
    .showHelpAfterError('(queuectl --help lists the commands; queuectl <command> --help shows one)')
    .exitOverride()
    .configureHelp({ sortSubcommands: false });
  for (const add of [
    enqueueCommand,
    statusCommand,
    listCommand,
    statsCommand,
    typesCommand,
    retryCommand,
    cancelCommand,
    pauseCommands,
    limitsCommand,
    groupsCommand,
    scheduleCommands,
    logsCommand,
    workerCommand,
    runCommand,
  ]) {
    add(program);
  }
  program.addHelpText(
    'after',
    `
Example (the walkthrough of packages/cli/README.md):
  $ queuectl enqueue --type send_email --payload '{"to":"a@example.com","subject":"Hi","message":"Hello"}'
  $ queuectl enqueue --allow-shell -- echo "Hello from job1"
  $ queuectl status
  $ queuectl run --allow-shell
  $ queuectl worker --allow-shell

Environment: REDIS_URL (redis://127.0.0.1:6379), QUEUE_NAME (jobs), MAX_ATTEMPTS, BACKOFF_BASE_MS,
WORKER_CONCURRENCY, ALLOW_SHELL_JOBS and the rest of the queue's variables.
Every command takes --json for machine-readable output.

Exit codes: ${EXIT.ok} ok, ${EXIT.unexpected} unexpected error, ${EXIT.invalid} bad usage or input (or lines rejected by enqueue --file),
${EXIT.notFound} job not found, ${EXIT.conflict} job in a state that does not allow it, ${EXIT.unavailable} Redis unreachable.`,
  );
  return program;
}

/** Runs the command line; resolves with the exit code. */
export async function runProgram(argv: string[]): Promise<number> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    // commander has already printed its message (unknown option, missing argument, --help).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.invalid;
    throw error;
  }
}

function version(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../package.json') as { version: string }).version;
}

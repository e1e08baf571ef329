// queuectl worker: a worker in the foreground with the same job types as services/worker,
// logging the worker's log lines, stopping gracefully on Ctrl+C. queuectl run: the same worker, but it
// runs what is ready now and exits when nothing is left to run (`run`).

import type { Command } from 'commander';
import {
  type Logger,
  RedisOutageLog,
  warnIfRedisMayLoseJobs,
  Worker,
  workerSettings,
} from '@jobqueue/shared';
import { createCliLogger } from '../cli-logger';
import { openQueue, type QueueContext } from '../context';
import type { Output } from '../output';
import { parseWholeNumber } from '../parse';
import { action, jsonOption } from './action';
import { summarizeRun } from './run-summary';

interface WorkerCommandOptions {
  concurrency?: string;
  allowShell?: boolean;
  json?: boolean;
}

export function workerCommand(program: Command): void {
  workerOptions(
    program
      .command('worker')
      .description('run jobs in the foreground until Ctrl+C (running jobs finish first)'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ queuectl worker --concurrency 4
  $ queuectl worker --allow-shell       # also run shell jobs (or ALLOW_SHELL_JOBS=1)`,
    )
    .action(action((out, options: WorkerCommandOptions) => runWorker(out, options, false)));
}

export function runCommand(program: Command): void {
  workerOptions(
    program
      .command('run')
      .description('run the jobs that are ready now, then exit (jobs due later stay scheduled)'),
  )
    .addHelpText(
      'after',
      `
Example:
  $ queuectl run --allow-shell`,
    )
    .action(action((out, options: WorkerCommandOptions) => runWorker(out, options, true)));
}

function workerOptions(command: Command): Command {
  return jsonOption(
    command
      .option('-c, --concurrency <n>', 'jobs run at once (default WORKER_CONCURRENCY)')
      .option(
        '--allow-shell',
        'run shell jobs, which run any command here (or ALLOW_SHELL_JOBS=1)',
      ),
  );
}

async function runWorker(
  out: Output,
  options: WorkerCommandOptions,
  untilIdle: boolean,
): Promise<void> {
  const concurrency =
    options.concurrency === undefined
      ? undefined
      : parseWholeNumber(options.concurrency, '--concurrency');
  const ctx = await openQueue({ allowShell: options.allowShell });
  const logger = createCliLogger(out.json, ctx.config.logLevel);
  await warnIfRedisMayLoseJobs(ctx.redis, logger);
  // An outage is said once ("unreachable", then "restored"), as the worker service says it; the
  // worker's loops that fail meanwhile log at debug, not a warning a second.
  const redisOutage = new RedisOutageLog(logger).watch(ctx.redis);
  const worker = newWorker(ctx, logger, concurrency ?? ctx.config.workerConcurrency, redisOutage);
  const stopOnSignals = gracefulStop(worker, logger, ctx.config.shutdownTimeoutMs);
  try {
    if (!untilIdle) {
      await worker.start();
      logger.info('Press Ctrl+C to stop (running jobs finish first)');
      await stopOnSignals.stopped;
      return;
    }
    const startedAfter = await lastEventId(ctx);
    await Promise.race([worker.runUntilIdle(), stopOnSignals.stopped]);
    await stopOnSignals.whenStopped();
    const summary = await summarizeRun(ctx.queue, startedAfter, worker.id);
    logger.info({ summary }, summary.message);
  } finally {
    stopOnSignals.dispose();
    ctx.close();
  }
}

function newWorker(
  ctx: QueueContext,
  logger: Logger,
  concurrency: number,
  redisOutage: RedisOutageLog,
): Worker {
  return new Worker({
    ...workerSettings(ctx.config),
    redis: ctx.redis,
    jobTypes: ctx.jobTypes,
    logger,
    concurrency,
    redisOutage,
  });
}

/**
 * First Ctrl+C (or SIGTERM): stop claiming and let running jobs finish. A second Ctrl+C exits at
 * once; the jobs it leaves go back to the queue when their leases expire.
 */
function gracefulStop(worker: Worker, logger: Logger, shutdownTimeoutMs: number) {
  let stopping: Promise<void> | undefined;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => (resolveStopped = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(
        `${signal} again: exiting now; unfinished jobs return to the queue when their leases expire`,
      );
      process.exit(130);
    }
    logger.info(
      `${signal} received; finishing running jobs (at most ${shutdownTimeoutMs} ms). Ctrl+C again to exit now`,
    );
    stopping = worker.stop().then(resolveStopped);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stopped,
    /** Resolves once a signal-started stop has finished (at once if none started). */
    whenStopped: () => stopping ?? Promise.resolve(),
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

async function lastEventId(ctx: QueueContext): Promise<string> {
  return (await ctx.queue.events(null, 1)).at(-1)?.id ?? '0';
}

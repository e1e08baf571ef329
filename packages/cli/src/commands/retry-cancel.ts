// queuectl retry ID | --all-failed, and queuectl cancel ID: the two manual state changes.

import type { Command } from 'commander';
import { ConflictError, NotFoundError, ValidationError, type JobQueue } from '@jobqueue/shared';
import { openQueue } from '../context';
import { CliError } from '../errors';
import { paintStatus, type Output } from '../output';
import { action, jsonOption } from './action';

export function retryCommand(program: Command): void {
  jsonOption(
    program
      .command('retry')
      .description('put a failed or cancelled job back in line with fresh attempts')
      .argument('[id]', 'the job to retry')
      .option('--all-failed', 'retry every failed job')
      .option('-t, --type <type>', 'with --all-failed: only failed jobs of this type')
      .option('--allow-shell', 'retry shell jobs even without ALLOW_SHELL_JOBS=1'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ queuectl retry 0190f3c2-7f7e-7c1a-9d2b-0a1b2c3d4e5f
  $ queuectl retry --all-failed --type send_email
  $ queuectl retry --allow-shell 0190f3c2-7f7e-7c1a-9d2b-0a1b2c3d4e5f   # a shell job`,
    )
    .action(action(retry));
}

export function cancelCommand(program: Command): void {
  jsonOption(
    program
      .command('cancel')
      .description('cancel a job that has not finished; a running one is told to stop')
      .argument('<id>', 'the job to cancel'),
  )
    .addHelpText(
      'after',
      `
Example:
  $ queuectl cancel 0190f3c2-7f7e-7c1a-9d2b-0a1b2c3d4e5f`,
    )
    .action(action(cancel));
}

async function retry(
  out: Output,
  id: string | undefined,
  options: { allFailed?: boolean; type?: string; allowShell?: boolean },
): Promise<void> {
  if ((id === undefined) === !options.allFailed)
    throw new CliError('give a job id or --all-failed (one of them)');
  if (options.type && !options.allFailed) throw new CliError('--type goes with --all-failed');
  const ctx = await openQueue({ allowShell: options.allowShell });
  try {
    if (id !== undefined) {
      const job = await ctx.queue.retry(id);
      if (out.json) return out.data(job);
      return out.text(
        `Job ${job.job_id} is ${paintStatus(out.color, job.status)} again (attempts reset)`,
      );
    }
    const { retried, skipped } = await retryAllFailed(ctx.queue, options.type);
    if (out.json) return out.data({ retried, skipped });
    out.text(`Retried ${retried.length} failed job${retried.length === 1 ? '' : 's'}`);
    for (const { job_id, error } of skipped) out.text(`  skipped ${job_id}: ${error}`);
  } finally {
    ctx.close();
  }
}

/** Lists every failed job first, then retries each; one that changed meanwhile is skipped. */
async function retryAllFailed(queue: JobQueue, jobType: string | undefined) {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await queue.list({ status: 'failed', job_type: jobType, limit: 500, cursor });
    ids.push(...page.jobs.map((job) => job.job_id));
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  const retried: string[] = [];
  const skipped: { job_id: string; error: string }[] = [];
  for (const id of ids) {
    try {
      retried.push((await queue.retry(id)).job_id);
    } catch (error) {
      // Changed meanwhile, or of a type this process refuses (shell without --allow-shell).
      const skippable =
        error instanceof ConflictError ||
        error instanceof NotFoundError ||
        error instanceof ValidationError;
      if (!skippable) throw error;
      skipped.push({ job_id: id, error: error.message });
    }
  }
  return { retried, skipped };
}

async function cancel(out: Output, id: string): Promise<void> {
  const ctx = await openQueue();
  try {
    const job = await ctx.queue.cancel(id);
    if (out.json) return out.data(job);
    out.text(`Job ${job.job_id} ${paintStatus(out.color, job.status)}`);
  } finally {
    ctx.close();
  }
}

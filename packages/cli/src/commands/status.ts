// queuectl status [ID]: the queue at a glance (total, recent jobs, count per status), or
// one job's whole record. queuectl list: the jobs of one status or type, newest first.

import type { Command } from 'commander';
import { JOB_STATUSES, type JobRecord } from '@jobqueue/shared';
import { openQueue } from '../context';
import { jobDetails, jobTable } from '../job-view';
import { paintStatus, type Output } from '../output';
import { parseWholeNumber } from '../parse';
import { action, jsonOption } from './action';

export function statusCommand(program: Command): void {
  jsonOption(
    program
      .command('status')
      .description('the queue at a glance (total, recent jobs, count per status), or one job')
      .argument('[id]', 'a job id: show its whole record')
      .option('-n, --limit <n>', 'recent jobs in the table', '20'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ queuectl status
  $ queuectl status 0190f3c2-7f7e-7c1a-9d2b-0a1b2c3d4e5f --json`,
    )
    .action(action(status));
}

export function listCommand(program: Command): void {
  jsonOption(
    program
      .command('list')
      .description('jobs newest first, optionally of one status or type')
      .option('-s, --status <status>', `one of ${JOB_STATUSES.join(', ')}`)
      .option('-t, --type <type>', 'only jobs of this type')
      .option('-n, --limit <n>', 'at most this many (1..500)', '50')
      .option('--cursor <cursor>', 'the next page, as the previous page printed it'),
  )
    .addHelpText(
      'after',
      `
Example:
  $ queuectl list --status failed --type send_email --limit 50`,
    )
    .action(action(list));
}

async function status(
  out: Output,
  id: string | undefined,
  options: { limit: string },
): Promise<void> {
  const limit = parseWholeNumber(options.limit, '--limit');
  const ctx = await openQueue();
  try {
    if (id !== undefined) {
      const job = await ctx.queue.getOrThrow(id);
      if (out.json) out.data(job);
      else jobDetails(job, out.color).forEach((line) => out.text(line));
      return;
    }
    const [stats, page] = await Promise.all([ctx.queue.stats(), ctx.queue.list({ limit })]);
    const total = Object.values(stats.counts).reduce((sum, n) => sum + n, 0);
    if (out.json) {
      out.data({
        queue: stats.queue,
        total,
        counts: stats.counts,
        workers: stats.workers,
        jobs: page.jobs,
      });
      return;
    }
    const shown =
      page.jobs.length < total ? ` (the newest ${page.jobs.length} below; -n N for more)` : '';
    out.text(`Total jobs: ${total}${shown}`);
    printJobs(out, page.jobs);
    out.text();
    out.text('Summary:');
    for (const status of JOB_STATUSES)
      out.text(`  ${paintStatus(out.color, status)}: ${stats.counts[status]}`);
  } finally {
    ctx.close();
  }
}

interface ListOptions {
  status?: string;
  type?: string;
  limit: string;
  cursor?: string;
}

async function list(out: Output, options: ListOptions): Promise<void> {
  const limit = parseWholeNumber(options.limit, '--limit');
  const ctx = await openQueue();
  try {
    const page = await ctx.queue.list({
      status: options.status,
      job_type: options.type,
      limit,
      cursor: options.cursor,
    });
    if (out.json) return out.data(page);
    printJobs(out, page.jobs);
    if (page.next_cursor) out.note(`more: queuectl list ... --cursor ${page.next_cursor}`);
  } finally {
    ctx.close();
  }
}

function printJobs(out: Output, jobs: JobRecord[]): void {
  if (jobs.length === 0) return out.text(out.color.dim('(no jobs)'));
  for (const line of jobTable(jobs, out.color)) out.text(line);
}

// queuectl limits TYPE [--max-concurrency N|none] [--rate MAX/DURATION|none] [--reset]: change a
// job type's global limits at run time, over what its declaration says.

import type { Command } from 'commander';
import { openQueue } from '../context';
import { CliError } from '../errors';
import type { Output } from '../output';
import { parseDuration, parseWholeNumber } from '../parse';
import { action, jsonOption } from './action';

interface LimitOptions {
  maxConcurrency?: string;
  rate?: string;
  reset?: boolean;
}

export function limitsCommand(program: Command): void {
  jsonOption(
    program
      .command('limits')
      .description("change a job type's limits over every worker (shown with no option)")
      .argument('<type>', 'the job type')
      .option('--max-concurrency <n>', 'jobs of the type running at once at most ("none" removes)')
      .option('--rate <max/duration>', 'starts per window at most, e.g. 10/1s ("none" removes)')
      .option('--reset', "back to the type's declaration"),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ queuectl limits send_email --max-concurrency 5 --rate 100/1m
  $ queuectl limits send_email --rate none
  $ queuectl limits send_email --reset`,
    )
    .action(action(limits));
}

async function limits(out: Output, jobType: string, options: LimitOptions): Promise<void> {
  const change: Record<string, unknown> = {};
  if (options.reset) change.reset = true;
  if (options.maxConcurrency !== undefined)
    change.max_concurrency =
      options.maxConcurrency === 'none'
        ? null
        : parseWholeNumber(options.maxConcurrency, '--max-concurrency');
  if (options.rate !== undefined) change.rate_limit = parseRate(options.rate);
  const ctx = await openQueue();
  try {
    const inForce =
      Object.keys(change).length === 0
        ? await ctx.queue.limitsOf(jobType)
        : await ctx.queue.setLimits(jobType, change);
    if (out.json) return out.data({ job_type: jobType, limits: inForce });
    const parts = [
      inForce.max_concurrency !== undefined ? `max concurrency ${inForce.max_concurrency}` : '',
      inForce.rate_limit
        ? `at most ${inForce.rate_limit.max} per ${inForce.rate_limit.per_ms} ms`
        : '',
    ].filter(Boolean);
    out.text(`${jobType}: ${parts.length > 0 ? parts.join(', ') : 'no limits'}`);
  } finally {
    ctx.close();
  }
}

function parseRate(text: string): { max: number; per_ms: number } | null {
  if (text === 'none') return null;
  const [max, window] = text.split('/');
  if (!max || !window) throw new CliError('--rate takes MAX/DURATION, e.g. 10/1s, or none');
  return { max: parseWholeNumber(max, '--rate'), per_ms: parseDuration(window, '--rate') };
}

// queuectl groups [--limit N] [--cursor C]: what each group has queued, running and completed;
// queuectl group NAME [--weight W] [--max-concurrency N|none]: a group's settings.

import type { Command } from 'commander';
import { openQueue } from '../context';
import type { Output } from '../output';
import { parseWholeNumber } from '../parse';
import { CliError } from '../errors';
import { action, jsonOption } from './action';

export function groupsCommand(program: Command): void {
  jsonOption(
    program
      .command('groups')
      .description('list the groups with jobs submitted lately, most recent first')
      .option('--limit <n>', 'groups per page', '50')
      .option('--cursor <cursor>', 'the next_cursor of the page before'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ queuectl groups
  $ queuectl groups --limit 10 --json    # then --cursor <next_cursor> for the next page`,
    )
    .action(action(listGroups));
  jsonOption(
    program
      .command('group')
      .description("set a group's weight (turns it takes for one of another's) and max concurrency")
      .argument('<name>', 'the group')
      .option(
        '--weight <w>',
        'turns per turn of a group of weight 1 (0.01..1000), or none (back to 1)',
      )
      .option(
        '--max-concurrency <n>',
        'most of its jobs running at once over every worker, or none',
      ),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ queuectl group customer-42 --weight 3
  $ queuectl group customer-42 --max-concurrency 5
  $ queuectl group customer-42 --max-concurrency none
Each flag changes its setting alone; the others are kept.`,
    )
    .action(action(setGroup));
}

async function listGroups(out: Output, options: { limit: string; cursor?: string }): Promise<void> {
  const ctx = await openQueue();
  try {
    const page = await ctx.queue.groups({
      limit: parseWholeNumber(options.limit, '--limit'),
      ...(options.cursor !== undefined ? { cursor: options.cursor } : {}),
    });
    if (out.json) return out.data(page);
    if (page.groups.length === 0) out.text('no groups');
    for (const g of page.groups) {
      const wait = g.oldest_wait_ms === null ? '' : `, oldest waiting ${g.oldest_wait_ms} ms`;
      const settings = [
        g.weight !== 1 ? `weight ${g.weight}` : '',
        g.max_concurrency !== null ? `max concurrency ${g.max_concurrency}` : '',
      ].filter(Boolean);
      out.text(
        `${g.group}: ${g.queued} queued, ${g.running} running, ${g.completed} completed${wait}` +
          (settings.length > 0 ? ` (${settings.join(', ')})` : ''),
      );
    }
    if (page.next_cursor) out.note(`more: queuectl groups --cursor ${page.next_cursor}`);
  } finally {
    ctx.close();
  }
}

async function setGroup(
  out: Output,
  name: string,
  options: { weight?: string; maxConcurrency?: string },
): Promise<void> {
  const settings: Record<string, unknown> = {};
  if (options.weight === 'none') settings.weight = null;
  else if (options.weight !== undefined) {
    const weight = /^\d*\.?\d+$/.test(options.weight) ? Number(options.weight) : NaN;
    if (!Number.isFinite(weight))
      throw new CliError('--weight takes a number, e.g. 2 or 0.5, or none (back to 1)');
    settings.weight = weight;
  }
  if (options.maxConcurrency !== undefined)
    settings.max_concurrency =
      options.maxConcurrency === 'none'
        ? null
        : parseWholeNumber(options.maxConcurrency, '--max-concurrency');
  const ctx = await openQueue();
  try {
    const stored = await ctx.queue.setGroup(name, settings);
    if (out.json) return out.data({ group: name, ...stored });
    out.text(
      `${name}: weight ${stored.weight}, ` +
        (stored.max_concurrency === null
          ? 'no concurrency limit'
          : `max concurrency ${stored.max_concurrency}`),
    );
  } finally {
    ctx.close();
  }
}

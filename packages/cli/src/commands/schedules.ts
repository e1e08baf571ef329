// queuectl schedules (list), queuectl schedule add NAME ..., queuectl schedule remove NAME: the
// cron schedules the API processes fire (see docs/api.md).

import type { Command } from 'commander';
import { Schedules, type Schedule } from '@jobqueue/shared';
import { openQueue } from '../context';
import type { Output } from '../output';
import { parseJson, parsePriority } from '../parse';
import { action, jsonOption } from './action';

interface AddOptions {
  cron: string;
  type: string;
  payload?: string;
  timezone?: string;
  priority?: string;
}

export function scheduleCommands(program: Command): void {
  jsonOption(program.command('schedules').description('the cron schedules, with their next runs'))
    .addHelpText(
      'after',
      `
Examples:
  $ queuectl schedules
  $ queuectl schedules --json`,
    )
    .action(action(list));

  const schedule = program
    .command('schedule')
    .description('add (or replace) or remove a cron schedule');
  jsonOption(
    schedule
      .command('add')
      .description('submit a job at every tick of a cron expression (API processes fire it)')
      .argument('<name>', 'the schedule, e.g. nightly-report')
      .requiredOption('--cron <expression>', 'five fields, or six with seconds first')
      .requiredOption('-t, --type <type>', 'job type')
      .option('--payload <json>', 'the payload as a JSON object (default: {})')
      .option('--timezone <zone>', 'IANA time zone of the expression (default UTC)')
      .option('-p, --priority <priority>', 'high, normal, low or 1..10'),
  )
    .addHelpText(
      'after',
      `
Example:
  $ queuectl schedule add nightly-digest --cron '0 2 * * *' --timezone Europe/Paris \\
      --type send_email --payload '{"to": "ops@example.com", "subject": "Digest", "message": "..."}'`,
    )
    .action(action(add));
  jsonOption(
    schedule.command('remove').description('delete a schedule').argument('<name>', 'the schedule'),
  )
    .addHelpText(
      'after',
      `
Example:
  $ queuectl schedule remove nightly-digest`,
    )
    .action(action(remove));
}

async function withSchedules<T>(use: (schedules: Schedules) => Promise<T>): Promise<T> {
  const ctx = await openQueue();
  try {
    return await use(new Schedules(ctx.queue));
  } finally {
    ctx.close();
  }
}

async function list(out: Output): Promise<void> {
  const schedules = await withSchedules((s) => s.list());
  // The shape GET /schedules answers with, as `types --json` and `groups --json` keep theirs.
  if (out.json) return out.data({ schedules });
  if (schedules.length === 0) return out.text('No schedules');
  // One column each: names, expressions and types line up from row to row.
  const cells = schedules.map((s) => [s.name, `${s.cron} (${s.timezone})`, s.job_type]);
  const widths = [0, 1, 2].map((c) => Math.max(...cells.map((row) => row[c]!.length)));
  schedules.forEach((schedule, i) => {
    const columns = cells[i]!.map((cell, c) => cell.padEnd(widths[c]!));
    out.text(
      `${columns.join('  ')}  next ${schedule.next_run_at ?? '-'}${lastRunFailed(schedule)}`,
    );
  });
}

async function add(out: Output, name: string, options: AddOptions): Promise<void> {
  const schedule = await withSchedules((s) =>
    s.create({
      name,
      cron: options.cron,
      timezone: options.timezone,
      job_type: options.type,
      payload: options.payload === undefined ? {} : parseJson(options.payload, '--payload'),
      priority: options.priority === undefined ? undefined : parsePriority(options.priority),
    }),
  );
  if (out.json) return out.data(schedule);
  out.text(describe(schedule));
}

async function remove(out: Output, name: string): Promise<void> {
  await withSchedules((s) => s.remove(name));
  if (out.json) return out.data({ name, removed: true });
  out.text(`Schedule ${name} removed`);
}

/** Said after a schedule whose last tick submitted no job; nothing otherwise. */
function lastRunFailed(schedule: Schedule): string {
  const run = schedule.last_run;
  return run?.error ? `  last tick ${run.at} submitted nothing: ${run.error}` : '';
}

function describe(schedule: Schedule): string {
  return `${schedule.name}  ${schedule.cron} (${schedule.timezone})  ${schedule.job_type}  next ${schedule.next_run_at ?? '-'}`;
}

// queuectl pause [--type T] and queuectl resume [--type T]: stop and restart claims of the whole
// queue or of one job type. Running jobs finish; queued ones keep their place.

import type { Command } from 'commander';
import type { PausedState } from '@jobqueue/shared';
import { openQueue } from '../context';
import type { Output } from '../output';
import { action, jsonOption } from './action';

export function pauseCommands(program: Command): void {
  for (const verb of ['pause', 'resume'] as const) {
    jsonOption(
      program
        .command(verb)
        .description(
          verb === 'pause'
            ? 'pause the queue, or one job type: workers start none of its jobs until resumed'
            : 'resume the queue, or one job type, and wake its workers',
        )
        .option('-t, --type <type>', 'only this job type'),
    )
      .addHelpText(
        'after',
        `
Examples:
  $ queuectl ${verb}
  $ queuectl ${verb} --type send_email`,
      )
      .action(action((out: Output, options: { type?: string }) => change(out, verb, options.type)));
  }
}

async function change(out: Output, verb: 'pause' | 'resume', jobType?: string): Promise<void> {
  const ctx = await openQueue();
  try {
    const state =
      verb === 'pause' ? await ctx.queue.pause(jobType) : await ctx.queue.resume(jobType);
    if (out.json) return out.data(state);
    // A call that changed nothing says so first: "Nothing is paused" alone would read the same
    // after a resume that freed the queue and after one that found nothing to free.
    const target = jobType === undefined ? 'The whole queue' : `Job type ${jobType}`;
    const unchanged = verb === 'pause' ? 'was paused already' : 'was not paused';
    out.text(`${state.changed ? '' : `${target} ${unchanged}. `}${describePaused(state)}`);
  } finally {
    ctx.close();
  }
}

export function describePaused(state: PausedState): string {
  const types = state.job_types.length > 0 ? `job types ${state.job_types.join(', ')}` : '';
  // Types paused alone stay paused under a paused queue, and after it resumes: both are said.
  if (state.queue) return `Paused: the whole queue${types ? `, and ${types}` : ''}`;
  if (types) return `Paused: ${types}`;
  return 'Nothing is paused';
}

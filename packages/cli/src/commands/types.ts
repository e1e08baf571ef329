// queuectl types: the job types a submission may use, as the registry holds them (what workers
// declared, and the built-in types), with their live workers and defaults; --json adds schemas.

import type { Command } from 'commander';
import { openQueue } from '../context';
import type { Output } from '../output';
import { action, jsonOption } from './action';

export function typesCommand(program: Command): void {
  jsonOption(
    program.command('types').description('job types workers declared, with their live workers'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ queuectl types
  $ queuectl types --json    # with each type's payload JSON Schema`,
    )
    .action(action(types));
}

async function types(out: Output): Promise<void> {
  const ctx = await openQueue();
  try {
    const listed = await ctx.queue.listJobTypes();
    if (out.json) return out.data({ job_types: listed });
    const width = Math.max(8, ...listed.map((type) => type.job_type.length));
    out.text(`${'TYPE'.padEnd(width)}  WORKERS  DESCRIPTION`);
    for (const type of listed) {
      out.text(
        `${type.job_type.padEnd(width)}  ${String(type.workers).padStart(7)}  ${type.description}`,
      );
    }
  } finally {
    ctx.close();
  }
}

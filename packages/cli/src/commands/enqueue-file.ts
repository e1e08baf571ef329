// queuectl enqueue --file: one submit body per NDJSON line, checked line by line and submitted in
// batches. A bad line is reported with its number and reason and never stops the good ones.

import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { SingleBar } from 'cli-progress';
import { ValidationError, type ErrorDetail } from '@jobqueue/shared';
import { openQueue, type QueueContext } from '../context';
import { CliError, EXIT } from '../errors';
import type { Output } from '../output';
import { describeJsonError } from '../parse';

export interface RejectedLine {
  line: number;
  error: string;
  details: ErrorDetail[];
}

interface FileOptions {
  batchSize: number;
  allowShell?: boolean;
}

/** Rejected lines listed in human output; --json lists them all. */
const REJECTED_SHOWN = 20;

export async function enqueueFile(
  out: Output,
  file: string,
  options: FileOptions,
): Promise<number> {
  const input = openInput(file);
  const ctx = await openQueue({ allowShell: options.allowShell });
  // Lines are checked as they are read, against every type declared until now.
  await ctx.queue.refreshJobTypes();
  const progress = progressBar(out, file);
  const jobIds: string[] = [];
  const rejected: RejectedLine[] = [];
  let batch: unknown[] = [];
  let lineNumber = 0;
  let bytesRead = 0;

  const flush = async () => {
    if (batch.length === 0) return;
    const jobs = batch;
    batch = [];
    const results = await submitBatch(ctx, jobs, lineNumber, jobIds.length);
    jobIds.push(...results);
  };

  try {
    for await (const text of createInterface({ input, crlfDelay: Infinity })) {
      lineNumber += 1;
      bytesRead += Buffer.byteLength(text) + 1;
      if (text.trim() === '') continue;
      const checked = checkLine(ctx, text, lineNumber);
      if ('line' in checked) rejected.push(checked);
      else batch.push(checked.job);
      if (batch.length >= options.batchSize) await flush();
      progress?.update(bytesRead, { submitted: jobIds.length, rejected: rejected.length });
    }
    await flush();
  } finally {
    progress?.stop();
    ctx.close();
  }

  if (out.json) {
    out.data({ submitted: jobIds.length, rejected, job_ids: jobIds });
  } else {
    const paint = rejected.length > 0 ? out.color.yellow : out.color.green;
    out.text(
      paint(
        `Submitted ${jobIds.length} jobs, rejected ${rejected.length} lines (of ${lineNumber} read)`,
      ),
    );
    for (const entry of rejected.slice(0, REJECTED_SHOWN))
      out.text(`  line ${entry.line}: ${entry.error}`);
    if (rejected.length > REJECTED_SHOWN) {
      out.text(`  ... and ${rejected.length - REJECTED_SHOWN} more (--json lists them all)`);
    }
  }
  return rejected.length > 0 ? EXIT.invalid : EXIT.ok;
}

function openInput(file: string): NodeJS.ReadableStream {
  if (file === '-') return process.stdin;
  try {
    statSync(file);
  } catch (error) {
    throw new CliError(
      `cannot read --file ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  return createReadStream(file);
}

function checkLine(ctx: QueueContext, text: string, line: number): RejectedLine | { job: unknown } {
  let job: unknown;
  try {
    job = JSON.parse(text);
  } catch (error) {
    return {
      line,
      error: `not valid JSON: ${describeJsonError(text, error as Error)}`,
      details: [],
    };
  }
  try {
    ctx.queue.parse(job);
    return { job };
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return { line, error: error.message, details: error.details };
  }
}

async function submitBatch(
  ctx: QueueContext,
  jobs: unknown[],
  lastLine: number,
  submittedSoFar: number,
): Promise<string[]> {
  try {
    const results = await ctx.queue.submitMany(jobs);
    return results.map((result) => result.job_id);
  } catch (error) {
    // Earlier batches are in the queue; say how far it got so the rest can be sent again.
    const message = `stopped at line ${lastLine} after submitting ${submittedSoFar} jobs: ${(error as Error).message}`;
    throw error instanceof CliError ? error : new CliError(message, exitCodeOf(error));
  }
}

function exitCodeOf(error: unknown): number {
  const code = (error as { code?: string }).code;
  return code === 'redis_unavailable' ? EXIT.unavailable : EXIT.unexpected;
}

/** A progress bar on stderr when a person watches and the file's size is known. */
function progressBar(out: Output, file: string): SingleBar | undefined {
  if (out.json || file === '-' || !process.stderr.isTTY) return undefined;
  const bar = new SingleBar({
    format: 'Submitting |{bar}| {percentage}% | {submitted} submitted, {rejected} rejected',
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  });
  bar.start(statSync(file).size, 0, { submitted: 0, rejected: 0 });
  return bar;
}

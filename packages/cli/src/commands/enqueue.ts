// queuectl enqueue: one job from options (or a command line, as a shell job), or many from an
// NDJSON file or stdin.

import type { Command } from 'commander';
import { openQueue } from '../context';
import { CliError } from '../errors';
import type { Output } from '../output';
import { parseDuration, parseJson, parsePriority, parseWholeNumber } from '../parse';
import { enqueueFile } from './enqueue-file';
import { action, jsonOption } from './action';

interface EnqueueOptions {
  type?: string;
  priority?: string;
  payload?: string;
  maxAttempts?: string;
  delay?: string;
  runAt?: string;
  idempotencyKey?: string;
  group?: string;
  timeout?: string;
  file?: string;
  batchSize: string;
  allowShell?: boolean;
  json?: boolean;
}

/** What describes one job; --file takes all of it from each line instead. */
const JOB_OPTIONS = [
  'type',
  'payload',
  'priority',
  'maxAttempts',
  'delay',
  'runAt',
  'idempotencyKey',
  'group',
  'timeout',
] as const;

export function enqueueCommand(program: Command): void {
  jsonOption(
    program
      .command('enqueue')
      .summary('submit a job (or many from NDJSON) and print its id')
      .description(
        'Submits one job and prints its id. With a command after "--", submits a shell job that ' +
          'runs it (argv as given, no shell). With --file, submits one job per line of NDJSON, in batches.',
      )
      .argument('[command...]', 'a program and its arguments, run as a `shell` job')
      .option('-t, --type <type>', 'job type, e.g. send_email (shell when a command is given)')
      .option('-p, --priority <priority>', 'high, normal, low or 1..10 (10 most urgent)')
      .option('--payload <json>', 'the payload as a JSON object (default: {})')
      .option('--max-attempts <n>', 'attempts before the job fails for good (default MAX_ATTEMPTS)')
      .option('--delay <duration>', 'run no sooner than this from now: 500ms, 5s, 2m, 1h')
      .option('--run-at <time>', 'run no sooner than this ISO 8601 time')
      .option(
        '--idempotency-key <key>',
        'a repeated key returns the first job instead of a new one',
      )
      .option('-g, --group <group>', 'take turns with other groups (a customer, a tenant)')
      .option('--timeout <duration>', 'shell jobs given as a command: kill it after this long')
      .option('-f, --file <path>', 'NDJSON of submit bodies, one job per line ("-" for stdin)')
      .option('--batch-size <n>', 'jobs per submission with --file', '500')
      .option('--allow-shell', 'accept shell jobs even without ALLOW_SHELL_JOBS=1'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ queuectl enqueue --type send_email --priority high \\
      --payload '{"to":"user@example.com","subject":"Hi","message":"Hello!"}'
  $ queuectl enqueue --allow-shell --max-attempts 2 -- echo "Hello from job1"
  $ queuectl enqueue --file jobs.ndjson     # lines like {"job_type":"send_email","payload":{...}}
  $ cat jobs.ndjson | queuectl enqueue --file -`,
    )
    .action(action(enqueue));
}

async function enqueue(out: Output, command: string[], options: EnqueueOptions): Promise<number> {
  if (options.file !== undefined) {
    if (command.length > 0 || JOB_OPTIONS.some((key) => options[key] !== undefined)) {
      throw new CliError(
        '--file takes each job from its lines; give no command, --type or other job options with it',
      );
    }
    const batchSize = parseWholeNumber(options.batchSize, '--batch-size');
    return enqueueFile(out, options.file, { batchSize, allowShell: options.allowShell });
  }

  const body = buildSubmission(command, options);
  const ctx = await openQueue({ allowShell: options.allowShell });
  try {
    const result = await ctx.queue.submit(body);
    if (out.json) out.data(result);
    else {
      out.text(result.job_id);
      if (!result.created) {
        out.note(
          `(idempotency key "${options.idempotencyKey}" already used: this is the first job's id, ${result.status})`,
        );
      }
    }
    return 0;
  } finally {
    ctx.close();
  }
}

/** The submit body, as the HTTP API takes it, from the command line. */
export function buildSubmission(
  command: string[],
  options: EnqueueOptions,
): Record<string, unknown> {
  const body: Record<string, unknown> =
    command.length > 0 ? shellSubmission(command, options) : typedSubmission(options);
  if (options.priority !== undefined) body.priority = parsePriority(options.priority);
  if (options.maxAttempts !== undefined) {
    body.max_attempts = parseWholeNumber(options.maxAttempts, '--max-attempts');
  }
  if (options.delay !== undefined) body.delay_ms = parseDuration(options.delay, '--delay');
  if (options.runAt !== undefined) body.run_at = options.runAt;
  if (options.idempotencyKey !== undefined) body.idempotency_key = options.idempotencyKey;
  if (options.group !== undefined) body.group = options.group;
  return body;
}

/** `queuectl enqueue -- program args...`: a shell job running exactly that argv. */
function shellSubmission(argv: string[], options: EnqueueOptions): Record<string, unknown> {
  if (options.type && options.type !== 'shell') {
    throw new CliError(`a command runs as a shell job; it cannot have --type ${options.type}`);
  }
  if (options.payload !== undefined) {
    throw new CliError('give either a command or --payload, not both');
  }
  const timeout = options.timeout && { timeout_ms: parseDuration(options.timeout, '--timeout') };
  return { job_type: 'shell', payload: { argv, ...timeout } };
}

function typedSubmission(options: EnqueueOptions): Record<string, unknown> {
  if (!options.type) {
    throw new CliError('--type is required (or a command after "--" for a shell job, or --file)');
  }
  if (options.timeout) {
    throw new CliError('--timeout goes with a command; in --payload use "timeout_ms"');
  }
  return { job_type: options.type, payload: parseJson(options.payload ?? '{}', '--payload') };
}

// How queuectl fails: every error ends as one clear message on stderr and an exit code a script
// can branch on. Queue errors keep their stable code and details.

import { ConfigError, QueueError, type ErrorDetail } from '@jobqueue/shared';

/** Exit codes, also listed in `queuectl --help`. */
export const EXIT = {
  ok: 0,
  unexpected: 1,
  /** Bad usage or input: unknown option, invalid JSON, a job the queue rejects, bad config. */
  invalid: 2,
  notFound: 3,
  /** The job is in a state that does not allow this (cancel a running job, retry a completed one). */
  conflict: 4,
  /** Redis did not answer. */
  unavailable: 5,
} as const;

/** An error queuectl itself raises, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.invalid,
    readonly code = 'invalid_input',
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export interface DescribedError {
  code: string;
  message: string;
  details: ErrorDetail[];
  exitCode: number;
}

const QUEUE_EXIT: Record<string, number> = {
  validation_failed: EXIT.invalid,
  not_found: EXIT.notFound,
  conflict: EXIT.conflict,
  redis_unavailable: EXIT.unavailable,
};

export function describeError(error: unknown): DescribedError {
  if (error instanceof CliError) {
    return {
      code: error.code,
      message: error.message,
      details: error.details,
      exitCode: error.exitCode,
    };
  }
  if (error instanceof QueueError) {
    const exitCode = QUEUE_EXIT[error.code] ?? EXIT.unexpected;
    return { code: error.code, message: error.message, details: error.details, exitCode };
  }
  if (error instanceof ConfigError) {
    const details = error.problems.map((problem) => {
      const [path = '', ...rest] = problem.split(': ');
      return { path, message: rest.join(': ') };
    });
    return { code: 'invalid_config', message: error.message, details, exitCode: EXIT.invalid };
  }
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { code: 'unexpected', message, details: [], exitCode: EXIT.unexpected };
}

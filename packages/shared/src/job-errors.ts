// What a handler throws to say how its failure should be retried. Any other error fails the
// attempt and the job is retried after its backoff while it has attempts left.

/** Fails the job at once, whatever attempts it has left: retrying cannot help (a bad request). */
export class UnrecoverableError extends Error {
  override name = 'UnrecoverableError';
}

/** Fails the attempt and retries no sooner than `retryAfterMs` (a target's Retry-After). */
export class RetryLaterError extends Error {
  override name = 'RetryLaterError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** The abort reason of an attempt that ran past its timeout_ms. */
export class JobTimeoutError extends Error {
  override name = 'JobTimeoutError';
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
  }
}

/** The abort reason of a running job cancelled by DELETE /jobs/:id. */
export class JobCancelledError extends Error {
  override name = 'JobCancelledError';
  constructor() {
    super('cancelled while running');
  }
}

/** fail.lua's retry directive for an error: 'never', the least delay in ms, or '' (backoff). */
export function retryDirective(error: unknown): string {
  if (error instanceof UnrecoverableError) return 'never';
  if (error instanceof RetryLaterError) return String(Math.max(0, Math.ceil(error.retryAfterMs)));
  return '';
}

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

/** fail.lua's retry directive for an error: 'never', the least delay in ms, or '' (backoff). */
export function retryDirective(error: unknown): string {
  if (error instanceof UnrecoverableError) return 'never';
  if (error instanceof RetryLaterError) return String(Math.max(0, Math.ceil(error.retryAfterMs)));
  return '';
}

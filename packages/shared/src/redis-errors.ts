// Tells "Redis is away" apart from real bugs: the first becomes an UnavailableError (503), so
// clients get a clear answer and the process keeps running until Redis is back.

import { UnavailableError } from './errors';

const UNAVAILABLE_REPLIES = /^(OOM|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|READONLY|BUSY)\b/;
const CONNECTION_ERRORS =
  /Connection is closed|Stream isn't writeable|enableOfflineQueue|Command timed out|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|max retries per request|Failed to refresh slots|None of startup nodes|Cluster isn't ready|Too many Cluster redirections/i;

export function isRedisUnavailable(error: unknown): boolean {
  // Read, not `instanceof Error`: a socket's errors come from another realm under a test runner.
  const { name, message } = (error ?? {}) as Partial<Error>;
  if (typeof message !== 'string') return false;
  return (
    name === 'MaxRetriesPerRequestError' ||
    CONNECTION_ERRORS.test(message) ||
    UNAVAILABLE_REPLIES.test(message)
  );
}

/**
 * Runs a Redis call, turning "Redis is away" errors into an UnavailableError. Its message is
 * stable and says only what a client can act on; the Redis client's own words (script hashes,
 * connection internals) stay in its `cause`, for the logs.
 */
export async function unavailableWhenRedisIsAway<T>(
  what: string,
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isRedisUnavailable(error)) {
      const outOfMemory = /^OOM\b/.test((error as Error).message);
      throw new UnavailableError(
        outOfMemory
          ? `Redis is out of memory (${what}); retry once it has room again`
          : `Redis is unavailable (${what}); retry shortly`,
        error as Error,
      );
    }
    throw error;
  }
}

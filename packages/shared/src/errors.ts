// Typed errors with a stable code and an HTTP status; the API turns them into its JSON error body.

import type { ErrorDetail } from './wire';

export type { ErrorDetail } from './wire';

export class QueueError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends QueueError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super('validation_failed', 400, message, details);
  }
}

export class NotFoundError extends QueueError {
  constructor(message: string) {
    super('not_found', 404, message);
  }
}

export class ConflictError extends QueueError {
  constructor(message: string) {
    super('conflict', 409, message);
  }
}

export class UnavailableError extends QueueError {
  /** `cause`: what the Redis client said, for the logs only. */
  constructor(message: string, cause?: Error) {
    super('redis_unavailable', 503, message);
    if (cause) this.cause = cause;
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

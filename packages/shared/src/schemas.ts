// zod schemas for every input the queue takes, and the one place that turns zod issues into
// ValidationError details ({path, message}) clients can act on.

import { z } from 'zod';
import { ValidationError, type ErrorDetail } from './errors';
import type { JobTypeCatalog } from './job-types/catalog';
import { prioritySchema, type Priority } from './priority';
import { JOB_STATUSES } from './record';

const MAX_DELAY_MS = 366 * 24 * 3600 * 1000;
/** The idempotency keys of schedules' ticks (`schedule:<name>:<tick ms>`), never a client's. */
export const SCHEDULE_KEY_PREFIX = 'schedule:';
export const MAX_BULK_JOBS = 1000;

/** How long one attempt may run before it fails as timed out. */
export const timeoutMsSchema = z
  .number()
  .int('must be a whole number')
  .min(1)
  .max(24 * 3600 * 1000);

/**
 * The longest a failed attempt waits for its retry, whatever its backoff or a target's
 * Retry-After asks: also the largest max_ms, and the cap of an exponential backoff without one
 * (doubling 100 times would reach past any date).
 */
export const MAX_RETRY_DELAY_MS = 7 * 24 * 3600 * 1000;

/**
 * How long a failed attempt waits before the next: exponential (base_ms, then twice that, ...,
 * at most max_ms) or fixed (base_ms each time); jitter takes up to that share off at random.
 */
export const backoffSchema = z
  .strictObject({
    type: z.enum(['exponential', 'fixed']),
    base_ms: z
      .number()
      .int('must be a whole number')
      .min(1)
      .max(24 * 3600 * 1000),
    max_ms: z.number().int('must be a whole number').min(1).max(MAX_RETRY_DELAY_MS).optional(),
    jitter: z.number().min(0).max(1).optional(),
  })
  .refine((backoff) => backoff.max_ms === undefined || backoff.max_ms >= backoff.base_ms, {
    path: ['max_ms'],
    error: 'must be at least base_ms',
  });
export type Backoff = z.output<typeof backoffSchema>;

/** A group's name: a customer id, a tenant; its jobs take turns with other groups' (claim.lua). */
export const groupNameSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
  // A URL path segment of . or .. is resolved away by clients: PUT /groups/.. would miss it.
  .refine((name) => name !== '.' && name !== '..', 'must not be . or ..');

export const submitJobSchema = z
  .strictObject({
    job_type: z.string().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
    priority: prioritySchema.optional(),
    payload: z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }),
    max_attempts: z.number().int('must be a whole number').min(1).max(100).optional(),
    timeout_ms: timeoutMsSchema.optional(),
    backoff: backoffSchema.optional(),
    delay_ms: z.number().int('must be a whole number').min(0).max(MAX_DELAY_MS).optional(),
    run_at: z.iso
      .datetime({ offset: true, error: 'must be an ISO 8601 date-time' })
      .refine((runAt) => !(Date.parse(runAt) - Date.now() > MAX_DELAY_MS), {
        error: 'must be at most 366 days from now',
      })
      .optional(),
    idempotency_key: z
      .string()
      .min(1, 'must not be empty')
      .max(200, 'must be at most 200 characters')
      .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
      // A client holding a tick's key would take that tick's job (schedules.ts).
      .refine((key) => !key.startsWith(SCHEDULE_KEY_PREFIX), {
        error: `must not start with "${SCHEDULE_KEY_PREFIX}": those keys are the schedules' own`,
      })
      .optional(),
    group: groupNameSchema.optional(),
  })
  .refine((body) => body.delay_ms === undefined || body.run_at === undefined, {
    message: 'cannot be given with delay_ms: give one of them',
    path: ['run_at'],
  });

export type SubmitJobInput = z.input<typeof submitJobSchema>;

/** A submission that passed every check, ready for the submit script. */
export interface NewJob {
  jobType: string;
  priority: Priority;
  payload: unknown;
  maxAttempts: number;
  /** 0: no timeout. */
  timeoutMs: number;
  /** null: the queue's BACKOFF_BASE_MS doubling. */
  backoff: Backoff | null;
  delayMs: number;
  runAtMs: number;
  idempotencyKey: string | null;
  /** null: the jobs of no group. */
  group: string | null;
}

export const jobIdSchema = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a UUID');

/**
 * A page size: a number, or its decimal digits as a query parameter gives them. Number() would
 * also read "0x10", "1e2" and " 5", so text is taken only when it is digits alone.
 */
export const pageLimit = z
  .preprocess(
    (value) => (typeof value === 'string' && /^\d{1,15}$/.test(value) ? Number(value) : value),
    z.number('must be a whole number').int('must be a whole number').min(1).max(500),
  )
  .default(50);

export const listJobsSchema = z.strictObject({
  status: z.enum(JOB_STATUSES).optional(),
  job_type: z.string().min(1).max(100).optional(),
  limit: pageLimit,
  cursor: z.string().max(500).optional(),
});
export type ListJobsQuery = z.output<typeof listJobsSchema>;

export function issuesToDetails(
  issues: z.core.$ZodIssue[],
  pathPrefix: string[] = [],
): ErrorDetail[] {
  return issues.flatMap((issue) => {
    const path = [...pathPrefix, ...issue.path.map(String)];
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: [...path, key].join('.'),
        message: 'is not a known field',
      }));
    }
    const missing = issue.code === 'invalid_type' && issue.input === undefined;
    return [{ path: path.join('.') || '(body)', message: missing ? 'is required' : said(issue) }];
  });
}

/**
 * An issue in the words the rest of the API's errors use ("must be at least 1"): zod's own
 * messages ("Too small: expected number to be >=1") where a schema gave none.
 */
export function said(issue: z.core.$ZodIssue): string {
  const own = !/^(Too small|Too big|Invalid option|Invalid input)\b/.test(issue.message);
  if (own) return issue.message;
  switch (issue.code) {
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const than = issue.code === 'too_small' ? 'least' : 'most';
      if (issue.origin === 'string') return `must be at ${than} ${bound} characters long`;
      if (issue.origin === 'array') return `must hold at ${than} ${bound} item(s)`;
      if (issue.inclusive === false)
        return `must be ${issue.code === 'too_small' ? 'more' : 'less'} than ${bound}`;
      return `must be at ${than} ${bound}`;
    }
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`;
    case 'invalid_type':
      return `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    default:
      return issue.message;
  }
}

/**
 * safeParse that reports each failing input in its issue (issuesToDetails tells "missing" from
 * "wrong" by it). Asking for that makes zod take a much slower path (bench/README.md), so a
 * valid input (almost every one) is parsed plainly and only an invalid one is parsed again.
 */
export function safeParseReporting<T>(
  schema: z.ZodType<T>,
  input: unknown,
): ReturnType<z.ZodType<T>['safeParse']> {
  const parsed = schema.safeParse(input);
  return parsed.success ? parsed : schema.safeParse(input, { reportInput: true });
}

/** Parses with `schema` or throws a ValidationError naming every problem. */
export function parseOrThrow<T>(
  schema: z.ZodType<T>,
  input: unknown,
  what: string,
  pathPrefix: string[] = [],
): T {
  const parsed = safeParseReporting(schema, input);
  if (parsed.success) return parsed.data;
  const details = issuesToDetails(parsed.error.issues, pathPrefix);
  const first = details[0];
  throw new ValidationError(
    first ? `${what}: ${first.path} ${first.message}` : `${what} is not valid`,
    details,
  );
}

export interface SubmissionDefaults {
  maxAttempts: number;
}

/** Checks one submit body, including its payload against its job type's schema, and names every
 * problem at once so a form can mark each field. */
export function parseSubmission(
  input: unknown,
  types: Pick<JobTypeCatalog, 'lookup' | 'knownNames'>,
  defaults: SubmissionDefaults,
  pathPrefix: string[] = [],
): NewJob {
  const at = (...path: string[]) => [...pathPrefix, ...path].join('.');
  const envelope = safeParseReporting(submitJobSchema, input);
  const details: ErrorDetail[] = envelope.success
    ? []
    : issuesToDetails(envelope.error.issues, pathPrefix);
  const raw = (typeof input === 'object' && input !== null ? input : {}) as Record<string, unknown>;
  const jobType = typeof raw.job_type === 'string' ? types.lookup(raw.job_type) : undefined;
  if (typeof raw.job_type === 'string' && raw.job_type !== '' && !jobType) {
    const known = types.knownNames().join(', ');
    details.push({
      path: at('job_type'),
      message: `"${raw.job_type}" is not a known job type (known: ${known})`,
    });
  }
  // A type switched off in this process: say so first, since nothing else about the job matters.
  if (jobType?.refusedBecause)
    details.unshift({ path: at('job_type'), message: jobType.refusedBecause });
  if (
    jobType &&
    typeof raw.payload === 'object' &&
    raw.payload !== null &&
    !Array.isArray(raw.payload)
  ) {
    details.push(...jobType.problems(raw.payload, at('payload')));
  }
  if (!envelope.success || details.length > 0) {
    const first = details[0]!;
    throw new ValidationError(`invalid job: ${first.path} ${first.message}`, details);
  }
  const body = envelope.data;
  // What the submission leaves out comes from its type's declaration, then the queue's settings.
  const typeDefaults = jobType!.declaration.defaults;
  return {
    jobType: body.job_type,
    priority: body.priority ?? typeDefaults.priority ?? 'normal',
    payload: body.payload,
    maxAttempts: body.max_attempts ?? typeDefaults.max_attempts ?? defaults.maxAttempts,
    timeoutMs: body.timeout_ms ?? typeDefaults.timeout_ms ?? 0,
    backoff: body.backoff ?? typeDefaults.backoff ?? null,
    delayMs: body.delay_ms ?? 0,
    runAtMs: body.run_at ? Date.parse(body.run_at) : 0,
    idempotencyKey: body.idempotency_key ?? null,
    group: body.group ?? null,
  };
}

export function parseJobId(input: unknown): string {
  return parseOrThrow(jobIdSchema, input, 'invalid job id', ['job_id']).toLowerCase();
}

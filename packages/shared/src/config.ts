// Configuration comes from environment variables only, checked once at start. A bad value stops
// the process with a message naming the variable.

import { z } from 'zod';
import {
  CLAIM_AHEAD_PER_SLOT,
  isClaimAheadPerSlot,
  MAX_CLAIM_AHEAD_PER_SLOT,
} from './claim-planner';
import { ConfigError } from './errors';
import { QUEUE_NAME_PATTERN } from './keys';
import { said } from './schemas';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int('must be a whole number').min(min).max(max).default(fallback);

// A switch: on with 1/true/yes/on, off with 0/false/no/off.
const onOff = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], {
    error: 'must be 1 or 0 (or true/false, yes/no, on/off)',
  })
  .default('0')
  .transform((value) => ['1', 'true', 'yes', 'on'].includes(value));

// A comma-separated list, each entry trimmed (and tidied) and checked; unset or empty: none.
const commaList = (valid: RegExp, message: string, tidy = (entry: string) => entry) =>
  z
    .string()
    .optional()
    .transform((value) =>
      value
        ? value
            .split(',')
            .map((entry) => tidy(entry.trim()))
            .filter(Boolean)
        : [],
    )
    .refine((entries) => entries.every((entry) => valid.test(entry)), message);

// Origins: scheme, host and port, no path (a trailing slash is dropped).
const originList = commaList(
  /^https?:\/\/[^/\s]+$/,
  'must be a comma list of origins like https://app.example.com',
  (origin) => origin.replace(/\/$/, ''),
);

const redisUrl = z
  .string()
  .default('redis://127.0.0.1:6379')
  .refine((value) => /^rediss?:\/\/[^\s]+$/.test(value), 'must be a redis:// or rediss:// URL');

// Each setting once: its variable, its check and default, and what it means. The Config type and
// its field names (camelCase of the variable) are derived from this schema.
const configSchema = z.object({
  REDIS_URL: redisUrl,
  /** host:port of some Redis Cluster nodes; when set, the queue runs on that cluster. */
  REDIS_CLUSTER_NODES: commaList(/^[^\s:]+:\d+$/, 'must be a host:port list'),
  QUEUE_NAME: z
    .string()
    .default('jobs')
    .refine((name) => QUEUE_NAME_PATTERN.test(name), {
      message: "must be 1-64 letters, digits, '_', '.' or '-'",
    }),
  PORT: int(1, 65535, 5000),
  HOST: z.string().default('0.0.0.0'),
  API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Browser origins allowed to call the API (CORS); empty: none. */
  CORS_ORIGINS: originList,
  /** Jobs submitted per minute per client IP; 0: unlimited. */
  SUBMIT_RATE_LIMIT: int(0, 10_000_000, 0),
  /** Take the client IP from X-Forwarded-For (only behind a proxy that sets it). */
  TRUST_PROXY: onOff,
  WORKER_CONCURRENCY: int(1, 10_000, 10),
  /**
   * Jobs per slot a worker whose handlers are short claims ahead of its free slots (0: none). They
   * wait in the worker for a slot (docs/design.md).
   */
  WORKER_CLAIM_AHEAD: int(0, MAX_CLAIM_AHEAD_PER_SLOT, CLAIM_AHEAD_PER_SLOT),
  WORKER_ID: z.string().max(200).optional(),
  /** Where a worker serves its Prometheus metrics; unset: nowhere, so workers share a host. */
  WORKER_METRICS_PORT: z.coerce
    .number()
    .int('must be a port number from 1 to 65535')
    .min(1, 'must be a port number from 1 to 65535')
    .max(65535, 'must be a port number from 1 to 65535')
    .optional(),
  /**
   * Waiting this long makes up one priority level (0: strict priority). Stored with the queue by
   * the API at start, so every process orders jobs alike (docs/design.md, bench/README.md).
   */
  PRIORITY_AGING_MS: int(0, 365 * 24 * 3600 * 1000, 10_000),
  JOB_LEASE_MS: int(100, 24 * 3600 * 1000, 30_000),
  BACKOFF_BASE_MS: int(1, 3600 * 1000, 1000),
  MAX_ATTEMPTS: int(1, 100, 3),
  SHUTDOWN_TIMEOUT_MS: int(0, 3600 * 1000, 10_000),
  JOB_TTL_SECONDS: int(1, 365 * 24 * 3600, 86_400),
  FAILED_JOB_TTL_SECONDS: int(1, 365 * 24 * 3600, 7 * 86_400),
  IDEMPOTENCY_TTL_SECONDS: int(1, 365 * 24 * 3600, 86_400),
  EVENTS_MAX_LEN: int(100, 10_000_000, 10_000),
  MOCK_EMAIL_DELAY_MS: int(0, 3600 * 1000, 1000),
  MOCK_EMAIL_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0.3),
  /** Accept and run `shell` jobs, which run any command on worker machines. Off by default. */
  ALLOW_SHELL_JOBS: onOff,
  /** Where `http` jobs may send requests; unset: no `http` job is accepted or run. */
  HTTP_JOB_ALLOWED_ORIGINS: originList,
  /** The key `http` jobs' requests are signed with (X-Jobqueue-Signature). */
  HTTP_JOB_SIGNING_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  /** Live-log streams (GET /events) open at once in one API process. */
  EVENTS_MAX_STREAMS: int(1, 1_000_000, 1000),
  /** Live-log streams open at once per client. */
  EVENTS_MAX_STREAMS_PER_CLIENT: int(1, 1_000_000, 20),
  /** Bytes a live-log client may leave unread before it is dropped (it resumes). */
  EVENTS_MAX_BUFFER_BYTES: int(4096, 1024 * 1024 * 1024, 256 * 1024),
  /** Events one live-log connection replays on resume before it ends (the client resumes on). */
  EVENTS_MAX_REPLAY: int(100, 10_000_000, 10_000),
  /** How long a live-log client that is behind may read nothing before it is dropped. */
  EVENTS_STALL_MS: int(100, 3600 * 1000, 30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

type Env = z.output<typeof configSchema>;

/** `SUBMIT_RATE_LIMIT` -> `submitRateLimit`. */
type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Lowercase<Head>}${Capitalize<CamelCase<Tail>>}`
  : Lowercase<S>;

/** The settings, each under the camelCase of its variable's name. */
export type Config = { [Name in keyof Env as CamelCase<Name & string>]: Env[Name] };

/** Every variable the services read (the tester page's included). */
export const CONFIG_VARIABLES: readonly string[] = [
  ...Object.keys(configSchema.shape),
  'UI_PORT',
  'API_URL',
];

export { isClaimAheadPerSlot, MAX_CLAIM_AHEAD_PER_SLOT };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Every setting has its field, even one left unset (undefined).
  const values: Record<string, unknown> = parseSettings(configSchema, env);
  return Object.fromEntries(
    Object.keys(configSchema.shape).map((name) => [camelCase(name), values[name]]),
  ) as Config;
}

/** Reads `schema`'s variables from `env`, or throws a ConfigError naming each bad one. */
function parseSettings<T>(schema: z.ZodType<T>, env: NodeJS.ProcessEnv): T {
  // An empty variable means "not set", as in most shells' `FOO= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = schema.safeParse(present);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${said(issue)}`),
  );
}

function camelCase(name: string): string {
  return name.toLowerCase().replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** The `http` job settings alone, for the job type registry when its caller does not say. */
export function httpTargetsFromEnv(env: NodeJS.ProcessEnv = process.env): {
  allowedOrigins: string[];
  signingSecret?: string;
} {
  const settings = parseSettings(
    configSchema.pick({ HTTP_JOB_ALLOWED_ORIGINS: true, HTTP_JOB_SIGNING_SECRET: true }),
    env,
  );
  return {
    allowedOrigins: settings.HTTP_JOB_ALLOWED_ORIGINS,
    signingSecret: settings.HTTP_JOB_SIGNING_SECRET,
  };
}

/** ALLOW_SHELL_JOBS alone, for the job type registry when its caller does not say. */
export function shellJobsAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  const parsed = onOff.safeParse(env.ALLOW_SHELL_JOBS || undefined);
  if (parsed.success) return parsed.data;
  throw new ConfigError([`ALLOW_SHELL_JOBS: ${parsed.error.issues[0]?.message}`]);
}

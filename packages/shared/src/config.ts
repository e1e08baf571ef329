// Configuration comes from environment variables only, checked once at start. A bad value stops
// the process with a message naming the variable.

import { z } from 'zod';
import { ConfigError } from './errors';
import { QUEUE_NAME_PATTERN } from './keys';

const int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int('must be a whole number').min(min).max(max).default(fallback);

// A switch: on with 1/true/yes/on, off with 0/false/no/off.
const onOff = z
  .enum(['1', '0', 'true', 'false', 'yes', 'no', 'on', 'off'], {
    error: 'must be 1 or 0 (or true/false, yes/no, on/off)',
  })
  .default('0')
  .transform((value) => ['1', 'true', 'yes', 'on'].includes(value));

const redisUrl = z
  .string()
  .default('redis://127.0.0.1:6379')
  .refine((value) => /^rediss?:\/\/[^\s]+$/.test(value), 'must be a redis:// or rediss:// URL');

const configSchema = z.object({
  REDIS_URL: redisUrl,
  REDIS_CLUSTER_NODES: z
    .string()
    .optional()
    .transform((value) =>
      value
        ? value
            .split(',')
            .map((node) => node.trim())
            .filter(Boolean)
        : [],
    )
    .refine(
      (nodes) => nodes.every((node) => /^[^\s:]+:\d+$/.test(node)),
      'must be a host:port list',
    ),
  QUEUE_NAME: z
    .string()
    .default('jobs')
    .refine((name) => QUEUE_NAME_PATTERN.test(name), {
      message: "must be 1-64 letters, digits, '_', '.' or '-'",
    }),
  PORT: int(1, 65535, 5000),
  HOST: z.string().default('0.0.0.0'),
  API_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  CORS_ORIGINS: z
    .string()
    .optional()
    .transform((value) =>
      value
        ? value
            .split(',')
            .map((origin) => origin.trim())
            .filter(Boolean)
        : [],
    )
    .refine(
      (origins) => origins.every((origin) => /^https?:\/\/[^/\s]+$/.test(origin)),
      'must be a comma list of origins like https://app.example.com',
    ),
  SUBMIT_RATE_LIMIT: int(0, 10_000_000, 0),
  TRUST_PROXY: z
    .enum(['true', 'false', '1', '0'])
    .default('false')
    .transform((value) => value === 'true' || value === '1'),
  WORKER_CONCURRENCY: int(1, 10_000, 10),
  WORKER_ID: z.string().max(200).optional(),
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
  ALLOW_SHELL_JOBS: onOff,
  EVENTS_MAX_STREAMS: int(1, 1_000_000, 1000),
  EVENTS_MAX_STREAMS_PER_CLIENT: int(1, 1_000_000, 20),
  EVENTS_MAX_BUFFER_BYTES: int(4096, 1024 * 1024 * 1024, 256 * 1024),
  EVENTS_MAX_REPLAY: int(100, 10_000_000, 10_000),
  EVENTS_STALL_MS: int(100, 3600 * 1000, 30_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.output<typeof configSchema>;

/** Every variable the services read (the tester page's and a worker's metrics port included). */
export const CONFIG_VARIABLES: readonly string[] = [
  ...Object.keys(configSchema.shape),
  'WORKER_METRICS_PORT',
  'UI_PORT',
  'API_URL',
];

export interface Config {
  redisUrl: string;
  redisClusterNodes: string[];
  queueName: string;
  port: number;
  host: string;
  apiToken: string | undefined;
  /** Browser origins allowed to call the API (CORS); empty: none. */
  corsOrigins: string[];
  /** Jobs submitted per minute per client IP; 0: unlimited. */
  submitRateLimitPerMinute: number;
  /** Take the client IP from X-Forwarded-For (only behind a proxy that sets it). */
  trustProxy: boolean;
  workerConcurrency: number;
  workerId: string | undefined;
  jobLeaseMs: number;
  backoffBaseMs: number;
  maxAttempts: number;
  shutdownTimeoutMs: number;
  jobTtlSeconds: number;
  failedJobTtlSeconds: number;
  idempotencyTtlSeconds: number;
  eventsMaxLen: number;
  mockEmailDelayMs: number;
  mockEmailFailureRate: number;
  /** Accept and run `shell` jobs, which run any command on worker machines. Off by default. */
  allowShellJobs: boolean;
  /** Live-log streams (GET /events) open at once in one API process. */
  eventsMaxStreams: number;
  /** Live-log streams open at once per client. */
  eventsMaxStreamsPerClient: number;
  /** Bytes a live-log client may leave unread before it is dropped (it resumes). */
  eventsMaxBufferBytes: number;
  /** Events one live-log connection replays on resume before it ends (the client resumes on). */
  eventsMaxReplay: number;
  /** How long a live-log client that is behind may read nothing before it is dropped. */
  eventsStallMs: number;
  logLevel: Env['LOG_LEVEL'];
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable means "not set", as in most shells' `FOO= cmd`.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  const e = parsed.data;
  return {
    redisUrl: e.REDIS_URL,
    redisClusterNodes: e.REDIS_CLUSTER_NODES,
    queueName: e.QUEUE_NAME,
    port: e.PORT,
    host: e.HOST,
    apiToken: e.API_TOKEN,
    corsOrigins: e.CORS_ORIGINS,
    submitRateLimitPerMinute: e.SUBMIT_RATE_LIMIT,
    trustProxy: e.TRUST_PROXY,
    workerConcurrency: e.WORKER_CONCURRENCY,
    workerId: e.WORKER_ID,
    jobLeaseMs: e.JOB_LEASE_MS,
    backoffBaseMs: e.BACKOFF_BASE_MS,
    maxAttempts: e.MAX_ATTEMPTS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    jobTtlSeconds: e.JOB_TTL_SECONDS,
    failedJobTtlSeconds: e.FAILED_JOB_TTL_SECONDS,
    idempotencyTtlSeconds: e.IDEMPOTENCY_TTL_SECONDS,
    eventsMaxLen: e.EVENTS_MAX_LEN,
    mockEmailDelayMs: e.MOCK_EMAIL_DELAY_MS,
    mockEmailFailureRate: e.MOCK_EMAIL_FAILURE_RATE,
    allowShellJobs: e.ALLOW_SHELL_JOBS,
    eventsMaxStreams: e.EVENTS_MAX_STREAMS,
    eventsMaxStreamsPerClient: e.EVENTS_MAX_STREAMS_PER_CLIENT,
    eventsMaxBufferBytes: e.EVENTS_MAX_BUFFER_BYTES,
    eventsMaxReplay: e.EVENTS_MAX_REPLAY,
    eventsStallMs: e.EVENTS_STALL_MS,
    logLevel: e.LOG_LEVEL,
  };
}

/** ALLOW_SHELL_JOBS alone, for the job type registry when its caller does not say. */
export function shellJobsAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  const parsed = onOff.safeParse(env.ALLOW_SHELL_JOBS || undefined);
  if (parsed.success) return parsed.data;
  throw new ConfigError([`ALLOW_SHELL_JOBS: ${parsed.error.issues[0]?.message}`]);
}

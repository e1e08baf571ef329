// Configuration: environment variables only, with the documented defaults; a bad value names
// its variable.

import { CONFIG_VARIABLES, ConfigError, loadConfig, type Config } from '../src';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      queueName: 'jobs',
      port: 5000,
      apiToken: undefined,
      workerConcurrency: 10,
      workerClaimAhead: 2,
      jobLeaseMs: 30_000,
      priorityAgingMs: 10_000,
      backoffBaseMs: 1000,
      maxAttempts: 3,
      shutdownTimeoutMs: 10_000,
      jobTtlSeconds: 86_400,
      failedJobTtlSeconds: 604_800,
      mockEmailDelayMs: 1000,
      mockEmailFailureRate: 0.3,
      submitRateLimit: 0,
      workerMetricsPort: undefined,
      eventsMaxStreams: 1000,
      eventsMaxStreamsPerClient: 20,
      eventsMaxBufferBytes: 256 * 1024,
      eventsMaxReplay: 10_000,
      eventsStallMs: 30_000,
      logLevel: 'info',
    });
  });

  it('reads every variable it documents', () => {
    // Each variable with a value unlike its default, and where loadConfig puts it.
    const every: [string, string, keyof Config, unknown][] = [
      ['REDIS_URL', 'rediss://:pw@redis:6380', 'redisUrl', 'rediss://:pw@redis:6380'],
      ['REDIS_CLUSTER_NODES', 'a:7000, b:7001', 'redisClusterNodes', ['a:7000', 'b:7001']],
      ['QUEUE_NAME', 'emails', 'queueName', 'emails'],
      ['PORT', '8080', 'port', 8080],
      ['HOST', '127.0.0.1', 'host', '127.0.0.1'],
      ['API_TOKEN', 'a-token-of-16-chars+', 'apiToken', 'a-token-of-16-chars+'],
      ['CORS_ORIGINS', 'https://a.example', 'corsOrigins', ['https://a.example']],
      ['SUBMIT_RATE_LIMIT', '120', 'submitRateLimit', 120],
      ['TRUST_PROXY', 'true', 'trustProxy', true],
      ['WORKER_CONCURRENCY', '50', 'workerConcurrency', 50],
      ['WORKER_CLAIM_AHEAD', '0', 'workerClaimAhead', 0],
      ['WORKER_ID', 'w-1', 'workerId', 'w-1'],
      ['WORKER_METRICS_PORT', '9100', 'workerMetricsPort', 9100],
      ['JOB_LEASE_MS', '9000', 'jobLeaseMs', 9000],
      ['PRIORITY_AGING_MS', '0', 'priorityAgingMs', 0],
      ['BACKOFF_BASE_MS', '250', 'backoffBaseMs', 250],
      ['MAX_ATTEMPTS', '7', 'maxAttempts', 7],
      ['SHUTDOWN_TIMEOUT_MS', '2500', 'shutdownTimeoutMs', 2500],
      ['JOB_TTL_SECONDS', '60', 'jobTtlSeconds', 60],
      ['FAILED_JOB_TTL_SECONDS', '120', 'failedJobTtlSeconds', 120],
      ['IDEMPOTENCY_TTL_SECONDS', '30', 'idempotencyTtlSeconds', 30],
      ['EVENTS_MAX_LEN', '500', 'eventsMaxLen', 500],
      ['MOCK_EMAIL_DELAY_MS', '5', 'mockEmailDelayMs', 5],
      ['MOCK_EMAIL_FAILURE_RATE', '0', 'mockEmailFailureRate', 0],
      ['ALLOW_SHELL_JOBS', 'yes', 'allowShellJobs', true],
      [
        'HTTP_JOB_ALLOWED_ORIGINS',
        'http://billing:8080, https://hooks.example/',
        'httpJobAllowedOrigins',
        ['http://billing:8080', 'https://hooks.example'],
      ],
      [
        'HTTP_JOB_SIGNING_SECRET',
        'a-secret-of-16-chars',
        'httpJobSigningSecret',
        'a-secret-of-16-chars',
      ],
      ['EVENTS_MAX_STREAMS', '10', 'eventsMaxStreams', 10],
      ['EVENTS_MAX_STREAMS_PER_CLIENT', '2', 'eventsMaxStreamsPerClient', 2],
      ['EVENTS_MAX_BUFFER_BYTES', '65536', 'eventsMaxBufferBytes', 65536],
      ['EVENTS_MAX_REPLAY', '1000', 'eventsMaxReplay', 1000],
      ['EVENTS_STALL_MS', '5000', 'eventsStallMs', 5000],
      ['LOG_LEVEL', 'warn', 'logLevel', 'warn'],
    ];
    // Read by the tester page's server, not loadConfig.
    const elsewhere = ['UI_PORT', 'API_URL'];
    expect(every.map(([name]) => name).sort()).toEqual(
      CONFIG_VARIABLES.filter((name) => !elsewhere.includes(name)).sort(),
    );
    const defaults = loadConfig({});
    const config = loadConfig(Object.fromEntries(every.map(([name, value]) => [name, value])));
    for (const [name, , field, expected] of every) {
      expect({ name, value: config[field] }).toEqual({ name, value: expected });
      expect({ name, differs: config[field] !== defaults[field] }).toEqual({ name, differs: true });
    }
  });

  it.each([
    ['WORKER_CONCURRENCY', 'abc'],
    ['PORT', '70000'],
    ['REDIS_URL', 'http://localhost'],
    ['QUEUE_NAME', 'bad{name}'],
    ['MOCK_EMAIL_FAILURE_RATE', '2'],
    ['JOB_LEASE_MS', '-1'],
    ['LOG_LEVEL', 'loud'],
    ['API_TOKEN', 'short'],
    ['WORKER_METRICS_PORT', 'ninety'],
    ['WORKER_METRICS_PORT', '99999'],
    ['WORKER_CLAIM_AHEAD', '-1'],
    ['WORKER_CLAIM_AHEAD', '5'],
    ['WORKER_CLAIM_AHEAD', '1.5'],
  ])('rejects %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });

  it('reads every switch the same way: 1/0, true/false, yes/no, on/off', () => {
    for (const on of ['1', 'true', 'yes', 'on']) {
      expect(loadConfig({ TRUST_PROXY: on }).trustProxy).toBe(true);
      expect(loadConfig({ ALLOW_SHELL_JOBS: on }).allowShellJobs).toBe(true);
    }
    for (const off of ['0', 'false', 'no', 'off']) {
      expect(loadConfig({ TRUST_PROXY: off }).trustProxy).toBe(false);
      expect(loadConfig({ ALLOW_SHELL_JOBS: off }).allowShellJobs).toBe(false);
    }
  });

  it('says what a bad value must be in plain words', () => {
    expect(() => loadConfig({ WORKER_CONCURRENCY: '0' })).toThrow(
      'WORKER_CONCURRENCY: must be at least 1',
    );
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(
      'LOG_LEVEL: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent"',
    );
  });
});

// Configuration: environment variables only, with the documented defaults; a bad value names
// its variable.

import { ConfigError, loadConfig } from '../src';

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({
      redisUrl: 'redis://127.0.0.1:6379',
      queueName: 'jobs',
      port: 5000,
      apiToken: undefined,
      workerConcurrency: 10,
      jobLeaseMs: 30_000,
      backoffBaseMs: 1000,
      maxAttempts: 3,
      shutdownTimeoutMs: 10_000,
      jobTtlSeconds: 86_400,
      failedJobTtlSeconds: 604_800,
      mockEmailDelayMs: 1000,
      mockEmailFailureRate: 0.3,
      submitRateLimitPerMinute: 0,
      eventsMaxStreams: 1000,
      eventsMaxStreamsPerClient: 20,
      eventsMaxBufferBytes: 256 * 1024,
      eventsMaxReplay: 10_000,
      eventsStallMs: 30_000,
      logLevel: 'info',
    });
  });

  it('reads every variable it documents', () => {
    const config = loadConfig({
      REDIS_URL: 'rediss://:pw@redis:6380',
      QUEUE_NAME: 'emails',
      PORT: '8080',
      WORKER_CONCURRENCY: '50',
      MOCK_EMAIL_FAILURE_RATE: '0',
      REDIS_CLUSTER_NODES: 'a:7000, b:7001',
    });
    expect(config).toMatchObject({
      redisUrl: 'rediss://:pw@redis:6380',
      queueName: 'emails',
      port: 8080,
      workerConcurrency: 50,
      mockEmailFailureRate: 0,
      redisClusterNodes: ['a:7000', 'b:7001'],
    });
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
  ])('rejects %s=%s, naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`${name}:`));
  });
});

// One queue of a test's own served by the real built processes: an api on a free port and as
// many workers as the test starts, all configured only through their environment.
import { startApi, type ApiProcess } from './api-client';
import { testRedisUrl, uniqueQueueName } from './redis-url';
import { startService, type ServiceProcess } from './service-process';

export interface QueueStack {
  redisUrl: string;
  queueName: string;
  /** REDIS_URL and QUEUE_NAME, what every process of the stack shares. */
  env: Record<string, string>;
  api: ApiProcess;
}

export async function startQueueStack(
  prefix: string,
  redisUrl: string = testRedisUrl(),
): Promise<QueueStack> {
  const queueName = uniqueQueueName(prefix);
  const env = { REDIS_URL: redisUrl, QUEUE_NAME: queueName };
  return { redisUrl, queueName, env, api: await startApi(env) };
}

/**
 * Starts a worker on the stack's queue and resolves once it announced itself. Mock emails never
 * fail unless `env` says otherwise.
 */
export async function startWorker(
  stack: QueueStack,
  env: Record<string, string> = {},
): Promise<ServiceProcess> {
  const worker = startService('worker', { ...stack.env, MOCK_EMAIL_FAILURE_RATE: '0', ...env });
  await worker.waitForLog((log) => String(log.msg).startsWith('Starting worker'));
  return worker;
}

/** Resolves once the process logged exactly `message`. */
export function waitForMessage(
  service: ServiceProcess,
  message: string,
  timeoutMs = 10_000,
): Promise<unknown> {
  return service.waitForLog((log) => log.msg === message, timeoutMs);
}

/** A send_email submission body as the README writes it; `n` tells jobs apart. */
export function emailJob(n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    job_type: 'send_email',
    priority: 'normal',
    payload: { to: 'user@example.com', subject: `Test ${n}`, message: 'Hello!' },
    ...extra,
  };
}

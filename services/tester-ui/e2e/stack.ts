// The whole product on free ports, for the browser test: a redis-server of its own, the built
// api and worker, the example worker of a user's own job type (examples/custom-worker, on the
// SDK), and the tester page's server in front of the api. The worker can be replaced (to make
// jobs fail, then succeed) and the api restarted on the same port.
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { decodeEvents, queueKeys, type QueueEvent, type StreamEntry } from '@jobqueue/shared';
import { onFreePort, RedisServerProcess, stopAll } from '@jobqueue/testkit';
import { REPO_ROOT, ServiceProcess, startService } from '../../../test/support/service-process';

const UI_SERVER = join(REPO_ROOT, 'services', 'tester-ui', 'dist', 'server', 'main.js');
const CUSTOM_WORKER = join(REPO_ROOT, 'examples', 'custom-worker', 'worker.mjs');

export interface WorkerBehaviour {
  /** MOCK_EMAIL_FAILURE_RATE: 0 always delivers, 1 always fails. */
  failureRate: 0 | 1;
}

export class Stack {
  private api!: ServiceProcess;
  private worker: ServiceProcess | undefined;
  private apiPort = 0;
  private readonly redis = new RedisServerProcess();
  private readonly queueName = `e2e-${randomUUID()}`;
  uiUrl = '';

  async start(): Promise<this> {
    if (!existsSync(UI_SERVER))
      throw new Error(`${UI_SERVER} is missing: run "npm run build" first`);
    await this.redis.start();
    await onFreePort(async (port) => {
      this.apiPort = port;
      try {
        await this.startApi();
      } catch (error) {
        await this.api.stop();
        throw error;
      }
    });
    await this.startWorker({ failureRate: 0 });
    const custom = new ServiceProcess(process.execPath, [CUSTOM_WORKER], {
      name: 'custom-worker',
      env: this.serviceEnv,
    });
    await custom.waitForLine(/Starting worker/);

    await onFreePort(async (uiPort) => {
      const ui = new ServiceProcess(process.execPath, [UI_SERVER], {
        name: 'tester-ui',
        env: { UI_PORT: String(uiPort), API_URL: `http://127.0.0.1:${this.apiPort}` },
      });
      try {
        await ui.waitForHttp(`http://127.0.0.1:${uiPort}/`);
      } catch (error) {
        await ui.stop();
        throw error;
      }
      this.uiUrl = `http://127.0.0.1:${uiPort}`;
    });
    return this;
  }

  private get serviceEnv(): Record<string, string | undefined> {
    return {
      REDIS_URL: this.redis.url,
      QUEUE_NAME: this.queueName,
      // The page must work on an open API; a token in the caller's environment would close it.
      API_TOKEN: undefined,
      LOG_LEVEL: 'info',
    };
  }

  /** Starts the api on its port; `env` adds to the services' variables (e.g. API_TOKEN). */
  async startApi(env: Record<string, string> = {}): Promise<void> {
    this.api = startService('api', { ...this.serviceEnv, ...env, PORT: String(this.apiPort) });
    await this.api.waitForHttp(`http://127.0.0.1:${this.apiPort}/ready`);
  }

  async stopApi(): Promise<void> {
    await this.api.stop();
  }

  /** Replaces the running worker (if any) with one that behaves as asked. */
  async startWorker({ failureRate }: WorkerBehaviour): Promise<void> {
    await this.worker?.stop();
    this.worker = startService('worker', {
      ...this.serviceEnv,
      MOCK_EMAIL_DELAY_MS: '150',
      MOCK_EMAIL_FAILURE_RATE: String(failureRate),
      BACKOFF_BASE_MS: '50',
    });
    await this.worker.waitForLine(/Starting worker/);
  }

  /** The newest event the queue's events stream holds (what a live page has shown last). */
  async newestEvent(): Promise<QueueEvent> {
    const redis = new Redis(this.redis.url);
    try {
      const [entry] = (await redis.xrevrange(
        queueKeys(this.queueName).events,
        '+',
        '-',
        'COUNT',
        1,
      )) as StreamEntry[];
      return decodeEvents(entry!).at(-1)!;
    } finally {
      redis.disconnect();
    }
  }

  async stop(): Promise<void> {
    await stopAll();
  }
}

// One scenario's own stack on loopback: a redis-server of its own, an api and any number of
// workers, all real processes configured through their environment, plus a ledger folder and an
// inspector connection for checking what Redis holds. dispose() ends every process it started.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Redis from 'ioredis';
import { queueKeys, type QueueKeys } from '@jobqueue/shared';
import { freePort, RedisServerProcess } from '@jobqueue/testkit';
import { ChildService } from './processes';

export interface LabOptions {
  /** Part of the queue name and temporary folder. */
  name: string;
  /** More redis-server arguments, e.g. appendonly settings. */
  redisArgs?: string[];
  /** Environment shared by the api and the workers (JOB_LEASE_MS, ...). */
  env?: Record<string, string>;
  /** Serve the product's own api (services/api) instead of the chaos api. */
  productApi?: boolean;
  /** Node flags of the api process. */
  apiNodeArgs?: string[];
}

const CHAOS_DIST = resolve(__dirname, '..', 'dist');
const PRODUCT_API = resolve(__dirname, '..', '..', 'services', 'api', 'dist', 'main.js');
const live = new Set<Lab>();

export class Lab {
  readonly queueName: string;
  readonly keys: QueueKeys;
  readonly ledgerDir: string;
  readonly inspector: Redis;
  /** Every worker this lab started, dead or alive, in order. */
  readonly workers: ChildService[] = [];
  api!: ChildService;
  apiUrl = '';
  private readonly expectedExits = new Set<ChildService>();
  private workerCount = 0;
  private supervising: Record<string, string> | undefined;
  private disposed = false;

  private constructor(
    private readonly options: LabOptions,
    readonly dir: string,
    readonly redis: RedisServerProcess,
  ) {
    this.queueName = `chaos-${options.name}`;
    this.keys = queueKeys(this.queueName);
    this.ledgerDir = join(dir, 'ledger');
    this.inspector = new Redis(redis.url, { retryStrategy: () => 200, lazyConnect: true });
    this.inspector.on('error', () => undefined); // expected while Redis is killed or frozen
  }

  static async start(options: LabOptions): Promise<Lab> {
    const dir = mkdtempSync(join(tmpdir(), `jobqueue-chaos-${options.name}-`));
    // Its port and data folder are kept across kills and restarts: a restart finds its data.
    // 20 s to start: a restart may replay a long append-only file.
    const redis = new RedisServerProcess({
      port: await freePort(),
      dataDir: dir,
      args: options.redisArgs,
      startTimeoutMs: 20_000,
    });
    const lab = new Lab(options, dir, redis);
    live.add(lab);
    try {
      await redis.start();
      await lab.inspector.connect();
      await lab.startApi();
      return lab;
    } catch (error) {
      await lab.dispose();
      throw error;
    }
  }

  /** What every process of the lab shares. */
  get env(): Record<string, string> {
    return {
      REDIS_URL: this.redis.url,
      QUEUE_NAME: this.queueName,
      LOG_LEVEL: 'warn',
      MOCK_EMAIL_FAILURE_RATE: '0',
      ...this.options.env,
    };
  }

  async startApi(): Promise<void> {
    const port = await freePort();
    const script = this.options.productApi ? PRODUCT_API : join(CHAOS_DIST, 'api.js');
    const args = [...(this.options.apiNodeArgs ?? []), script];
    const env: Record<string, string | undefined> = {
      ...process.env,
      ...this.env,
      PORT: String(port),
      HOST: '127.0.0.1',
    };
    // The chaos api takes floods on purpose; the product's api keeps its configured limit.
    if (!this.options.productApi) env.SUBMIT_RATE_LIMIT ??= '0';
    this.api = new ChildService('api', process.execPath, args, env);
    this.apiUrl = `http://127.0.0.1:${port}`;
    await waitForHttp(this.api, `${this.apiUrl}/ready`);
  }

  /** Starts a worker and resolves once its heartbeat is in Redis (it is fetching work). */
  async startWorker(env: Record<string, string> = {}): Promise<ChildService> {
    const id = `w${++this.workerCount}`;
    const worker = new ChildService(id, process.execPath, [join(CHAOS_DIST, 'worker.js')], {
      ...process.env,
      ...this.env,
      CHAOS_LEDGER_DIR: this.ledgerDir,
      WORKER_ID: id,
      ...env,
    });
    this.workers.push(worker);
    void worker.exited.then(() => this.onWorkerExit(worker));
    const deadline = Date.now() + 20_000;
    while ((await this.inspector.zscore(this.keys.workers, id)) === null) {
      if (!worker.alive) throw worker.failure('exited before it started fetching');
      if (Date.now() > deadline) throw worker.failure('sent no heartbeat within 20 s');
      await sleep(50);
    }
    return worker;
  }

  /** Starts a worker over HTTP (http-worker.ts) and resolves once it is claiming. */
  async startHttpWorker(env: Record<string, string> = {}): Promise<ChildService> {
    const id = `h${++this.workerCount}`;
    const worker = new ChildService(id, process.execPath, [join(CHAOS_DIST, 'http-worker.js')], {
      ...process.env,
      ...this.env,
      CHAOS_API_URL: this.apiUrl,
      CHAOS_LEDGER_DIR: this.ledgerDir,
      WORKER_ID: id,
      ...env,
    });
    this.workers.push(worker);
    await worker.waitForLine((line) => line.startsWith(`http worker ${id} claiming`), 20_000);
    return worker;
  }

  async startWorkers(count: number, env: Record<string, string> = {}): Promise<ChildService[]> {
    return Promise.all(Array.from({ length: count }, () => this.startWorker(env)));
  }

  aliveWorkers(): ChildService[] {
    return this.workers.filter((w) => w.alive);
  }

  /** Sends `signal` to a worker on purpose; its exit is then no crash. */
  signalWorker(worker: ChildService, signal: NodeJS.Signals): void {
    if (signal === 'SIGKILL' || signal === 'SIGTERM') this.expectedExits.add(worker);
    worker.signal(signal);
  }

  /** From now on a worker that dies is replaced by a new one, as a process manager would. */
  superviseWorkers(env: Record<string, string> = {}): void {
    this.supervising = env;
  }

  /** Processes that exited without being told to (the api, or workers not killed on purpose). */
  unexpectedExits(): string[] {
    const all = [this.api, ...this.workers];
    return all
      .filter((p) => p.exit && !this.expectedExits.has(p))
      .map((p) => `${p.name} exited (${p.exit?.signal ?? `code ${p.exit?.code}`})`);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    live.delete(this);
    this.supervising = undefined;
    const all = [this.api, ...this.workers].filter(Boolean);
    for (const p of all) this.expectedExits.add(p);
    await Promise.all(all.map((p) => p.stop()));
    this.inspector.disconnect();
    await this.redis.dispose();
    if (!process.env.CHAOS_KEEP) rmSync(this.dir, { recursive: true, force: true });
  }

  killNow(): void {
    for (const p of [this.api, ...this.workers]) p?.signal('SIGKILL');
    this.redis.killNow();
  }

  private onWorkerExit(worker: ChildService): void {
    if (!this.supervising || this.disposed) return;
    this.expectedExits.add(worker); // a supervised death is the scenario's point, not a crash
    this.startWorker(this.supervising).catch(() => undefined);
  }
}

/** Ends every lab still running (a run interrupted, a test that failed). */
export async function disposeAllLabs(): Promise<void> {
  await Promise.all([...live].map((lab) => lab.dispose()));
}

export function killAllLabsNow(): void {
  for (const lab of live) lab.killNow();
}

async function waitForHttp(service: ChildService, url: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!service.alive) throw service.failure(`exited before ${url} answered`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw service.failure(`${url} did not answer 2xx within ${timeoutMs} ms`);
}

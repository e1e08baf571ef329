// Keeps a worker's claims alive and cleans up after dead workers: on a timer, one call renews the
// leases of every job this worker runs (and records its heartbeat), one call recovers jobs whose
// lease expired anywhere in the queue, and one forgets completed jobs past their retention.

import { WORKER_STALE_MS, type QueueKeys } from './keys';
import type { RedisClient } from './redis';
import { runScript } from './scripts';
import type { ClaimedJob } from './fetcher';

export interface LeaseKeeperOptions {
  workerId: string;
  leaseMs: number;
  failedJobTtlSeconds: number;
  eventsMaxLen: number;
  /** The jobs this worker is running right now. */
  runningJobs: () => Iterable<ClaimedJob>;
  /** Forgets completed jobs past their retention (see complete.lua). */
  forgetExpired: () => Promise<void>;
  /**
   * Attempts whose lease was lost: another worker may be running their jobs now. The attempts
   * this keeper renewed, so that one claimed again since (a newer attempt of the same job) is
   * told apart from them.
   */
  onLeaseLost: (attempts: ClaimedJob[]) => void;
  onRecovered: (requeued: number, failed: number) => void;
  onError: (error: Error) => void;
}

const RECOVER_BATCH = 500;

export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;
  readonly intervalMs: number;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: QueueKeys,
    private readonly options: LeaseKeeperOptions,
  ) {
    // Three renewals per lease, so one slow round trip never lets a lease lapse.
    this.intervalMs = Math.max(50, Math.min(Math.floor(options.leaseMs / 3), 5000));
  }

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(() => {
      this.ticking ??= this.tick().finally(() => (this.ticking = undefined));
    }, this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.ticking;
  }

  async tick(): Promise<void> {
    try {
      await this.renewLeases();
      await this.recoverExpiredLeases();
      await this.options.forgetExpired();
    } catch (error) {
      this.options.onError(error as Error);
    }
  }

  /**
   * Confirms jobs this worker has just started that a claim behind its wait took (see
   * fetcher.ts): their leases become whole and recovery will count their attempts.
   */
  async confirm(jobs: Iterable<ClaimedJob>): Promise<void> {
    try {
      await this.renew(jobs);
    } catch (error) {
      // The next timed renewal confirms them; until then they stay leased for a while.
      this.options.onError(error as Error);
    }
  }

  private async renewLeases(): Promise<void> {
    await this.renew(this.options.runningJobs());
  }

  private async renew(jobs: Iterable<ClaimedJob>): Promise<void> {
    const pairs: string[] = [];
    const renewed = new Map<string, ClaimedJob>();
    for (const job of jobs) {
      pairs.push(job.id, job.leaseToken);
      renewed.set(job.id, job);
    }
    const lost = await runScript<string[]>(this.redis, 'extend', this.keys, [
      this.keys.prefix,
      this.options.leaseMs,
      this.options.workerId,
      WORKER_STALE_MS,
      pairs.length / 2,
      ...pairs,
    ]);
    if (lost.length > 0) this.options.onLeaseLost(lost.map((id) => renewed.get(id)!));
  }

  private async recoverExpiredLeases(): Promise<void> {
    const [requeued, failed] = await runScript<[number, number]>(this.redis, 'recover', this.keys, [
      this.keys.prefix,
      RECOVER_BATCH,
      this.options.failedJobTtlSeconds,
      this.options.eventsMaxLen,
    ]);
    if (requeued > 0 || failed > 0) this.options.onRecovered(requeued, failed);
  }
}

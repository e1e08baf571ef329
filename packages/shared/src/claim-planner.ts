// The fetch loop's bookkeeping, apart from the loop: how many slots are busy or promised to claims
// in flight, whether the queue looked empty or a claim failed, and from that, what to do next.
// The worker asks `next()` each turn and reports what happened; this class never talks to Redis.

/**
 * A busy worker claims in batches of this share of its concurrency, several claims in flight at
 * once, so Redis has the next claim queued while this process starts the jobs of the last one
 * (the share is measured: bench/README.md).
 */
const CLAIMS_PER_FILL = 3;
/**
 * The most jobs one claim asks for, however many slots: a claim is one script call, during which
 * Redis serves no one else.
 */
const MAX_BATCH = 500;
/**
 * Leases a worker holds at most, per slot, beyond the jobs it may claim ahead: its jobs running,
 * waiting here for a slot, finished and being recorded, or coming in claims in flight. Claims go
 * on while finished jobs are recorded, within this bound (bench/README.md).
 */
const LEASES_PER_SLOT = 3;
/**
 * A worker whose handlers return within this on average, and one of them within this long ago,
 * claims up to `claimAheadPerSlot` jobs a slot ahead of its free slots: those jobs wait here for a
 * slot about as long as a claim takes to answer under load, time the slots would otherwise spend
 * idle (bench/README.md). With longer handlers it claims for free slots only, so no job sits
 * claimed here while another worker could be running it (and one that waits 100 ms anyway is
 * given back: worker.ts).
 */
const CLAIM_AHEAD_MAX_RUN_MS = 10;
/**
 * Jobs a slot claimed ahead by default (WORKER_CLAIM_AHEAD). Under load a claim takes several
 * times longer to answer than a short handler runs, so fewer left slots idle (measured:
 * bench/README.md).
 */
export const CLAIM_AHEAD_PER_SLOT = 2;
/**
 * The most jobs a slot a worker may be told to claim ahead: a job claimed ahead waits behind about
 * that many handler runs, and one that waits 100 ms is given back (worker.ts).
 */
export const MAX_CLAIM_AHEAD_PER_SLOT = 4;

/** Whether `value` may be a worker's claim ahead: a whole number of jobs a slot, 0 to 4. */
export function isClaimAheadPerSlot(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= MAX_CLAIM_AHEAD_PER_SLOT;
}
/** The most jobs claimed ahead, however many slots: each waits in this process's memory. */
const MAX_CLAIM_AHEAD = 5000;
/** Weight of the newest handler's run time in the running mean. */
const RUN_TIME_WEIGHT = 1 / 16;

export type NextStep =
  /** Send a claim for up to `jobs` jobs, without waiting for its answer. */
  | { action: 'claim'; jobs: number }
  /** Wait until a slot frees or a claim in flight answers. */
  | { action: 'wait' }
  /** A claim failed and no other is in flight: report it, pause, then go on. */
  | { action: 'report'; error: Error }
  /** The queue looked empty: wait on it in Redis for up to `jobs` jobs. */
  | { action: 'idle'; jobs: number };

/** A claim sent: what the planner needs back when it answers. */
export interface ClaimTicket {
  jobs: number;
  /** Whether this claim may bring a suspect job (at most one claim in flight may). */
  maySuspect: boolean;
  /** How many of its jobs find a slot free at once; the others are claimed ahead (claim.lua). */
  startsAtOnce: number;
}

export class ClaimPlanner {
  /** Jobs one claim asks for when the worker is busy. */
  readonly batch: number;
  /** Handlers running now; a slot frees when its handler returns, while the outcome is recorded. */
  private busy = 0;
  /** Jobs claimed ahead, waiting here for a slot. */
  private queued = 0;
  /** Mean run time of the handlers that returned lately (ms); undefined before the first. */
  private meanRunMs: number | undefined;
  /** When the last handler returned (`now()`, ms). */
  private lastReturnAt = -Infinity;
  /** Slots claims in flight may fill. */
  private reserved = 0;
  private claimsInFlight = 0;
  private suspectClaimInFlight = false;
  /**
   * The last claim got fewer jobs than it asked for, so the queue held no more: the next step is
   * the wait on the queue (whose claim also takes whatever came since), not more claims.
   */
  private queueLookedEmpty = false;
  /** A claim's error, reported once no other claim is in flight. */
  private failure: Error | undefined;

  /** `claimAheadPerSlot`: WORKER_CLAIM_AHEAD; `now`: a clock in ms (tests pass their own). */
  constructor(
    private readonly concurrency: number,
    private readonly claimAheadPerSlot = CLAIM_AHEAD_PER_SLOT,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!isClaimAheadPerSlot(claimAheadPerSlot)) {
      throw new RangeError(
        `claim ahead must be a whole number of jobs a slot from 0 to ${MAX_CLAIM_AHEAD_PER_SLOT} (got ${claimAheadPerSlot})`,
      );
    }
    this.batch = Math.min(Math.ceil(concurrency / CLAIMS_PER_FILL), MAX_BATCH);
  }

  /** What the fetch loop does next, given how many leases the worker holds now. */
  next(leasesHeld: number): NextStep {
    const free = this.freeSlots(leasesHeld);
    if (this.claimsInFlight > 0) {
      // Another claim goes out only for a whole batch of free slots, and not while the queue
      // looked empty or a claim failed: the answers in flight say whether to go on.
      const more = free >= this.batch && !this.queueLookedEmpty && !this.failure;
      return more ? { action: 'claim', jobs: this.batch } : { action: 'wait' };
    }
    if (this.failure) {
      const error = this.failure;
      this.failure = undefined;
      return { action: 'report', error };
    }
    if (free <= 0) return { action: 'wait' };
    if (!this.queueLookedEmpty) return { action: 'claim', jobs: Math.min(free, this.batch) };
    // An empty queue leaves nothing to claim ahead of: the wait in Redis, which may last long
    // after the handlers turned long, is for free slots only.
    const freeNow = this.freeSlots(leasesHeld, false);
    if (freeNow <= 0) return { action: 'wait' };
    // Whatever the wait brings, a plain claim follows it: it also promotes scheduled jobs due.
    this.queueLookedEmpty = false;
    return { action: 'idle', jobs: Math.min(freeNow, this.batch) };
  }

  /** A claim for `jobs` goes out; `runsSuspect`: the worker already runs a suspect job. */
  claimSent(jobs: number, runsSuspect: boolean): ClaimTicket {
    // One claim in flight at a time may bring a suspect: two could bring one each.
    const maySuspect = !this.suspectClaimInFlight && !runsSuspect;
    if (maySuspect) this.suspectClaimInFlight = true;
    const free = this.concurrency - this.busy - this.queued - this.reserved;
    this.reserved += jobs;
    this.claimsInFlight++;
    return { jobs, maySuspect, startsAtOnce: Math.max(0, Math.min(jobs, free)) };
  }

  /**
   * A claim answered with `got` jobs, or failed. Its slots stop being reserved here; the caller
   * starts the jobs in the same turn, so no slot is counted twice or lost.
   */
  claimAnswered(ticket: ClaimTicket, got: number | Error): void {
    if (ticket.maySuspect) this.suspectClaimInFlight = false;
    this.reserved -= ticket.jobs;
    this.claimsInFlight--;
    if (got instanceof Error) this.failure = got;
    else this.queueLookedEmpty = got < ticket.jobs;
  }

  /** The wait on an empty queue woke with `got` of `wanted` jobs, or failed. */
  waitAnswered(wanted: number, got: number | Error): void {
    if (got instanceof Error) this.failure = got;
    // Nothing at all (a due time came, the timeout, a stop): a plain claim follows.
    else this.queueLookedEmpty = got > 0 && got < wanted;
  }

  /** Whether a claimed job may start now, or waits for a slot (`jobQueued`). */
  hasFreeSlot(): boolean {
    return this.busy < this.concurrency;
  }

  jobQueued(): void {
    this.queued++;
  }

  /** A job that waited for a slot left without running here (cancelled, given back). */
  queuedJobDropped(): void {
    this.queued--;
  }

  /** `fromQueue`: the job waited for its slot (see `jobQueued`). */
  handlerStarted(fromQueue = false): void {
    if (fromQueue) this.queued--;
    this.busy++;
  }

  /** `runMs`: how long the handler ran. */
  handlerReturned(runMs = 0): void {
    this.busy--;
    this.lastReturnAt = this.now();
    this.meanRunMs =
      this.meanRunMs === undefined
        ? runMs
        : this.meanRunMs + (runMs - this.meanRunMs) * RUN_TIME_WEIGHT;
  }

  /** Jobs claims may take beyond the free slots: twice the slots while handlers are short. */
  private claimAhead(): number {
    if (this.batch <= 1 || this.meanRunMs === undefined) return 0;
    // Handlers that were short but have all run long since (none returned lately) count as long.
    const short =
      this.meanRunMs <= CLAIM_AHEAD_MAX_RUN_MS &&
      this.now() - this.lastReturnAt <= CLAIM_AHEAD_MAX_RUN_MS;
    return short ? Math.min(this.claimAheadPerSlot * this.concurrency, MAX_CLAIM_AHEAD) : 0;
  }

  private freeSlots(leasesHeld: number, ahead = true): number {
    return (
      Math.min(
        this.concurrency + (ahead ? this.claimAhead() : 0) - this.busy - this.queued,
        (LEASES_PER_SLOT + this.claimAheadPerSlot) * this.concurrency - leasesHeld,
      ) - this.reserved
    );
  }
}

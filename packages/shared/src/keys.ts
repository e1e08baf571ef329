// The Redis key layout of one queue, built in this one place. Every key shares the `{queue}`
// hash tag, so a queue lives in one Redis Cluster slot and its scripts stay atomic there.

export interface QueueKeys {
  /** `jq:{queue}:`, the prefix scripts use to build job:<id> and idem:<key>. */
  prefix: string;
  /** Every ready job, in line: for counts and listings. Workers claim from the lanes (`ready`). */
  queued: string;
  scheduled: string;
  active: string;
  /** A stream (not a sorted set like the other finished-job indexes): see STREAM_INDEXES. */
  completed: string;
  /** How many job ids `completed` holds: each of its entries holds those of one call. */
  completedCount: string;
  failed: string;
  cancelled: string;
  marker: string;
  events: string;
  totals: string;
  seq: string;
  /** A stream: see STREAM_INDEXES. */
  created: string;
  workers: string;
  /** Hash, job type name -> its declaration (JSON): the job-type registry. */
  types: string;
  /** Hash, worker id -> the job type names it runs (JSON list), beside its heartbeat. */
  typeWorkers: string;
  /** Hash: <type> -> limits its declaration sets; <type>:override -> limits set at run time. */
  limits: string;
  /** Hash: type -> jobs of a concurrency-limited type running now (claim.lua). */
  running: string;
  /** Hash, schedule name -> its definition (JSON): the cron schedules. */
  schedules: string;
  /** Sorted set, schedule name -> its next run (ms). */
  schedulesDue: string;
  /** Hash, schedule name -> how its last tick went (JSON {at, job_id, error}). */
  scheduleRuns: string;
  /** Hash: '*' when the whole queue is paused, a job type's name when that type is. */
  paused: string;
  /** The pub/sub channel (not a key) on which cancel.lua names running jobs it cancelled. */
  cancels: string;
  /** The version of this layout the queue's keys are in (see relane.lua). */
  layout: string;
  /** Hash of settings stored with the queue: `priority_aging_ms` (the API's PRIORITY_AGING_MS). */
  settings: string;
  /** Hash: group -> its settings (JSON {weight?, max_concurrency?}; PUT /groups/:name). */
  groups: string;
  /** Sorted set: group -> when it last had a job submitted (ms): the groups GET /groups lists. */
  groupsSeen: string;
  job(id: string): string;
  /** A type's lane: its ready jobs, scored like `queued`, which workers that run it claim from. */
  ready(jobType: string): string;
  /** A group's lane of a type (laneKey in prelude.lua): its ready jobs of that type. */
  groupLane(jobType: string, group: string): string;
  /**
   * Hash of a group's counts over every worker (groupCountsKey in prelude.lua): `started`,
   * `done` (completed) and `ended` (failed, recovered, cancelled), so running = started - done -
   * ended; and its clock in each type's ring of turns (`clock:<type>`).
   */
  groupCounts(group: string): string;
  /** A sorted set only one worker waits on besides `marker`: how its own stop wakes it. */
  wake(workerId: string): string;
  /** What workers that run `jobType` wait on besides `marker`: jobs of the type are ready. */
  typeMarker(jobType: string): string;
}

/**
 * Indexes that only grow at their newest end and shrink at their oldest (by age): every job ever
 * created, and completed jobs. They are streams with one entry per script call, holding the ids
 * (16 bytes each) the call added, in order; the entry id is the time they were added. That takes
 * about 17 bytes a job against about 145 in a sorted set. The keys end in `_log` so they never
 * meet a sorted set of the same name a queue of an older release may still hold.
 */
export const STREAM_INDEXES = ['created', 'completed'] as const;

/** A worker whose heartbeat in `workers` is older than this is counted gone and trimmed. */
export const WORKER_STALE_MS = 15_000;

export const QUEUE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export function queueKeys(queueName: string): QueueKeys {
  if (!QUEUE_NAME_PATTERN.test(queueName)) {
    throw new Error(`queue name "${queueName}" must be 1-64 letters, digits, '_', '.' or '-'`);
  }
  const prefix = `jq:{${queueName}}:`;
  return {
    prefix,
    queued: `${prefix}queued`,
    scheduled: `${prefix}scheduled`,
    active: `${prefix}active`,
    completed: `${prefix}completed_log`,
    completedCount: `${prefix}completed_count`,
    failed: `${prefix}failed`,
    cancelled: `${prefix}cancelled`,
    marker: `${prefix}marker`,
    events: `${prefix}events`,
    totals: `${prefix}totals`,
    seq: `${prefix}seq`,
    created: `${prefix}created_log`,
    workers: `${prefix}workers`,
    types: `${prefix}types`,
    typeWorkers: `${prefix}type_workers`,
    layout: `${prefix}layout`,
    settings: `${prefix}settings`,
    groups: `${prefix}groups`,
    groupsSeen: `${prefix}gseen`,
    cancels: `${prefix}cancels`,
    paused: `${prefix}paused`,
    schedules: `${prefix}schedules`,
    limits: `${prefix}limits`,
    running: `${prefix}running`,
    schedulesDue: `${prefix}schedules_due`,
    scheduleRuns: `${prefix}schedule_runs`,
    job: (id) => `${prefix}job:${id}`,
    ready: (jobType) => `${prefix}ready:${jobType}`,
    groupLane: (jobType, group) => `${prefix}ready:${jobType}:${group}`,
    groupCounts: (group) => `${prefix}group:${group}`,
    wake: (workerId) => `${prefix}wake:${workerId}`,
    typeMarker: (jobType) => `${prefix}marker:${jobType}`,
  };
}

// Cron schedules: a job submitted at every tick of a cron expression (seconds optional, in a time
// zone). Each schedule's next tick waits in `schedules_due`; every API process fires due ticks
// (ScheduleRunner). A tick's submission carries the idempotency key schedule:<name>:<tick ms>,
// so however many processes fire it there is one job, and advance_schedule.lua moves the
// schedule on once. After downtime a schedule fires once for the ticks it missed, then carries
// on from now: at most one catch-up run.

import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { NotFoundError, ValidationError } from './errors';
import type { Logger } from './logger';
import { prioritySchema } from './priority';
import type { JobQueue } from './queue';
import { unavailableWhenRedisIsAway } from './redis-errors';
import { logLoopFailure, type RedisOutageLog } from './redis-outage-log';
import { parseOrThrow, SCHEDULE_KEY_PREFIX } from './schemas';
import { runScript } from './scripts';
import type { Priority } from './wire';

export const scheduleSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,100}$/, "must be 1-100 letters, digits, '_', '.', ':' or '-'"),
  cron: z.string().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  timezone: z.string().max(100).optional(),
  job_type: z.string().min(1).max(100),
  payload: z.record(z.string(), z.unknown(), { error: 'must be a JSON object' }),
  priority: prioritySchema.optional(),
});

export interface Schedule {
  name: string;
  cron: string;
  timezone: string;
  job_type: string;
  payload: unknown;
  priority: Priority;
  created_at: string;
  /** The next tick, ISO 8601. */
  next_run_at: string | null;
  /** How the last tick went: its job, or why none was submitted; null before the first. */
  last_run: ScheduleRun | null;
}

export interface ScheduleRun {
  /** The tick, ISO 8601. */
  at: string;
  job_id: string | null;
  /** Why the tick submitted no job (its type's schema refuses the payload now, say). */
  error: string | null;
}

type StoredSchedule = Omit<Schedule, 'next_run_at' | 'last_run'>;

/** Each field of a cron expression, seconds first, and how many values it holds. */
const CRON_FIELDS = [
  ['second', 60],
  ['minute', 60],
  ['hour', 24],
  ['day-of-month', 31],
  ['month', 12],
  ['day-of-week', 7],
] as const;

/**
 * What is wrong with `cron` that cron-parser takes without a word: fewer or more fields than five
 * (six with seconds), which it fills in or shifts; a step past its field's values (70 in the
 * minute field), which it reads as the field's first value alone; and `H`, which it draws at
 * random on every parse, so each API process would fire at other times.
 */
function cronProblem(cron: string): string | undefined {
  const fields = cron.split(' ');
  // A nickname (@daily): the parser says whether it knows it.
  if (fields.length === 1 && fields[0]!.startsWith('@')) return undefined;
  if (fields.length !== 5 && fields.length !== 6) {
    return `has ${fields.length} field(s): it takes five (minute hour day-of-month month day-of-week), or six with seconds first`;
  }
  const named = fields.length === 6 ? CRON_FIELDS : CRON_FIELDS.slice(1);
  for (const [i, field] of fields.entries()) {
    const [name, values] = named[i]!;
    for (const part of field.split(',')) {
      if (/^H(\(|\/|$)/i.test(part)) return `${name} field: H (a hashed value) is not supported`;
      // The parser reads a month's name as its number in either field, and a day's too.
      for (const word of part.match(/[a-z]+/gi) ?? []) {
        if (!CRON_NAMES[name]?.test(word))
          return `${name} field: "${word}" is not one of its values`;
      }
      const step = /\/(\d+)$/.exec(part)?.[1];
      if (step !== undefined && Number(step) >= values) {
        return `${name} field: a step of ${step} must be below ${values}`;
      }
    }
  }
  return undefined;
}

/** The words each field takes: names of months and days, and L (last) and W (weekday). */
const CRON_NAMES: Partial<Record<(typeof CRON_FIELDS)[number][0], RegExp>> = {
  'day-of-month': /^(L|W|LW)$/i,
  month: /^(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)$/i,
  'day-of-week': /^(SUN|MON|TUE|WED|THU|FRI|SAT|L)$/i,
};

/** How a cron expression is kept: spaces trimmed and single, a nickname in lower case. */
function normalCron(cron: string): string {
  const text = cron.trim().split(/\s+/).join(' ');
  return text.startsWith('@') ? text.toLowerCase() : text;
}

/** The first tick of `cron` in `timezone` strictly after `afterMs`; throws on a bad expression. */
export function nextTick(cron: string, timezone: string, afterMs: number): number {
  return CronExpressionParser.parse(cron, { tz: timezone, currentDate: new Date(afterMs) })
    .next()
    .getTime();
}

export class Schedules {
  constructor(private readonly queue: JobQueue) {}

  /** Creates or replaces a schedule; ValidationError names a bad cron, time zone or job. */
  async create(input: unknown): Promise<Schedule> {
    const body = parseOrThrow(scheduleSchema, input, 'invalid schedule');
    const timezone = body.timezone ?? 'UTC';
    const problems: { path: string; message: string }[] = [];
    if (!validTimezone(timezone))
      problems.push({ path: 'timezone', message: `"${timezone}" is not an IANA time zone` });
    let next = 0;
    const cron = normalCron(body.cron);
    try {
      const cronWrong = cronProblem(cron);
      if (cronWrong) problems.push({ path: 'cron', message: cronWrong });
      else if (problems.length === 0) next = nextTick(cron, timezone, Date.now());
    } catch (error) {
      const message = cron.startsWith('@')
        ? 'is not a nickname cron-parser knows (@yearly, @monthly, @weekly, @daily, @hourly, ...)'
        : `is not a cron expression: ${(error as Error).message}`;
      problems.push({ path: 'cron', message });
    }
    // The job it makes is checked now, as a submission would be: the type and its payload.
    try {
      await this.queue.parseChecked({
        job_type: body.job_type,
        payload: body.payload,
        priority: body.priority,
      });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(...error.details);
    }
    if (problems.length > 0) {
      throw new ValidationError(
        `invalid schedule: ${problems[0]!.path} ${problems[0]!.message}`,
        problems,
      );
    }
    const stored: StoredSchedule = {
      name: body.name,
      cron,
      timezone,
      job_type: body.job_type,
      payload: body.payload,
      priority: body.priority ?? 'normal',
      created_at: new Date().toISOString(),
    };
    const { keys, redis } = this.queue;
    await unavailableWhenRedisIsAway('create a schedule', () =>
      redis
        .multi()
        .hset(keys.schedules, body.name, JSON.stringify(stored))
        .zadd(keys.schedulesDue, next, body.name)
        .hdel(keys.scheduleRuns, body.name)
        .exec(),
    );
    return { ...stored, next_run_at: new Date(next).toISOString(), last_run: null };
  }

  async list(): Promise<Schedule[]> {
    const { keys, redis } = this.queue;
    const [stored, due, runs] = await unavailableWhenRedisIsAway('list schedules', () =>
      Promise.all([
        redis.hgetall(keys.schedules),
        redis.zrange(keys.schedulesDue, 0, -1, 'WITHSCORES'),
        redis.hgetall(keys.scheduleRuns),
      ]),
    );
    const nextRun = new Map<string, number>();
    for (let i = 0; i < due.length; i += 2) nextRun.set(due[i]!, Number(due[i + 1]));
    return Object.values(stored)
      .map((text) => JSON.parse(text) as StoredSchedule)
      .map((schedule) => {
        const at = nextRun.get(schedule.name);
        const run = runs[schedule.name];
        return {
          ...schedule,
          next_run_at: at === undefined ? null : new Date(at).toISOString(),
          last_run: run ? (JSON.parse(run) as ScheduleRun) : null,
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async remove(name: string): Promise<void> {
    const { keys, redis } = this.queue;
    const [[, removed] = []] =
      (await unavailableWhenRedisIsAway('delete a schedule', () =>
        redis
          .multi()
          .hdel(keys.schedules, name)
          .zrem(keys.schedulesDue, name)
          .hdel(keys.scheduleRuns, name)
          .exec(),
      )) ?? [];
    if (!removed) throw new NotFoundError(`schedule "${name}" not found`);
  }

  /**
   * Submits one job for every due tick and moves each schedule on; resolves with the ms until the
   * next tick of any schedule (at most `idleMs`).
   */
  async fireDue(log: Logger, idleMs = 1000): Promise<number> {
    const { keys, redis } = this.queue;
    const [seconds, micros] = await redis.time();
    const nowMs = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
    const due = await redis.zrangebyscore(
      keys.schedulesDue,
      '-inf',
      nowMs,
      'WITHSCORES',
      'LIMIT',
      0,
      100,
    );
    for (let i = 0; i < due.length; i += 2) {
      const name = due[i]!;
      const tick = Number(due[i + 1]);
      const text = await redis.hget(keys.schedules, name);
      if (!text) {
        await redis.zrem(keys.schedulesDue, name);
        continue;
      }
      const schedule = JSON.parse(text) as StoredSchedule;
      const run: ScheduleRun = { at: new Date(tick).toISOString(), job_id: null, error: null };
      try {
        const submitted = await this.queue.submitTick(
          { job_type: schedule.job_type, payload: schedule.payload, priority: schedule.priority },
          `${SCHEDULE_KEY_PREFIX}${name}:${tick}`,
        );
        run.job_id = submitted.job_id;
      } catch (error) {
        // Its type's schema changed since, say: the tick is skipped, the schedule goes on, and
        // GET /schedules shows why.
        run.error = (error as Error).message;
        log.error(
          { schedule: name, err: run.error },
          `Schedule ${name} could not submit its job: ${run.error}`,
        );
      }
      const next = nextTick(schedule.cron, schedule.timezone, Math.max(nowMs, tick));
      await runScript(redis, 'advance_schedule', keys, [name, tick, next, JSON.stringify(run)]);
    }
    const [, earliest] = await redis.zrange(keys.schedulesDue, 0, 0, 'WITHSCORES');
    if (earliest === undefined) return idleMs;
    return Math.max(0, Math.min(idleMs, Number(earliest) - nowMs));
  }
}

/** Fires due schedule ticks on a timer, in every API process (see Schedules). */
export class ScheduleRunner {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  /** `outage`: what says a Redis outage in the log; a tick that fails with it logs at debug. */
  constructor(
    private readonly schedules: Schedules,
    private readonly log: Logger,
    private readonly outage?: RedisOutageLog,
  ) {}

  start(): void {
    const tick = async () => {
      let waitMs = 1000;
      try {
        waitMs = await this.schedules.fireDue(this.log);
      } catch (error) {
        logLoopFailure(this.log, this.outage, error, 'Could not fire schedules; will try again');
      }
      if (!this.stopped) this.timer = setTimeout(() => void tick(), Math.max(10, waitMs));
      this.timer?.unref();
    };
    void tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}

function validTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

// createApp: the Koa application around one JobQueue. Tests mount it without a network; main.ts
// reads the configuration and listens.

import Koa from 'koa';
import Router from '@koa/router';
import {
  loadConfig,
  logLoopFailure,
  ScheduleRunner,
  Schedules,
  type Config,
  type JobQueue,
  type Logger,
  type RedisOutageLog,
} from '@jobqueue/shared';
import { requireToken } from './auth';
import { allowOrigins } from './cors';
import { errorHandler } from './errors';
import { EventHub } from './event-hub';
import { createMetrics } from './metrics';
import { limitSubmissions } from './rate-limit';
import { securityHeaders } from './security-headers';
import { eventRoutes, type EventStreamLimits } from './routes/events';
import { jobRoutes } from './routes/jobs';
import { metaRoutes } from './routes/meta';
import { workerRoutes } from './routes/workers';
import { scheduleRoutes } from './routes/schedules';

export interface AppOptions {
  logger: Logger;
  /** Bearer token every route but /health and /ready requires; unset: open. */
  apiToken?: string;
  /** Browser origins allowed to call the API; unset or empty: no CORS. */
  corsOrigins?: readonly string[];
  /** Jobs submitted per minute per client IP; unset or 0: unlimited. */
  submitRateLimit?: number;
  /** Take the client IP from X-Forwarded-For; only behind a proxy that sets it. */
  trustProxy?: boolean;
  /** Bounds on live-log streams (GET /events); each unset one takes its EVENTS_MAX_* default. */
  eventStreams?: Partial<EventStreamLimits>;
  /** Leases of jobs claimed over HTTP (JOB_LEASE_MS) and their retry backoff (BACKOFF_BASE_MS). */
  httpWorkers?: { leaseMs?: number; backoffBaseMs?: number };
  /** What says a Redis outage in the log: the background loops that fail with it log at debug. */
  redisOutage?: RedisOutageLog;
}

export interface App {
  koa: Koa;
  /** Every route the API serves (its method and path), as mounted. */
  router: Router;
  /** Live-log streams open now. */
  openEventStreams(): number;
  /** Ends live-log streams and their Redis connection. */
  close(): Promise<void>;
}

export function createApp(queue: JobQueue, options: AppOptions): App {
  const koa = new Koa();
  koa.proxy = options.trustProxy ?? false;
  // Errors are answered and logged by errorHandler; Koa's own printing would only repeat them.
  koa.silent = true;
  const metrics = createMetrics(queue);
  const hub = new EventHub(queue.redis, queue.keys.events, options.logger);

  koa.use(async (ctx, next) => {
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: string })._matchedRoute ?? 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.httpRequests.inc({ method: ctx.method, route, status: String(ctx.status) });
      metrics.httpDuration.observe({ method: ctx.method, route }, seconds);
    }
  });
  koa.use(errorHandler(options.logger, () => metrics.redisErrors.inc()));
  koa.use(securityHeaders());
  // Every layer costs each request a little, so what is switched off is not mounted at all.
  if (options.corsOrigins && options.corsOrigins.length > 0) {
    koa.use(allowOrigins(options.corsOrigins));
  }
  if (options.apiToken) koa.use(requireToken(options.apiToken));

  // One router for every route: nested routers would match each request once per level.
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    await metrics.refreshQueueStats();
    ctx.type = metrics.registry.contentType;
    ctx.body = await metrics.registry.metrics();
  });
  const limit = options.submitRateLimit ?? 0;
  jobRoutes(router, queue, metrics, limit > 0 ? limitSubmissions(limit) : undefined);
  metaRoutes(router, queue);
  const defaults = loadConfig({});
  const remoteWorkers = queue.remoteWorkers({
    leaseMs: options.httpWorkers?.leaseMs ?? defaults.jobLeaseMs,
    backoffBaseMs: options.httpWorkers?.backoffBaseMs ?? defaults.backoffBaseMs,
    onError: (error, what) =>
      logLoopFailure(
        options.logger,
        options.redisOutage,
        error,
        `HTTP workers: ${what} failed; will try again`,
      ),
  });
  remoteWorkers.maintain();
  workerRoutes(router, queue, remoteWorkers);
  const schedules = new Schedules(queue);
  const scheduleRunner = new ScheduleRunner(schedules, options.logger, options.redisOutage);
  scheduleRunner.start();
  scheduleRoutes(router, schedules);
  const streams = eventRoutes(router, queue, hub, {
    // Unset ones take their defaults from the one place settings are defined.
    ...streamLimits(defaults),
    ...options.eventStreams,
  });
  metrics.watchEventStreams(() => streams.open);
  koa.use(router.routes());
  // Answers 405 (with Allow) for a known path with the wrong method; errorHandler writes the body.
  koa.use(router.allowedMethods());

  return {
    koa,
    router,
    openEventStreams: () => streams.open,
    close: async () => {
      scheduleRunner.stop();
      await remoteWorkers.close();
      await hub.close();
    },
  };
}

/** The live-log bounds a configuration sets (EVENTS_MAX_*, EVENTS_STALL_MS). */
export function streamLimits(config: Config): EventStreamLimits {
  return {
    maxStreams: config.eventsMaxStreams,
    maxStreamsPerClient: config.eventsMaxStreamsPerClient,
    maxBufferedBytes: config.eventsMaxBufferBytes,
    maxReplay: config.eventsMaxReplay,
    stallMs: config.eventsStallMs,
  };
}

// WORKER_METRICS_PORT: where this worker serves its Prometheus metrics. Unset or empty: nowhere,
// so several workers can run on one host without a port each.

import { ConfigError } from '@jobqueue/shared';

export function loadMetricsPort(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env.WORKER_METRICS_PORT;
  if (raw === undefined || raw === '') return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) {
    throw new ConfigError([
      `WORKER_METRICS_PORT: must be a port number from 1 to 65535, got "${raw}"`,
    ]);
  }
  return port;
}

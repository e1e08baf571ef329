// The bench's command line: sizes and durations, each with the default.

import { parseArgs } from 'node:util';

export const PARTS = [
  'drain',
  'latency',
  'http',
  'http-worker',
  'limits',
  'deployed',
  'fairness',
] as const;
export type Part = (typeof PARTS)[number];

export interface BenchOptions {
  n: number;
  rounds: number;
  concurrency: number;
  httpSeconds: number;
  connections: number;
  bulkConnections: number;
  latencyJobs: number;
  latencyGapMs: number;
  /** The parts to run; figures of the others print as '-'. */
  only: Part[];
}

export const USAGE = `usage: npm run bench -- [--n 50000] [--rounds 3] [--concurrency 100]
  [--http-seconds 10] [--connections 50] [--bulk-connections 10]
  [--latency-jobs 1000] [--latency-gap-ms 20] [--only drain,latency,http,http-worker,limits,deployed,fairness]`;

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      n: { type: 'string', default: '50000' },
      rounds: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '100' },
      'http-seconds': { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      'bulk-connections': { type: 'string', default: '10' },
      'latency-jobs': { type: 'string', default: '1000' },
      'latency-gap-ms': { type: 'string', default: '20' },
      only: { type: 'string', default: PARTS.join(',') },
    },
  });
  const positive = (name: keyof typeof values) => positiveOption(name, values[name]);
  const only = values.only.split(',').map((part) => part.trim());
  const unknown = only.filter((part) => !(PARTS as readonly string[]).includes(part));
  if (unknown.length > 0) {
    throw new Error(`--only takes parts of ${PARTS.join(',')}; unknown: ${unknown.join(',')}`);
  }
  return {
    n: positive('n'),
    rounds: positive('rounds'),
    concurrency: positive('concurrency'),
    httpSeconds: positive('http-seconds'),
    connections: positive('connections'),
    bulkConnections: positive('bulk-connections'),
    latencyJobs: positive('latency-jobs'),
    latencyGapMs: positive('latency-gap-ms'),
    only: only as Part[],
  };
}

/** The value of option `--name` as a positive whole number; throws naming the option if not. */
export function positiveOption(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--${name} must be a positive whole number, not "${text}"`);
  }
  return value;
}

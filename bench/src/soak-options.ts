// The soak's command line: how long, how fast, and how long finished jobs are kept.

import { parseArgs } from 'node:util';
import { positiveOption } from './options';

export interface SoakOptions {
  /** Seconds of steady submission. */
  duration: number;
  /** Jobs submitted per second. */
  rate: number;
  /** JOB_TTL_SECONDS (and FAILED_JOB_TTL_SECONDS) for the run. */
  ttl: number;
  /** Seconds between Redis memory samples. */
  sampleSeconds: number;
  concurrency: number;
}

export const SOAK_USAGE = `usage: npm run bench:soak -- [--duration 300] [--rate 2000] [--ttl 30]
  [--sample-seconds 10] [--concurrency 100]`;

export function parseSoakOptions(argv: string[]): SoakOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string', default: '300' },
      rate: { type: 'string', default: '2000' },
      ttl: { type: 'string', default: '30' },
      'sample-seconds': { type: 'string', default: '10' },
      concurrency: { type: 'string', default: '100' },
    },
  });
  const positive = (name: keyof typeof values) => positiveOption(name, values[name]);
  return {
    duration: positive('duration'),
    rate: positive('rate'),
    ttl: positive('ttl'),
    sampleSeconds: positive('sample-seconds'),
    concurrency: positive('concurrency'),
  };
}

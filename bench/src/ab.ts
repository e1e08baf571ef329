// `npm run bench:ab`: is a change to the worker faster? Drains the deployed worker service (as the
// bench's deployed row does) in pairs, run A and run B back to back, the order swapped every
// pair, on one redis-server. Figures on a shared two-core machine drift by 15 % or more within
// minutes; in a pair both runs see nearly the same machine, so the ratio of each pair, and
// their median, says what one run of each cannot. Prints a table and one JSON line on stdout.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AB_USAGE, parseAbOptions, type AbOptions } from './ab-options';
import { deployedDrain, type DeployedResult } from './deployed';
import { BenchRedis } from './redis-server';
import { median } from './stats';

const progress = (message: string) => console.error(`[bench:ab] ${message}`);

interface Pair {
  a: DeployedResult;
  b: DeployedResult;
}

async function main(options: AbOptions): Promise<void> {
  const redis = await BenchRedis.start();
  const logDir = mkdtempSync(join(tmpdir(), 'jobqueue-bench-ab-'));
  const pairs: Pair[] = [];
  try {
    for (let i = 0; i < options.pairs; i++) {
      const order = i % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const);
      const pair: Partial<Pair> = {};
      for (const side of order) {
        pair[side] = await deployedDrain(redis, 'jobqueue', {
          n: options.n,
          concurrency: options.concurrency,
          logDir,
          service: options[side],
        });
        progress(
          `pair ${i + 1}: ${side.toUpperCase()} ${Math.round(pair[side].jobsPerSecond)} jobs/s`,
        );
      }
      pairs.push(pair as Pair);
    }
  } finally {
    await redis.stop();
    rmSync(logDir, { recursive: true, force: true });
  }
  report(options, pairs);
}

function report(options: AbOptions, pairs: Pair[]): void {
  const ratios = pairs.map(({ a, b }) => b.jobsPerSecond / a.jobsPerSecond);
  const rows = pairs.map(({ a, b }, i) =>
    [
      String(i + 1).padStart(4),
      Math.round(a.jobsPerSecond).toLocaleString('en-US').padStart(8),
      Math.round(b.jobsPerSecond).toLocaleString('en-US').padStart(8),
      ratios[i]!.toFixed(3).padStart(6),
    ].join('  '),
  );
  console.log(`pair  A jobs/s  B jobs/s     B/A\n${rows.join('\n')}`);
  const faster = ratios.filter((ratio) => ratio > 1).length;
  // CPU per job moves with the machine too, but less than throughput: a change that makes the
  // worker cheaper shows here even when the drain hardly moves.
  const cpu = (figure: 'redisCpuPer1000' | 'workerCpuPer1000') =>
    (['a', 'b'] as const)
      .map(
        (side) =>
          `${side.toUpperCase()} ${median(pairs.map((pair) => pair[side][figure])).toFixed(4)}`,
      )
      .join(', ');
  console.log(
    `median B/A ${median(ratios).toFixed(3)}; B faster in ${faster} of ${pairs.length} pairs`,
  );
  console.log(
    `CPU s per 1,000 jobs (medians): worker ${cpu('workerCpuPer1000')}; Redis ${cpu('redisCpuPer1000')}`,
  );
  console.log(
    JSON.stringify({
      benchmark: 'jobqueue-ab',
      date: new Date().toISOString(),
      options,
      median_ratio: median(ratios),
      b_faster_pairs: faster,
      pairs: pairs.map(({ a, b }, i) => ({ a, b, ratio: ratios[i] })),
    }),
  );
}

let options: AbOptions;
try {
  options = parseAbOptions(process.argv.slice(2));
} catch (error) {
  console.error(`${(error as Error).message}\n${AB_USAGE}`);
  process.exit(2);
}
main(options).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

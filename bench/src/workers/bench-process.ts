// What every worker process of the benchmarks does for the bench, whatever queue it runs: it says
// when it starts (from then on its Redis commands and CPU time count), answers the bench's
// 'report' requests over IPC, and on SIGTERM stops its worker and exits.

import { nowMs } from '../child';
import { commandCounts, resetCommandCounts } from '../command-counter';
import type { JobStarts } from './job-starts';

/** Tells the bench this process starts now; answers its reports from then on. */
export function reportToBench(starts: JobStarts): void {
  resetCommandCounts();
  const cpuAtStart = process.cpuUsage();
  process.send?.({ type: 'started', at: nowMs() });
  process.on('message', (message: { type: string }) => {
    if (message.type !== 'report') return;
    const cpu = process.cpuUsage(cpuAtStart);
    process.send?.({
      type: 'report',
      commands: commandCounts(),
      cpuMs: (cpu.user + cpu.system) / 1000,
      starts: starts.all(),
    });
  });
}

/** On SIGTERM, `stop` the worker gracefully, then exit. */
export function stopOnSigterm(stop: () => Promise<void>): void {
  process.once('SIGTERM', () => void stop().then(() => process.exit(0)));
}

/** Runs the process's main; a failure is printed and ends the process with code 1. */
export function runBenchWorker(main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    console.error('bench worker failed:', error);
    process.exit(1);
  });
}

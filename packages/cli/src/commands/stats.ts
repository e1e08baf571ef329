// queuectl stats [--watch]: counts per status, lifetime totals and live workers; with --watch,
// redrawn every second with rates (per second, from the change in totals) until Ctrl+C.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { JOB_STATUSES, type QueueStats } from '@jobqueue/shared';
import { openQueue } from '../context';
import { describeError } from '../errors';
import { paintStatus, type Output } from '../output';
import { parseDuration } from '../parse';
import { action, jsonOption } from './action';
import { describePaused } from './pause';

type Totals = QueueStats['totals'];
type Rates = Record<keyof Totals, number>;

export function statsCommand(program: Command): void {
  jsonOption(
    program
      .command('stats')
      .description('counts per status, lifetime totals and live workers')
      .option('-w, --watch', 'redraw every second with rates, until Ctrl+C')
      .option('--interval <duration>', 'time between redraws with --watch', '1s'),
  )
    .addHelpText(
      'after',
      `
Examples:
  $ queuectl stats
  $ queuectl stats --watch
  $ queuectl stats --watch --json    # one JSON line per second`,
    )
    .action(action(stats));
}

async function stats(out: Output, options: { watch?: boolean; interval: string }): Promise<void> {
  const intervalMs = parseDuration(options.interval, '--interval');
  const ctx = await openQueue();
  try {
    if (!options.watch) {
      const current = await ctx.queue.stats();
      if (out.json) return out.data(current);
      return render(out, current, undefined);
    }
    await watch(out, () => ctx.queue.stats(), intervalMs);
  } finally {
    ctx.close();
  }
}

async function watch(
  out: Output,
  read: () => Promise<QueueStats>,
  intervalMs: number,
): Promise<void> {
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const redraw = process.stdout.isTTY && !out.json;
  let previous: { totals: Totals; at: number } | undefined;
  try {
    while (!stop.signal.aborted) {
      try {
        const current = await read();
        const at = Date.now();
        const rates =
          previous && ratesBetween(previous.totals, current.totals, (at - previous.at) / 1000);
        previous = { totals: current.totals, at };
        if (out.json)
          out.line({ time: new Date(at).toISOString(), ...current, rates: rates ?? null });
        else {
          if (redraw) process.stdout.write('\x1b[H\x1b[2J');
          render(out, current, rates);
          out.text(out.color.dim(`${new Date(at).toLocaleTimeString()}  (Ctrl+C to stop)`));
          if (!redraw) out.text();
        }
      } catch (error) {
        // Redis away for a moment: say so and keep watching.
        const message = describeError(error).message;
        if (out.json) out.line({ time: new Date().toISOString(), error: message });
        else out.text(out.color.red(message));
      }
      await sleep(intervalMs, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function ratesBetween(before: Totals, after: Totals, seconds: number): Rates {
  const rate = (key: keyof Totals) => Math.round(((after[key] - before[key]) / seconds) * 10) / 10;
  return {
    submitted: rate('submitted'),
    completed: rate('completed'),
    failed: rate('failed'),
    retried: rate('retried'),
    recovered: rate('recovered'),
  };
}

function render(out: Output, stats: QueueStats, rates: Rates | undefined): void {
  const c = out.color;
  out.text(`${c.bold('Queue')} ${stats.queue}   ${c.bold('workers')} ${stats.workers}`);
  out.text(
    JOB_STATUSES.map((status) => `${paintStatus(c, status)} ${stats.counts[status]}`).join('  '),
  );
  if (stats.paused.queue || stats.paused.job_types.length > 0)
    out.text(c.bold(describePaused(stats.paused)));
  const totals = Object.entries(stats.totals).map(([key, n]) => `${key} ${n}`);
  out.text(`${c.bold('totals')}  ${totals.join('  ')}`);
  if (rates) {
    const perSecond = Object.entries(rates).map(([key, n]) => `${key} ${n.toFixed(1)}/s`);
    out.text(`${c.bold('rates')}   ${perSecond.join('  ')}`);
  }
}

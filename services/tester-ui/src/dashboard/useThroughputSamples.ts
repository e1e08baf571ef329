// Turns successive /stats answers into a time series: completed and failed per second (from
// the monotonic totals, so a missed poll averages out instead of losing jobs) and queue depth.
import { useEffect, useRef, useState } from 'react';
import type { QueueStats } from '../api/types';

export interface ThroughputSample {
  at: number;
  completedPerSec: number;
  failedPerSec: number;
  queued: number;
  scheduled: number;
}

export const WINDOW_MS = 5 * 60_000;

interface Reading {
  at: number;
  completed: number;
  failed: number;
}

export function useThroughputSamples(
  stats: QueueStats | undefined,
  updatedAt: number,
): ThroughputSample[] {
  const [samples, setSamples] = useState<ThroughputSample[]>([]);
  const previous = useRef<Reading | null>(null);

  useEffect(() => {
    if (!stats || !updatedAt) return;
    const reading = {
      at: updatedAt,
      completed: stats.totals.completed,
      failed: stats.totals.failed,
    };
    const before = previous.current;
    previous.current = reading;
    // The first reading has nothing to compare with; totals going down mean a fresh queue.
    if (!before || reading.at <= before.at || reading.completed < before.completed) return;
    const seconds = (reading.at - before.at) / 1000;
    const sample: ThroughputSample = {
      at: reading.at,
      completedPerSec: (reading.completed - before.completed) / seconds,
      failedPerSec: Math.max(0, reading.failed - before.failed) / seconds,
      queued: stats.counts.queued ?? 0,
      scheduled: stats.counts.scheduled ?? 0,
    };
    setSamples((current) => [...current.filter((s) => s.at > reading.at - WINDOW_MS), sample]);
  }, [stats, updatedAt]);

  return samples;
}

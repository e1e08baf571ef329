// The product api's memory as a chaos run reads it: its /metrics right after a full garbage
// collection (the api runs with gc-on-signal.js), so growth means live memory, not garbage.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Lab } from './lab';

/** The api's heap in use right after a full collection, and its resident size. */
export async function liveMemory(lab: Lab): Promise<{ heap: number; rss: number }> {
  lab.api.signal('SIGUSR2');
  await sleep(500);
  const text = await fetch(`${lab.apiUrl}/metrics`).then((r) => r.text());
  return {
    heap: metric(text, 'nodejs_heap_size_used_bytes'),
    rss: metric(text, 'process_resident_memory_bytes'),
  };
}

function metric(text: string, name: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// Priority as clients give it ("high" | "normal" | "low" or 1..10, 10 most urgent) and the number
// the queue orders by. The record keeps what the client sent.

import { z } from 'zod';
import type { Priority, PriorityLabel } from './wire';

export const PRIORITY_LABELS = { high: 10, normal: 5, low: 1 } as const satisfies Record<
  PriorityLabel,
  number
>;
export type { Priority, PriorityLabel } from './wire';

export const prioritySchema = z.union(
  [
    z.enum(['high', 'normal', 'low']),
    z.number().int('must be a whole number').min(1, 'must be 1..10').max(10, 'must be 1..10'),
  ],
  { error: 'must be "high", "normal", "low" or an integer 1..10 (10 most urgent)' },
);

export function priorityNumber(priority: Priority): number {
  return typeof priority === 'number' ? priority : PRIORITY_LABELS[priority];
}

/** The stored form back to what the client sent: "7" -> 7, "high" -> "high". */
export function parseStoredPriority(stored: string | undefined): Priority {
  if (stored && /^\d+$/.test(stored)) return Number(stored);
  return (stored ?? 'normal') as PriorityLabel;
}

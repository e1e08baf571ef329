// The `chaos` job type, known only to the chaos runs' own api and worker entry points: it works
// for `duration_ms`, writing a ledger line before and after; a `poison` job kills its own worker
// process instead (SIGKILL, as a segfault or an out-of-memory kill would).
//
// It deliberately ignores the abort signal: a handler that does not cooperate is the worst case
// for the lease fence, which must refuse its late completion on its own.

import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { JobType } from '@jobqueue/shared';
import type { LedgerWriter } from './ledger';

export const CHAOS_JOB_TYPE = 'chaos';

export const chaosPayload = z.strictObject({
  duration_ms: z.number().int().min(0).max(600_000),
  poison: z.boolean().optional(),
});
export type ChaosPayload = z.infer<typeof chaosPayload>;

/** For the api: validates payloads, never runs. */
export function chaosJobSchemaOnly(): JobType<ChaosPayload> {
  return {
    name: CHAOS_JOB_TYPE,
    description: 'Fault-injection job: works for duration_ms; poison kills its worker.',
    payloadSchema: chaosPayload,
    run() {
      throw new Error('chaos jobs run only in chaos workers');
    },
  };
}

export function chaosJob(ledger: LedgerWriter): JobType<ChaosPayload> {
  return {
    ...chaosJobSchemaOnly(),
    async run(payload, { jobId, attempt }) {
      ledger.record('start', jobId, attempt);
      if (payload.poison) {
        process.kill(process.pid, 'SIGKILL');
        await new Promise(() => undefined); // the signal is on its way; never report back
      }
      if (payload.duration_ms > 0) await sleep(payload.duration_ms);
      ledger.record('done', jobId, attempt);
      return { attempt };
    },
  };
}

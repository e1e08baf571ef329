// The mock `send_email` job: waits a moment like a mail server would and fails now and then, so
// retries and failures can be watched.

import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { defineJobType } from './define';
import type { JobType } from './job-type';

export const sendEmailPayload = z.strictObject({
  to: z.email('must be an email address'),
  subject: z.string().min(1, 'must not be empty').max(998, 'must be at most 998 characters'),
  message: z.string().max(100_000, 'must be at most 100000 characters'),
});
export type SendEmailPayload = z.infer<typeof sendEmailPayload>;

export interface MockEmailOptions {
  delayMs: number;
  /** 0..1: the chance one attempt fails. */
  failureRate: number;
}

export function sendEmailJob(options: MockEmailOptions): JobType<SendEmailPayload> {
  return defineJobType({
    name: 'send_email',
    description:
      'Sends an email (mock: waits MOCK_EMAIL_DELAY_MS, fails at MOCK_EMAIL_FAILURE_RATE).',
    payload: sendEmailPayload,
    async run(_payload, context) {
      // A zero wait has nothing to abort, so it reads no signal: making one costs a short job
      // more than its wait (bench/README.md, the deployed worker).
      if (options.delayMs > 0) await sleep(options.delayMs, undefined, { signal: context.signal });
      else await sleep(0);
      if (Math.random() < options.failureRate) throw new Error('Mock email sending failed');
      return { message_id: randomUUID() };
    },
  });
}

// The mock send_email job: checks its payload, waits MOCK_EMAIL_DELAY_MS, fails at
// MOCK_EMAIL_FAILURE_RATE with "Mock email sending failed".

import { sendEmailJob, sendEmailPayload } from '../src';

const payload = { to: 'user@example.com', subject: 'Test', message: 'Hello!' };
const context = () => ({
  jobId: 'j',
  attempt: 1,
  maxAttempts: 3,
  signal: new AbortController().signal,
  progress: async () => true,
  log: async () => true,
});

describe('send_email mock', () => {
  it('accepts the documented payload and rejects a bad email, a missing field and an extra one', () => {
    expect(sendEmailPayload.parse(payload)).toEqual(payload);
    expect(sendEmailPayload.safeParse({ ...payload, to: 'not-an-email' }).success).toBe(false);
    expect(sendEmailPayload.safeParse({ to: payload.to, subject: 'x' }).success).toBe(false);
    expect(sendEmailPayload.safeParse({ ...payload, cc: 'x@y.z' }).success).toBe(false);
  });

  it('waits the configured delay and returns a message id', async () => {
    const started = Date.now();
    const result = await sendEmailJob({ delayMs: 100, failureRate: 0 }).run(payload, context());
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(result).toEqual({ message_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
  });

  it('fails with the documented message at failure rate 1, and about that often at 0.3', async () => {
    await expect(
      sendEmailJob({ delayMs: 0, failureRate: 1 }).run(payload, context()),
    ).rejects.toThrow('Mock email sending failed');
    const job = sendEmailJob({ delayMs: 0, failureRate: 0.3 });
    const outcomes = await Promise.allSettled(
      Array.from({ length: 2000 }, () => job.run(payload, context())),
    );
    const failures = outcomes.filter((o) => o.status === 'rejected').length / outcomes.length;
    expect(failures).toBeGreaterThan(0.25);
    expect(failures).toBeLessThan(0.35);
  });

  it('stops waiting when its signal aborts', async () => {
    const abort = new AbortController();
    const run = sendEmailJob({ delayMs: 10_000, failureRate: 0 }).run(payload, {
      ...context(),
      signal: abort.signal,
    });
    abort.abort(new Error('lease lost'));
    await expect(run).rejects.toThrow();
  });
});

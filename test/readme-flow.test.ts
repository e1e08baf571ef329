// The README's curl flow against the real api and worker processes: submit, poll the status until
// completed, the worker's log lines; then its prioritisation and retry walkthroughs. Every log
// line the README shows must also be in the queue's Redis events stream.
import { getJson, submitJob, waitForJob } from './support/api-client';
import { indexOfMessage, logMessages, readQueueEvents } from './support/queue-events';
import { startQueueStack, startWorker, type QueueStack } from './support/queue-stack';

// The body of the README's curl call, byte for byte what a user sends.
const README_BODY = {
  job_type: 'send_email',
  priority: 'high',
  payload: { to: 'user@example.com', subject: 'Test', message: 'Hello!' },
};
const ISO_MICROS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

/** The log messages must be the same in the worker's stdout and in the events stream. */
async function expectInEventsStream(stack: QueueStack, jobId: string, messages: string[]) {
  const events = await readQueueEvents(stack.redisUrl, stack.queueName);
  const streamed = events.filter((event) => event.job_id === jobId).map((event) => event.message);
  for (const message of messages) expect(streamed).toContain(message);
}

describe("the README's curl flow on the real api and worker", () => {
  it('submits a job, which a worker picks, processes and completes, with the documented status JSON', async () => {
    const stack = await startQueueStack('readme');
    const worker = await startWorker(stack, { MOCK_EMAIL_DELAY_MS: '100' });

    const reply = await fetch(`${stack.api.url}/submit-job`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(README_BODY),
    });
    expect(reply.status).toBe(202);
    const submitted = (await reply.json()) as { job_id: string; status: string };
    expect(Object.keys(submitted).sort()).toEqual(['job_id', 'status']);
    expect(submitted.status).toBe('queued');
    const id = submitted.job_id;

    const record = await waitForJob(stack.api, id, (job) => job.status === 'completed');
    expect(record).toMatchObject({
      job_id: id,
      ...README_BODY,
      status: 'completed',
      attempts: 1,
      max_attempts: 3,
      failed_at: null,
    });
    for (const field of ['created_at', 'picked_at', 'completed_at']) {
      expect(record[field]).toMatch(ISO_MICROS);
    }
    expect(record.created_at <= record.picked_at).toBe(true);
    expect(record.picked_at < record.completed_at).toBe(true);

    const done = `Job ${id} completed successfully`;
    await worker.waitForLog((log) => log.msg === done);
    const messages = logMessages(worker);
    const picked = messages.indexOf(`Picked job ${id}`);
    const processing = indexOfMessage(messages, `Processing job ${id}: `);
    expect(picked).toBeGreaterThanOrEqual(0);
    expect(processing).toBeGreaterThan(picked);
    expect(messages.indexOf(done)).toBeGreaterThan(processing);
    // The payload is shown as the README shows it: its fields, readable.
    expect(messages[processing]).toContain('user@example.com');
    expect(messages[processing]).toContain('Hello!');

    await expectInEventsStream(stack, id, [`Picked job ${id}`, messages[processing]!, done]);
  });

  it('picks the high-priority job before the low one submitted earlier', async () => {
    const stack = await startQueueStack('readme');
    const low = await submitJob(stack.api, {
      ...README_BODY,
      priority: 'low',
      payload: { to: 'user@example.com', subject: 'Low Priority', message: 'Low priority test' },
    });
    const high = await submitJob(stack.api, {
      ...README_BODY,
      priority: 'high',
      payload: { to: 'user@example.com', subject: 'High Priority', message: 'High priority test' },
    });

    const worker = await startWorker(stack, { WORKER_CONCURRENCY: '1', MOCK_EMAIL_DELAY_MS: '50' });
    await worker.waitForLog((log) => log.msg === `Job ${low} completed successfully`);

    const messages = logMessages(worker);
    const pickedHigh = messages.indexOf(`Picked job ${high}`);
    const pickedLow = messages.indexOf(`Picked job ${low}`);
    expect(pickedHigh).toBeGreaterThanOrEqual(0);
    expect(pickedHigh).toBeLessThan(pickedLow);
    // With one job at a time, the high job's handler has returned before the low one is picked.
    // (Its completion is logged once Redis confirms it, which may be after the next pick.)
    expect(messages.indexOf(`Job ${high} completed successfully`)).toBeGreaterThan(pickedHigh);
    const highRecord = (await getJson(`${stack.api.url}/jobs/status/${high}`)).body as Record<
      string,
      string
    >;
    const lowRecord = (await getJson(`${stack.api.url}/jobs/status/${low}`)).body as Record<
      string,
      string
    >;
    expect(highRecord.picked_at! < lowRecord.picked_at!).toBe(true);
    expect(messages[indexOfMessage(messages, `Processing job ${high}: `)]).toContain(
      'High Priority',
    );

    const events = await readQueueEvents(stack.redisUrl, stack.queueName);
    const pickedInStream = events.filter((e) => e.type === 'picked').map((e) => e.job_id);
    expect(pickedInStream).toEqual([high, low]);
  });

  it('retries a failing job after 2 then 4 seconds and then fails it for good', async () => {
    const stack = await startQueueStack('readme');
    const worker = await startWorker(stack, {
      MOCK_EMAIL_FAILURE_RATE: '1',
      MOCK_EMAIL_DELAY_MS: '10',
      BACKOFF_BASE_MS: '1000',
    });
    const id = await submitJob(stack.api, README_BODY);

    const given = `Job ${id} permanently failed after 3 attempts`;
    await worker.waitForLog((log) => log.msg === given, 15_000);

    const readmeLines = [
      `Job ${id} failed: Mock email sending failed`,
      `Retrying job ${id} after 2 seconds (attempt 1)`,
      `Job ${id} failed: Mock email sending failed`,
      `Retrying job ${id} after 4 seconds (attempt 2)`,
      `Job ${id} failed: Mock email sending failed`,
      given,
    ];
    const messages = logMessages(worker).filter(
      (msg) => msg.startsWith('Job ') || msg.startsWith('Retrying'),
    );
    expect(messages).toEqual(readmeLines);
    expect(logMessages(worker).filter((msg) => msg === `Picked job ${id}`)).toHaveLength(3);

    const record = await waitForJob(stack.api, id, (job) => job.status === 'failed');
    expect(record).toMatchObject({
      status: 'failed',
      attempts: 3,
      max_attempts: 3,
      last_error: 'Mock email sending failed',
      completed_at: null,
    });
    expect(record.failed_at).toMatch(ISO_MICROS);
    expect(record.picked_at <= record.failed_at).toBe(true);

    const events = await readQueueEvents(stack.redisUrl, stack.queueName);
    const outcomes = events.filter(
      (e) => e.job_id === id && ['failed', 'retrying', 'dead'].includes(e.type),
    );
    expect(outcomes.map((e) => e.message)).toEqual(readmeLines);

    const stats = await getJson(`${stack.api.url}/stats`);
    expect(stats.body.totals).toMatchObject({ submitted: 1, failed: 1, retried: 2, completed: 0 });
  });
});

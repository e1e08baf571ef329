// A queued job whose payload its worker's schema refuses (the type was declared anew since the
// job was accepted, or its record was written by other means) fails, and its error names what is
// wrong with the payload: a value of the wrong type is not said to be missing.

import { createFixture, eventually, testJobType, type QueueFixture } from './queue-fixture';

let fixture: QueueFixture;
beforeEach(() => {
  fixture = createFixture({ jobTypes: testJobType(async () => 'ran'), maxAttempts: 1 });
});
afterEach(() => fixture.close());

test('a payload the worker refuses fails the job, naming the wrong field and why', async () => {
  const { job_id } = await fixture.queue.submit({ job_type: 'test', payload: { n: 1 } });
  await fixture.redis.hset(`jq:{${fixture.queueName}}:job:${job_id}`, 'payload', '{"n":"five"}');
  await fixture.startWorker();

  await eventually(async () => (await fixture.queue.get(job_id))?.status === 'failed');
  expect(await fixture.queue.get(job_id)).toMatchObject({
    last_error: 'invalid payload: payload.n must be a number',
  });
});

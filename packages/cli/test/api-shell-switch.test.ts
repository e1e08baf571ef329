// The HTTP API follows the same switch as queuectl and the workers: it refuses shell jobs, saying
// why, unless it was started with ALLOW_SHELL_JOBS=1 (the check lives in the shared submission
// validation, so the API needs no code of its own for it).
import { getJson, postJson, startApi } from '../../../test/support/api-client';
import { dropQueue, queueEnv } from './queuectl';

const SHELL_JOB = { job_type: 'shell', payload: { argv: ['echo', 'hi'] } };

describe('the API and shell jobs', () => {
  const env = queueEnv();
  afterAll(() => dropQueue(env));

  it('off by default: 400 on job_type with the reason, and GET /job-types does not list it', async () => {
    const api = await startApi(env);
    const reply = await postJson(`${api.url}/submit-job`, SHELL_JOB);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe('validation_failed');
    expect(reply.body.error.details[0]).toEqual({
      path: 'job_type',
      message: expect.stringContaining(
        '"shell" is turned off here: shell jobs run any command on the worker machines',
      ),
    });
    const bulk = await postJson(`${api.url}/jobs/bulk`, { jobs: [SHELL_JOB] });
    expect(bulk.status).toBe(400);
    expect(bulk.body.error.details[0].path).toBe('jobs.0.job_type');
    const types = await getJson(`${api.url}/job-types`);
    expect(types.body.job_types.map((t: { job_type: string }) => t.job_type)).toEqual([
      'send_email',
    ]);
    await api.service.stop();
  });

  it('with ALLOW_SHELL_JOBS=1: accepted (202) and listed with its payload schema', async () => {
    const api = await startApi({ ...env, ALLOW_SHELL_JOBS: '1' });
    const reply = await postJson(`${api.url}/submit-job`, SHELL_JOB);
    expect(reply.status).toBe(202);
    const types = await getJson(`${api.url}/job-types`);
    const shell = types.body.job_types.find((t: { job_type: string }) => t.job_type === 'shell');
    expect(shell.payload_schema.required).toEqual(['argv']);
    await api.service.stop();
  });
});

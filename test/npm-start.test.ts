// `npm start` as a newcomer runs it: with no Redis answering at REDIS_URL it starts one of its
// own, serves the API and the tester page, runs jobs, and whichever signal stops npm (SIGTERM
// from a process manager, SIGINT) stops every process it started.
import { freePort, pingRedis } from '@jobqueue/testkit';
import { eventually, getJson, postJson } from './support/api-client';
import { ServiceProcess } from './support/service-process';

const answers = (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(1_000) }).then(
    () => true,
    () => false,
  );

/** `npm start` on ports of its own, with no Redis answering at its REDIS_URL yet. */
async function npmStart(mockEmailDelayMs: number, processGroup = false) {
  const [apiPort, uiPort, redisPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const start = new ServiceProcess('npm', ['start'], {
    name: 'npm start',
    processGroup,
    env: {
      PORT: String(apiPort),
      UI_PORT: String(uiPort),
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      MOCK_EMAIL_DELAY_MS: String(mockEmailDelayMs),
      MOCK_EMAIL_FAILURE_RATE: '0',
    },
  });
  await start.waitForLine(/The job queue is running/, 150_000);
  return {
    start,
    api: `http://127.0.0.1:${apiPort}`,
    ui: `http://127.0.0.1:${uiPort}`,
    redisPort,
  };
}

describe('npm start', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`starts a Redis of its own when none answers, runs jobs, and ${signal} to npm stops it all`, async () => {
      const { start, api, ui, redisPort } = await npmStart(0);
      expect(start.lines.join('\n')).toContain(`started redis-server on port ${redisPort}`);
      expect(await pingRedis(redisPort)).toBe('+PONG');
      expect(await answers(ui)).toBe(true);

      const submitted = await postJson(`${api}/submit-job`, {
        job_type: 'send_email',
        payload: { to: 'user@example.com', subject: 'Test', message: 'Hello!' },
      });
      expect(submitted.status).toBe(202);
      const id = (submitted.body as { job_id: string }).job_id;
      await eventually(
        async () => (await getJson(`${api}/jobs/status/${id}`)).body.status === 'completed',
        'the job completed',
        30_000,
      );

      start.signal(signal); // npm's own pid, not its process group
      await start.waitForExit(60_000);
      // Every part of the stack lets go of its port: the API, the tester page and Redis.
      await eventually(
        async () =>
          !(await answers(api)) &&
          !(await answers(ui)) &&
          (await pingRedis(redisPort)) === undefined,
        'every process of the stack stopped',
        60_000,
      );
    }, 300_000);
  }

  it('Ctrl+C in its terminal (SIGINT to its whole process group) lets a running job finish, then stops it all', async () => {
    const { start, api, redisPort } = await npmStart(3000, true);
    const submitted = await postJson(`${api}/submit-job`, {
      job_type: 'send_email',
      payload: { to: 'user@example.com', subject: 'Test', message: 'Hello!' },
    });
    const id = (submitted.body as { job_id: string }).job_id;
    await eventually(
      async () => (await getJson(`${api}/jobs/status/${id}`)).body.status === 'processing',
      'the job started',
      30_000,
    );

    // The terminal signals npm and this script alike, and npm passes its SIGINT on: one Ctrl+C
    // arrives twice. Before, the second copy counted as a second Ctrl+C and killed everything.
    start.signal('SIGINT');
    await start.waitForExit(60_000);
    const output = start.lines.join('\n');
    expect(output).toContain(`Job ${id} completed successfully`);
    expect(output).toContain('Stopped.');
    expect(await pingRedis(redisPort)).toBeUndefined();
  }, 300_000);
});

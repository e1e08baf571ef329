// queuectl status, list, retry and cancel on a queue holding jobs in every state, and their
// errors: unknown and malformed ids, state conflicts, missing arguments.
import { dropQueue, printedId, queueEnv, queuectl, queuectlJson, type Env } from './queuectl';

const EMAIL = JSON.stringify({ to: 'user@example.com', subject: 'Test', message: 'Hello!' });
const UNKNOWN_ID = '01a20000-0000-7000-8000-000000000000';

describe('queuectl status, list, retry, cancel', () => {
  const env: Env = queueEnv({ ALLOW_SHELL_JOBS: '1' });
  const ids: Record<'completed' | 'failed' | 'queued' | 'scheduled', string> = {} as never;

  beforeAll(async () => {
    const enqueue = async (...args: string[]) =>
      printedId(await queuectl(['enqueue', ...args], env));
    ids.completed = await enqueue('--', 'echo', 'done');
    ids.failed = await enqueue('--max-attempts', '1', '--', 'sh', '-c', 'echo broken >&2; exit 3');
    expect((await queuectl(['run'], env)).code).toBe(0);
    ids.queued = await enqueue('--type', 'send_email', '--priority', 'high', '--payload', EMAIL);
    ids.scheduled = await enqueue('--type', 'send_email', '--delay', '1h', '--payload', EMAIL);
  });
  afterAll(() => dropQueue(env));

  it('status: total, the recent jobs table and the count per status', async () => {
    const run = await queuectl(['status'], env);
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('Total jobs: 4');
    expect(lines[1]).toMatch(/^ID +STATUS +ATTEMPTS +PRIORITY +TYPE +UPDATED_AT$/);
    const rows = lines.slice(2, 6).map((line) => line.split(/ {2,}/));
    expect(rows).toEqual([
      [
        ids.scheduled,
        'scheduled',
        '0/3',
        'normal',
        'send_email',
        expect.stringMatching(/^\d{4}-.*Z$/),
      ],
      [ids.queued, 'queued', '0/3', 'high', 'send_email', expect.any(String)],
      [ids.failed, 'failed', '1/1', 'normal', 'shell', expect.any(String)],
      [ids.completed, 'completed', '1/3', 'normal', 'shell', expect.any(String)],
    ]);
    expect(lines.slice(6)).toEqual([
      '',
      'Summary:',
      '  queued: 1',
      '  scheduled: 1',
      '  processing: 0',
      '  completed: 1',
      '  failed: 1',
      '  cancelled: 0',
      '',
    ]);
    // No colour codes when stdout is not a terminal.
    expect(run.stdout).not.toContain('\x1b[');
  });

  it('status --json: total, counts and the jobs', async () => {
    const view = await queuectlJson(['status', '--limit', '2'], env);
    expect(view.total).toBe(4);
    expect(view.counts).toEqual({
      queued: 1,
      scheduled: 1,
      processing: 0,
      completed: 1,
      failed: 1,
      cancelled: 0,
    });
    expect(view.jobs.map((job: { job_id: string }) => job.job_id)).toEqual([
      ids.scheduled,
      ids.queued,
    ]);
  });

  it('status ID: the whole record, with the shell result or error', async () => {
    const run = await queuectl(['status', ids.failed], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`job_id:          ${ids.failed}`);
    expect(run.stdout).toContain('status:          failed');
    expect(run.stdout).toContain('last_error:      sh exited with code 3: broken');
    const done = await queuectlJson(['status', ids.completed], env);
    expect(done.result).toMatchObject({
      exit_code: 0,
      stdout: 'done\n',
      stderr: '',
      timed_out: false,
    });
  });

  it('status with an unknown id exits 3, with a malformed one 2', async () => {
    const unknown = await queuectl(['status', UNKNOWN_ID], env);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toBe(`queuectl: error: job ${UNKNOWN_ID} not found\n`);
    const malformed = await queuectl(['status', 'job1', '--json'], env);
    expect(malformed.code).toBe(2);
    expect(JSON.parse(malformed.stderr).error).toMatchObject({
      code: 'validation_failed',
      message: 'invalid job id: job_id must be a UUID',
    });
  });

  it('list filters by status and type and pages with --limit and --cursor', async () => {
    const failed = await queuectlJson(['list', '--status', 'failed'], env);
    expect(failed.jobs.map((job: { job_id: string }) => job.job_id)).toEqual([ids.failed]);
    const emails = await queuectlJson(['list', '--type', 'send_email', '--limit', '1'], env);
    expect(emails.jobs.map((job: { job_id: string }) => job.job_id)).toEqual([ids.scheduled]);
    const next = await queuectlJson(
      ['list', '--type', 'send_email', '--limit', '1', '--cursor', emails.next_cursor],
      env,
    );
    expect(next.jobs.map((job: { job_id: string }) => job.job_id)).toEqual([ids.queued]);

    const table = await queuectl(['list', '--status', 'completed', '--type', 'shell'], env);
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[1]).toMatch(
      new RegExp(`^${ids.completed} +completed +1/3 +normal +shell `),
    );
    const bad = await queuectl(['list', '--status', 'dead'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('status');
  });

  it('cancel: a queued job is cancelled; a finished one exits 4; an unknown one 3', async () => {
    const cancelled = await queuectlJson(['cancel', ids.queued], env);
    expect(cancelled).toMatchObject({ job_id: ids.queued, status: 'cancelled' });
    const conflict = await queuectl(['cancel', ids.completed], env);
    expect(conflict.code).toBe(4);
    expect(conflict.stderr).toBe(
      `queuectl: error: job ${ids.completed} is completed; only a job that has not finished can be cancelled\n`,
    );
    expect((await queuectl(['cancel', UNKNOWN_ID], env)).code).toBe(3);
    const missing = await queuectl(['cancel'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'id'");
  });

  it('retry ID and retry --all-failed put jobs back in line; a completed job exits 4', async () => {
    const one = await queuectl(['retry', ids.queued], env); // cancelled by the test above
    expect(one.code).toBe(0);
    expect(one.stdout).toBe(`Job ${ids.queued} is queued again (attempts reset)\n`);
    const all = await queuectlJson(['retry', '--all-failed'], env);
    expect(all).toEqual({ retried: [ids.failed], skipped: [] });
    expect((await queuectlJson(['status', ids.failed], env)).status).toBe('queued');
    const conflict = await queuectl(['retry', ids.completed], env);
    expect(conflict.code).toBe(4);
    expect(conflict.stderr).toContain('only failed or cancelled jobs can be retried');
    const neither = await queuectl(['retry'], env);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toBe('queuectl: error: give a job id or --all-failed (one of them)\n');
  });
});

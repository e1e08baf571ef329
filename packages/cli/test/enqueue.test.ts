// queuectl enqueue: one job from options or a command line, many from NDJSON (file or stdin) in
// batches, and the errors: bad JSON naming its position, invalid jobs, shell jobs switched off.
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { entryJobs, queueKeys, type StreamEntry } from '@jobqueue/shared';
import { dropQueue, printedId, queueEnv, queuectl, queuectlJson, type Env } from './queuectl';

const EMAIL = { to: 'user@example.com', subject: 'Test', message: 'Hello!' };

describe('queuectl enqueue', () => {
  let env: Env;
  beforeEach(() => {
    env = queueEnv();
  });
  afterEach(() => dropQueue(env));

  it('submits one job from options and prints its id; the record holds what was given', async () => {
    const run = await queuectl(
      [
        'enqueue',
        '--type',
        'send_email',
        '--priority',
        'high',
        '--max-attempts',
        '5',
        '--payload',
        JSON.stringify(EMAIL),
      ],
      env,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const id = printedId(run);
    const job = await queuectlJson(['status', id], env);
    expect(job).toMatchObject({
      job_id: id,
      job_type: 'send_email',
      priority: 'high',
      payload: EMAIL,
      status: 'queued',
      max_attempts: 5,
    });
  });

  it('--json answers {job_id, status, created}; a repeated idempotency key returns the first job', async () => {
    const args = [
      'enqueue',
      '--type',
      'send_email',
      '--payload',
      JSON.stringify(EMAIL),
      '--idempotency-key',
      'order-42',
    ];
    const first = await queuectlJson(args, env);
    expect(first).toEqual({ job_id: expect.any(String), status: 'queued', created: true });
    const again = await queuectlJson(args, env);
    expect(again).toEqual({ job_id: first.job_id, status: 'queued', created: false });
  });

  it('--delay schedules the job and --priority takes a number', async () => {
    const { job_id } = await queuectlJson(
      [
        'enqueue',
        '--type',
        'send_email',
        '--payload',
        JSON.stringify(EMAIL),
        '--delay',
        '1h',
        '--priority',
        '7',
      ],
      env,
    );
    const job = await queuectlJson(['status', job_id], env);
    expect(job.status).toBe('scheduled');
    expect(job.priority).toBe(7);
    expect(Date.parse(job.next_attempt_at) - Date.parse(job.created_at)).toBeGreaterThan(3_500_000);
  });

  it('a command after -- becomes a shell job with that argv, exactly as given', async () => {
    const run = await queuectl(
      ['enqueue', '--allow-shell', '--timeout', '2s', '--', 'echo', 'a b', '$HOME;x'],
      env,
    );
    expect(run.code).toBe(0);
    const job = await queuectlJson(['status', printedId(run)], env);
    expect(job.job_type).toBe('shell');
    expect(job.payload).toEqual({ argv: ['echo', 'a b', '$HOME;x'], timeout_ms: 2000 });
  });

  it('refuses shell jobs unless --allow-shell or ALLOW_SHELL_JOBS=1, saying why', async () => {
    const refused = await queuectl(['enqueue', '--', 'echo', 'hi'], env);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain('"shell" is turned off here');
    expect(refused.stderr).toContain('ALLOW_SHELL_JOBS=1');

    const allowed = await queuectl(['enqueue', '--', 'echo', 'hi'], {
      ...env,
      ALLOW_SHELL_JOBS: '1',
    });
    expect(allowed.code).toBe(0);
    printedId(allowed);
  });

  it('bad JSON in --payload: exit 2 and the position where it broke', async () => {
    const run = await queuectl(['enqueue', '--type', 'send_email', '--payload', '{"to": x}'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `queuectl: error: --payload is not valid JSON: Unexpected token 'x' at position 7 (column 8)\n`,
    );

    const multiline = await queuectl(
      ['enqueue', '--type', 'send_email', '--payload', '{"to": "a@b.c",\n "subject": "x",}'],
      env,
    );
    expect(multiline.code).toBe(2);
    expect(multiline.stderr).toContain('at position 32 (line 2 column 17)');
  });

  it('an invalid job: exit 2 naming every field, as JSON with --json; nothing is submitted', async () => {
    const run = await queuectl(
      ['enqueue', '--type', 'send_email', '--payload', '{"to":"nope"}'],
      env,
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'queuectl: error: invalid job: payload.to must be an email address',
    );
    expect(run.stderr).toContain('payload.subject: is required');

    const json = await queuectl(['enqueue', '--type', 'nope', '--json'], env);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stderr)).toEqual({
      error: {
        code: 'validation_failed',
        message: expect.stringContaining('"nope" is not a known job type'),
        details: [
          { path: 'job_type', message: expect.stringContaining('known: http, send_email, shell') },
        ],
      },
    });
    expect((await queuectlJson(['stats'], env)).totals.submitted).toBe(0);
  });

  it('usage errors exit 2: no --type, a bad --delay, an unknown option', async () => {
    const noType = await queuectl(['enqueue', '--payload', '{}'], env);
    expect(noType.code).toBe(2);
    expect(noType.stderr).toContain('--type is required');
    const badDelay = await queuectl(
      ['enqueue', '--type', 'send_email', '--delay', '5 minutes'],
      env,
    );
    expect(badDelay.code).toBe(2);
    expect(badDelay.stderr).toContain('--delay must be a duration like 500ms, 5s, 2m, 1h or 1d');
    const unknown = await queuectl(['enqueue', '--colour'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown option '--colour'");
  });

  describe('--file', () => {
    const lines = [
      { job_type: 'send_email', priority: 'high', payload: EMAIL },
      { job_type: 'send_email', payload: { ...EMAIL, to: 'not-an-email' } },
      '',
      '{"job_type": "send_email", "payload": {"to": "c@example.com",}}',
      { job_type: 'shell', payload: { argv: ['true'] } },
      { job_type: 'send_email', priority: 3, payload: EMAIL },
      { job_type: 'send_email', payload: EMAIL },
    ].map((line) => (typeof line === 'string' ? line : JSON.stringify(line)));
    const ndjson = `${lines.join('\n')}\n`;

    it('submits the good lines and names each rejected line with its reason (exit 2)', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'queuectl-'));
      const file = join(dir, 'jobs.ndjson');
      writeFileSync(file, ndjson);
      const run = await queuectl(['enqueue', '--file', file], env);
      rmSync(dir, { recursive: true, force: true });
      expect(run.code).toBe(2);
      expect(run.stdout.split('\n')).toEqual([
        'Submitted 3 jobs, rejected 3 lines (of 7 read)',
        '  line 2: invalid job: payload.to must be an email address',
        '  line 4: not valid JSON: Expected double-quoted property name at position 61 (column 62)',
        expect.stringMatching(/^ {2}line 5: invalid job: job_type "shell" is turned off here/),
        '',
      ]);
      const page = await queuectlJson(['list'], env);
      expect(page.jobs.map((job: { priority: unknown }) => job.priority)).toEqual([
        'normal',
        3,
        'high',
      ]);
    });

    it('reads stdin with "-", in batches, and --json lists ids and rejections', async () => {
      const run = await queuectl(
        ['enqueue', '--file', '-', '--batch-size', '2', '--json'],
        { ...env, ALLOW_SHELL_JOBS: '1' },
        ndjson,
      );
      expect(run.code).toBe(2);
      const summary = JSON.parse(run.stdout);
      expect(summary.submitted).toBe(4);
      expect(summary.job_ids).toHaveLength(4);
      expect(summary.rejected).toEqual([
        {
          line: 2,
          error: 'invalid job: payload.to must be an email address',
          details: [{ path: 'payload.to', message: 'must be an email address' }],
        },
        { line: 4, error: expect.stringContaining('not valid JSON'), details: [] },
      ]);
      // Batches of two, in line order: lines 1, 5 | 6, 7.
      const types = [];
      for (const id of summary.job_ids)
        types.push((await queuectlJson(['status', id], env)).job_type);
      expect(types).toEqual(['send_email', 'shell', 'send_email', 'send_email']);
      // Each batch was one submission: one `submitted` entry in the events stream per batch.
      const redis = new Redis(env.REDIS_URL!);
      const entries = (await redis.xrange(
        queueKeys(env.QUEUE_NAME!).events,
        '-',
        '+',
      )) as StreamEntry[];
      redis.disconnect();
      const batches = entries.map(entryJobs).filter((entry) => entry.type === 'submitted');
      expect(batches.map((entry) => entry.jobIds)).toEqual([
        summary.job_ids.slice(0, 2),
        summary.job_ids.slice(2, 4),
      ]);
    });

    it('exits 0 when every line was submitted', async () => {
      const run = await queuectl(
        ['enqueue', '--file', '-'],
        env,
        `${JSON.stringify({ job_type: 'send_email', payload: EMAIL })}\n`,
      );
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('Submitted 1 jobs, rejected 0 lines (of 1 read)\n');
    });

    it('a file that does not exist: exit 2 naming it', async () => {
      const run = await queuectl(['enqueue', '--file', '/nonexistent/jobs.ndjson'], env);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'queuectl: error: cannot read --file /nonexistent/jobs.ndjson: ENOENT\n',
      );
    });
  });
});

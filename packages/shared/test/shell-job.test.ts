// The shell job type on real processes: argv without a shell, exit code and output tails, the
// timeout ending the whole process group, aborts, and the ALLOW_SHELL_JOBS switch that refuses it.
import { mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import {
  ConfigError,
  createJobTypes,
  JobTypeCatalog,
  parseSubmission,
  shellJobsAllowed,
  ValidationError,
} from '../src';
import {
  SHELL_OUTPUT_TAIL,
  shellJob,
  type ShellPayload,
  type ShellResult,
} from '../src/job-types/shell';

const run = async (payload: ShellPayload, signal = new AbortController().signal) =>
  (await shellJob().run(payload, {
    jobId: 'j',
    attempt: 1,
    maxAttempts: 1,
    signal,
    progress: async () => true,
    log: async () => true,
  })) as ShellResult;

/** Running (a killed orphan may linger as a zombie until init reaps it: that counts as gone). */
function isRunning(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2];
    return state !== 'Z' && state !== 'X';
  } catch (error) {
    // Only "no such process" means gone; any other failure to look must not pass for it.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

describe('shell job', () => {
  it('runs the argv as given: nothing is interpolated by a shell', async () => {
    const result = await run({ argv: ['echo', '$HOME', '; rm -rf x', '`id`', '*'] });
    expect(result).toMatchObject({
      exit_code: 0,
      signal: null,
      timed_out: false,
      stdout: '$HOME ; rm -rf x `id` *\n',
      stderr: '',
    });
  });

  it('keeps the exit code and only the tail of long output', async () => {
    const result = await run({
      argv: ['sh', '-c', `head -c 10000 /dev/zero | tr '\\0' a; printf z; echo oops >&2`],
    });
    expect(result.exit_code).toBe(0);
    expect(result.stdout).toBe(`...${'a'.repeat(SHELL_OUTPUT_TAIL - 1)}z`);
    expect(result.stderr).toBe('oops\n');
  });

  it('a non-zero exit fails the attempt, naming the code and what the program said', async () => {
    await expect(
      run({ argv: ['sh', '-c', 'echo out; echo "disk full" >&2; exit 7'] }),
    ).rejects.toThrow('sh exited with code 7: disk full');
    await expect(run({ argv: ['false'] })).rejects.toThrow(/^false exited with code 1$/);
  });

  it('runs in cwd when given', async () => {
    const dir = realpathSync(mkdtempSync(`${tmpdir()}/shell-job-`));
    try {
      expect((await run({ argv: ['pwd'], cwd: dir })).stdout).toBe(`${dir}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a program that does not exist fails clearly', async () => {
    await expect(run({ argv: ['no-such-program-here'] })).rejects.toThrow(
      'cannot run "no-such-program-here": no such program',
    );
  });

  it('the timeout ends the program and everything it started', async () => {
    const started = Date.now();
    const failure = run({ argv: ['sh', '-c', 'sleep 30 & echo $!; wait'], timeout_ms: 300 });
    await expect(failure).rejects.toThrow(/^sh timed out after 300 ms: \d+$/);
    expect(Date.now() - started).toBeLessThan(10_000);
    const grandchild = Number(
      /(\d+)$/.exec(((await failure.catch((e: Error) => e)) as Error).message)![1],
    );
    expect(isRunning(grandchild)).toBe(false);
  });

  it('an abort (lost lease, forced shutdown) kills it and rejects with the reason', async () => {
    const abort = new AbortController();
    const running = run({ argv: ['sleep', '30'] }, abort.signal);
    setTimeout(() => abort.abort(new Error('lease lost')), 100);
    await expect(running).rejects.toThrow('lease lost');
  });
});

describe('the ALLOW_SHELL_JOBS switch', () => {
  const mockEmail = { delayMs: 0, failureRate: 0 };
  const submit = (allowShellJobs: boolean) =>
    parseSubmission(
      { job_type: 'shell', payload: { argv: ['echo'] } },
      new JobTypeCatalog(createJobTypes({ mockEmail, allowShellJobs })),
      { maxAttempts: 3 },
    );

  it('off: submissions are refused on job_type with the reason, and /job-types leaves it out', () => {
    let error: unknown;
    try {
      submit(false);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).details[0]).toEqual({
      path: 'job_type',
      message: expect.stringMatching(
        /^"shell" is turned off here: shell jobs run any command .* ALLOW_SHELL_JOBS=1/,
      ),
    });
    expect(
      new JobTypeCatalog(createJobTypes({ mockEmail, allowShellJobs: false }))
        .builtInDeclarations()
        .map((type) => type.job_type),
    ).toEqual(['send_email']);
  });

  it('off: a worker that meets one anyway fails it with the reason', async () => {
    const refused = createJobTypes({ mockEmail, allowShellJobs: false }).get('shell')!;
    const context = {
      jobId: 'j',
      attempt: 1,
      maxAttempts: 1,
      signal: new AbortController().signal,
      progress: async () => true,
      log: async () => true,
    };
    await expect(refused.run({ argv: ['echo'] }, context)).rejects.toThrow(
      '"shell" is turned off here',
    );
  });

  it('on: accepted and described', () => {
    expect(submit(true).jobType).toBe('shell');
    expect(
      new JobTypeCatalog(createJobTypes({ mockEmail, allowShellJobs: true }))
        .builtInDeclarations()
        .map((type) => type.job_type),
    ).toEqual(['send_email', 'shell']);
  });

  it('unset in code, it follows ALLOW_SHELL_JOBS (off by default; a bad value names the variable)', () => {
    expect(shellJobsAllowed({})).toBe(false);
    expect(shellJobsAllowed({ ALLOW_SHELL_JOBS: '1' })).toBe(true);
    expect(shellJobsAllowed({ ALLOW_SHELL_JOBS: 'false' })).toBe(false);
    expect(() => shellJobsAllowed({ ALLOW_SHELL_JOBS: 'maybe' })).toThrow(ConfigError);
    expect(() => shellJobsAllowed({ ALLOW_SHELL_JOBS: 'maybe' })).toThrow(
      /ALLOW_SHELL_JOBS: must be 1 or 0/,
    );
  });
});

// On a terminal (a pseudo-terminal from util-linux `script`), queuectl colours its output and
// draws a progress bar for enqueue --file; NO_COLOR turns the colour off. Piped, it never
// colours (the other test files check their plain output).
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropQueue, QUEUECTL, queueEnv, runToEnd, type Env, type Run } from './queuectl';

const ESC = '\x1b[';

/** Runs queuectl with its stdin, stdout and stderr on a pseudo-terminal. */
function onTerminal(args: string[], env: Env): Promise<Run> {
  const quote = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, QUEUECTL, ...args].map(quote).join(' ');
  return runToEnd(['script', '-qfec', command, '/dev/null'], env);
}

describe('queuectl on a terminal', () => {
  const env = queueEnv();
  afterAll(() => dropQueue(env));

  it('enqueue --file draws a progress bar, then prints the summary', async () => {
    const line = JSON.stringify({
      job_type: 'send_email',
      payload: { to: 'a@example.com', subject: 's', message: 'm' },
    });
    const dir = mkdtempSync(join(tmpdir(), 'queuectl-'));
    const file = join(dir, 'jobs.ndjson');
    writeFileSync(file, `${line}\n`.repeat(2000));
    const run = await onTerminal(['enqueue', '--file', file, '--batch-size', '100'], env);
    rmSync(dir, { recursive: true, force: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Submitting \|[=-]+\| \d+% \| \d+ submitted, 0 rejected/);
    expect(run.stdout).toContain('Submitted 2000 jobs, rejected 0 lines (of 2000 read)');
  });

  it('status is coloured on a terminal, and plain with NO_COLOR', async () => {
    const coloured = await onTerminal(['status'], env);
    expect(coloured.code).toBe(0);
    expect(coloured.stdout).toContain(`${ESC}1mID`); // bold header
    expect(coloured.stdout).toContain(`${ESC}34mqueued`); // blue status
    const plain = await onTerminal(['status'], { ...env, NO_COLOR: '1' });
    expect(plain.stdout).toContain('Total jobs: 2000 (the newest 20 below; -n N for more)');
    expect(plain.stdout).not.toContain(ESC);
  });
});

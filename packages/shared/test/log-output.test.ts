// Log lines are written in batches, yet none is lost when a process logs and exits at once: the
// lines still pending are written on exit, in order.

import { spawn } from 'node:child_process';
import { join } from 'node:path';

const LOGGER = join(__dirname, '..', 'src', 'logger.ts');

function runNode(script: string): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout }));
  });
}

test('every line logged before process.exit reaches stdout, in order', async () => {
  const { code, stdout } = await runNode(`
    const { createLogger } = require(${JSON.stringify(LOGGER)});
    const log = createLogger('test', 'info');
    for (let i = 0; i < 2000; i++) log.info('line ' + i);
    process.exit(3);
  `);
  expect(code).toBe(3);
  const messages = stdout
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { msg: string }).msg);
  expect(messages).toEqual(Array.from({ length: 2000 }, (_, i) => `line ${i}`));
}, 30_000);

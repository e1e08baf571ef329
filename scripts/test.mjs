// `npm test`: from a fresh checkout to every test run. Installs what is missing (the system's
// packages the tests need, then the npm dependencies), builds, lints, runs jest (extra arguments
// go to jest: `npm test -- -t "priority"`), then each workspace's own tests (the tester page's
// vitest). Exits non-zero if any step failed.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { ensureDependencies, ensureTestPackages, repoRoot, run } from './lib/commands.mjs';

const jestArgs = process.argv.slice(2);
const jestResults = `${repoRoot}/.run/jest-results.json`;
const results = [];

await ensureTestPackages();
await ensureDependencies();
if ((await step('build', 'npm', ['run', 'build'])) !== 0) finish();
// Lint problems fail the run but do not hide the test results: the steps below still run.
await step('lint', 'npm', ['run', 'lint']);
mkdirSync(`${repoRoot}/.run`, { recursive: true });
rmSync(jestResults, { force: true });
await step('jest', 'npx', ['jest', ...jestArgs, '--json', `--outputFile=${jestResults}`]);
await step('workspace tests', 'npm', ['run', 'test', '--workspaces', '--if-present']);
finish();

function step(name, command, args) {
  console.log(`\n=== ${name}: ${command} ${args.join(' ')}`);
  return run(command, args).then((code) => {
    results.push({ name, code });
    return code;
  });
}

function finish() {
  console.log('\n=== summary');
  for (const { name, code } of results) console.log(`${code === 0 ? 'ok  ' : 'FAIL'} ${name}`);
  const counts = jestCounts();
  // One plain closing line, the same whatever reporter jest used.
  if (counts) console.log(`jest: ${counts}`);
  process.exit(results.some(({ code }) => code !== 0) ? 1 : 0);
}

function jestCounts() {
  try {
    const r = JSON.parse(readFileSync(jestResults, 'utf8'));
    // A test file that could not run at all (say, it does not compile) counts as one failure.
    const failed = r.numFailedTests + r.numRuntimeErrorTestSuites;
    const skipped = r.numPendingTests + r.numTodoTests;
    return `${r.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
  } catch {
    return undefined; // jest did not get as far as writing results
  }
}

// `npm run chaos`: runs the fault-injection scenarios one after the other on real processes and
// prints the table. `--small` runs the quick sizes the tests use; `--only 1,4` picks scenarios.
// Exits non-zero if any scenario broke its promise.

import { disposeAllLabs, killAllLabsNow } from './lab';
import { formatTable, rowWithoutJobs, type ScenarioResult } from './result';
import { SCENARIOS } from './scenarios';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const small = args.includes('--small');
  const onlyArg = args[args.indexOf('--only') + 1];
  const only = args.includes('--only') && onlyArg ? onlyArg.split(',').map(Number) : undefined;
  const chosen = SCENARIOS.filter((s) => !only || only.includes(s.number));

  const started = new Date();
  console.log(`chaos run, ${small ? 'small' : 'full'} sizes, started ${started.toISOString()}`);
  const results: ScenarioResult[] = [];
  for (const scenario of chosen) {
    const t0 = Date.now();
    console.log(`\n${scenario.number}. ${scenario.title} ...`);
    let result: ScenarioResult;
    try {
      result = await scenario.run(small ? 'small' : 'full');
    } catch (error) {
      result = crashedRow(scenario.title, error);
    }
    results.push(result);
    console.log(formatTable([result]));
    console.log(`(${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  console.log(
    `\n== chaos table (${started.toISOString().slice(0, 10)}, ${small ? 'small' : 'full'} sizes)\n`,
  );
  console.log(formatTable(results));
  process.exitCode = results.every((r) => r.problems.length === 0) ? 0 : 1;
}

function crashedRow(scenario: string, error: unknown): ScenarioResult {
  const problem = `the run itself failed: ${(error as Error).stack ?? String(error)}`;
  return rowWithoutJobs(scenario, { notes: [], facts: {}, problems: [problem] }, -1);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping every process of the run`);
    void disposeAllLabs().finally(() => process.exit(130));
  });
}
process.once('exit', killAllLabsNow);

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

// What every chaos test file shares: generous time (each runs a whole stack of real processes),
// and no process of a lab outliving its test file, even when a test fails half-way.
import { disposeAllLabs, killAllLabsNow } from '../../chaos/src/lab';
import type { ScenarioResult } from '../../chaos/src/result';

export const SCENARIO_TIMEOUT_MS = 180_000;

export function stopLabsAfterEachTest(): void {
  process.on('exit', killAllLabsNow);
  afterEach(() => disposeAllLabs());
  afterAll(() => process.off('exit', killAllLabsNow));
}

/** Fails with the whole row when the scenario lost a job or broke any of its promises. */
export function expectNothingLost(result: ScenarioResult): void {
  // The whole row goes into the failure message: its notes say what happened.
  expect({ lost: result.lost, problems: result.problems, row: result }).toMatchObject({
    lost: 0,
    problems: [],
  });
}

// Scenario 6, small: a worker frozen past its lease finishes its jobs late after another worker
// completed them; the lease token refuses its completions and each job shows one completion.
import { zombieWorker } from '../../chaos/src/scenarios/zombie-worker';
import { SMALL } from '../../chaos/src/scenarios';
import { expectNothingLost, SCENARIO_TIMEOUT_MS, stopLabsAfterEachTest } from './chaos-hooks';

stopLabsAfterEachTest();

it(
  "refuses a thawed worker's late completions: each job is recorded completed once",
  async () => {
    const params = SMALL.zombieWorker;
    const result = await zombieWorker(params);

    expectNothingLost(result);
    expect(result.completed).toBe(params.jobs);
    expect(result.facts).toMatchObject({
      lateRuns: params.jobs,
      refusals: params.jobs,
      completions: params.jobs,
      totalCompleted: params.jobs,
    });
    expect(result.duplicates).toBe(params.jobs);
  },
  SCENARIO_TIMEOUT_MS,
);

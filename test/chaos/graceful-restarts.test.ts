// Scenario 2, small: workers get SIGTERM every half second mid-job and are replaced; a graceful
// stop finishes what it runs, so nothing is lost, nothing runs twice and nothing is recovered.
import { workerRestarts } from '../../chaos/src/scenarios/worker-restarts';
import { SMALL } from '../../chaos/src/scenarios';
import { expectNothingLost, SCENARIO_TIMEOUT_MS, stopLabsAfterEachTest } from './chaos-hooks';

stopLabsAfterEachTest();

it(
  'repeats nothing while busy workers are stopped with SIGTERM and replaced',
  async () => {
    const result = await workerRestarts(SMALL.gracefulRestarts);

    expectNothingLost(result);
    expect(result.acknowledged).toBe(SMALL.gracefulRestarts.jobs);
    expect(result.completed).toBe(result.acknowledged);
    expect(result.facts.restarts).toBeGreaterThanOrEqual(1);
    expect(result.duplicates).toBe(0);
    expect(result.facts.recovered).toBe(0);
  },
  SCENARIO_TIMEOUT_MS,
);

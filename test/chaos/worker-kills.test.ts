// Scenario 1, small: workers get SIGKILL every half second mid-job and are replaced; every
// acknowledged job still ends, none is lost.
import { workerRestarts } from '../../chaos/src/scenarios/worker-restarts';
import { SMALL } from '../../chaos/src/scenarios';
import { expectNothingLost, SCENARIO_TIMEOUT_MS, stopLabsAfterEachTest } from './chaos-hooks';

stopLabsAfterEachTest();

it(
  'loses no job while workers are killed with SIGKILL mid-job and replaced',
  async () => {
    const result = await workerRestarts(SMALL.workerKills);

    expectNothingLost(result);
    expect(result.acknowledged).toBe(SMALL.workerKills.jobs);
    expect(result.completed + result.failed).toBe(result.acknowledged);
    // The kills landed on running jobs: their leases expired and recovery put them back.
    expect(result.facts.restarts).toBeGreaterThanOrEqual(1);
    expect(result.facts.recovered).toBeGreaterThan(0);
  },
  SCENARIO_TIMEOUT_MS,
);

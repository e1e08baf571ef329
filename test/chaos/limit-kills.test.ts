// Scenario 11, small: workers SIGKILLed mid-job while their type has a max_concurrency: nothing
// is lost, the limit is never exceeded, and the running count ends at 0.
import { workerRestarts } from '../../chaos/src/scenarios/worker-restarts';
import { SMALL } from '../../chaos/src/scenarios';
import { expectNothingLost, SCENARIO_TIMEOUT_MS, stopLabsAfterEachTest } from './chaos-hooks';

stopLabsAfterEachTest();

it(
  'keeps a concurrency limit and loses nothing while workers are killed',
  async () => {
    const params = SMALL.limitKills;
    const result = await workerRestarts(params);

    expectNothingLost(result);
    expect(result.acknowledged).toBe(params.jobs);
    // A job lost with its worker on every attempt fails for good; none is left unfinished.
    expect(result.completed + result.failed).toBe(result.acknowledged);
    expect(result.facts.mostRunning).toBeLessThanOrEqual(params.maxConcurrency!);
    expect(result.facts.mostRunning).toBeGreaterThan(0);
    expect(result.facts.runningAfter).toBe(0);
    expect(result.facts.restarts).toBeGreaterThan(0);
  },
  SCENARIO_TIMEOUT_MS,
);

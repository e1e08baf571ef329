// Scenario 10, small: workers over HTTP (no Redis connection of their own) are SIGKILLed mid-job
// and replaced, with no Node worker running: the api recovers their jobs and nothing is lost.
import { workerRestarts } from '../../chaos/src/scenarios/worker-restarts';
import { SMALL } from '../../chaos/src/scenarios';
import { expectNothingLost, SCENARIO_TIMEOUT_MS, stopLabsAfterEachTest } from './chaos-hooks';

stopLabsAfterEachTest();

it(
  'loses no job when workers over HTTP are killed mid-job',
  async () => {
    const params = SMALL.httpWorkerKills;
    const result = await workerRestarts(params);

    expectNothingLost(result);
    expect(result.acknowledged).toBe(params.jobs);
    // A job lost with its worker on every attempt fails for good; none is left unfinished.
    expect(result.completed + result.failed).toBe(result.acknowledged);
    expect(result.facts.restarts).toBeGreaterThan(0);
    expect(result.facts.recovered).toBeGreaterThan(0);
  },
  SCENARIO_TIMEOUT_MS,
);

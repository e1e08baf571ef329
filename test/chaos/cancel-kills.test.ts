// Scenario 12, small: jobs cancelled through the API, queued or running, while workers are
// SIGKILLed mid-job: every acknowledged job ends (completed, failed, or cancelled as asked),
// none is lost, and no cancelled job ends any other way.
import { workerRestarts } from '../../chaos/src/scenarios/worker-restarts';
import { SMALL } from '../../chaos/src/scenarios';
import { expectNothingLost, SCENARIO_TIMEOUT_MS, stopLabsAfterEachTest } from './chaos-hooks';

stopLabsAfterEachTest();

it(
  'ends every cancelled job as cancelled and loses nothing while workers are killed',
  async () => {
    const params = SMALL.cancelKills;
    const result = await workerRestarts(params);

    expectNothingLost(result);
    expect(result.acknowledged).toBe(params.jobs);
    expect(result.facts.cancelled).toBeGreaterThan(0);
    expect(result.facts.cancelledEnded).toBe(result.facts.cancelled);
    expect(result.completed + result.failed + Number(result.facts.cancelled)).toBe(
      result.acknowledged,
    );
    expect(result.facts.restarts).toBeGreaterThan(0);
  },
  SCENARIO_TIMEOUT_MS,
);

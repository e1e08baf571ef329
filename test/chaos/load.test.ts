// Scenario 8, small: an open-loop stream of submissions with workers running: every submission
// is accepted and completes, with no error reply.
import { load } from '../../chaos/src/scenarios/load';
import { SMALL } from '../../chaos/src/scenarios';
import { expectNothingLost, SCENARIO_TIMEOUT_MS, stopLabsAfterEachTest } from './chaos-hooks';

stopLabsAfterEachTest();

it(
  'accepts and completes every job of a steady stream of submissions',
  async () => {
    const result = await load(SMALL.load);

    expectNothingLost(result);
    expect(result.facts.errors).toBe(0);
    expect(result.acknowledged).toBe(result.submitted);
    expect(result.completed).toBe(result.acknowledged);
  },
  SCENARIO_TIMEOUT_MS,
);

// Scenario 7, small: generated malformed and hostile requests against the product's api: no
// 5xx, every error a JSON body, the api stays up, Redis holds only the queue's keys, and the
// api's live heap comes back to its baseline.
import { badInput } from '../../chaos/src/scenarios/bad-input';
import { SMALL } from '../../chaos/src/scenarios';
import { expectNothingLost, SCENARIO_TIMEOUT_MS, stopLabsAfterEachTest } from './chaos-hooks';

stopLabsAfterEachTest();

it(
  'answers hostile input without a 5xx, keeps Redis clean and returns to its memory baseline',
  async () => {
    const result = await badInput(SMALL.badInput);

    expectNothingLost(result);
    expect(result.submitted).toBe(SMALL.badInput.requests);
    expect(result.facts).toMatchObject({
      serverErrors: 0,
      noReply: 0,
      unclearErrors: 0,
      keysOutsideQueue: 0,
    });
    expect(result.facts.heapGrowthBytes).toBeLessThan(SMALL.badInput.heapToleranceBytes);
  },
  SCENARIO_TIMEOUT_MS,
);

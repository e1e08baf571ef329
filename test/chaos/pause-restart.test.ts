// Scenario 13, small: a paused queue stays paused across a Redis kill -9 and restart (no job
// starts), and once resumed every acknowledged job completes.
import { pauseRestart } from '../../chaos/src/scenarios/pause-restart';
import { SMALL } from '../../chaos/src/scenarios';
import { expectNothingLost, SCENARIO_TIMEOUT_MS, stopLabsAfterEachTest } from './chaos-hooks';

stopLabsAfterEachTest();

it(
  'keeps a pause across a Redis restart, then completes every job once resumed',
  async () => {
    const params = SMALL.pauseRestart;
    const result = await pauseRestart(params);

    expectNothingLost(result);
    expect(result.facts).toMatchObject({ pausedAfterRestart: 1, startedWhilePaused: 0 });
    expect(result.completed).toBe(params.jobs);
  },
  SCENARIO_TIMEOUT_MS,
);

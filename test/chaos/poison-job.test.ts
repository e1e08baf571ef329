// Scenario 3, small: a job that kills its own worker every time runs exactly max_attempts times,
// then fails saying its worker was lost, and takes none of the other jobs down with it.
import { poisonJob } from '../../chaos/src/scenarios/poison-job';
import { SMALL } from '../../chaos/src/scenarios';
import { expectNothingLost, SCENARIO_TIMEOUT_MS, stopLabsAfterEachTest } from './chaos-hooks';

stopLabsAfterEachTest();

it(
  'runs a worker-killing job exactly max_attempts times, fails it clearly, and completes every other job',
  async () => {
    const params = SMALL.poisonJob;
    const result = await poisonJob(params);

    expectNothingLost(result);
    expect(result.facts.poisonRuns).toBe(params.maxAttempts);
    expect(result.failed).toBe(1);
    expect(result.completed).toBe(params.jobs);
    expect(result.notes.join('\n')).toMatch(
      /last_error "Worker \S+ was lost while running attempt 3/,
    );
  },
  SCENARIO_TIMEOUT_MS,
);

// Scenario 4, small: Redis (appendonly, appendfsync always) is killed with SIGKILL during a stream
// of submissions and restarted on its data. Every 2xx completes; refusals are quick, clear 503s;
// the api and workers carry on by themselves.
import { redisRestart } from '../../chaos/src/scenarios/redis-restart';
import { SMALL } from '../../chaos/src/scenarios';
import { expectNothingLost, SCENARIO_TIMEOUT_MS, stopLabsAfterEachTest } from './chaos-hooks';

stopLabsAfterEachTest();

it(
  'completes every acknowledged job across Redis crashes and answers 503 quickly meanwhile',
  async () => {
    const params = SMALL.redisRestart;
    const result = await redisRestart(params);

    expectNothingLost(result);
    expect(result.facts.kills).toBe(params.kills);
    expect(result.completed).toBe(result.acknowledged);
    // The crashes were felt (some submissions were refused) and were no hang.
    expect(result.facts.refused).toBeGreaterThan(0);
    expect(result.facts.slowestRefusalMs).toBeLessThan(10_000);
    expect(result.facts.acceptedAfterLastRestart).toBeGreaterThan(0);
  },
  SCENARIO_TIMEOUT_MS,
);

// Scenario 5, small: Redis frozen (SIGSTOP) longer than the lease during a stream of submissions,
// then thawed: no process crashes, every acknowledged job completes, and the queue carries on.
import { redisPause } from '../../chaos/src/scenarios/redis-pause';
import { SMALL } from '../../chaos/src/scenarios';
import { expectNothingLost, SCENARIO_TIMEOUT_MS, stopLabsAfterEachTest } from './chaos-hooks';

stopLabsAfterEachTest();

it(
  'rides out a Redis frozen for longer than the lease and completes every acknowledged job',
  async () => {
    const params = SMALL.redisPause;
    expect(params.pauseMs).toBeGreaterThan(params.leaseMs);
    const result = await redisPause(params);

    expectNothingLost(result);
    expect(result.completed).toBe(result.acknowledged);
    expect(result.acknowledged).toBeGreaterThan(0);
  },
  SCENARIO_TIMEOUT_MS,
);

// Scenario 9, small: listing clients, clients that never read their live-log stream and clients
// that replay all of it: no reply is a 5xx and the api keeps serving. (Its latency and memory
// figures are the full-size run's, in docs/RELIABILITY.md; a test does not time them.)
import { hostileClients } from '../../chaos/src/scenarios/hostile-clients';
import { SMALL } from '../../chaos/src/scenarios';
import { SCENARIO_TIMEOUT_MS, stopLabsAfterEachTest } from './chaos-hooks';

stopLabsAfterEachTest();

it(
  'answers listing floods and stalled or replaying live-log clients without a 5xx, and keeps serving',
  async () => {
    const result = await hostileClients({ ...SMALL.hostileClients, submitGoalRatio: Infinity });
    expect(result.problems).toEqual([]);
    expect(result.facts.listings).toBeGreaterThan(0);
  },
  SCENARIO_TIMEOUT_MS,
);

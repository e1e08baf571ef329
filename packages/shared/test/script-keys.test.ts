// Each script's keys come from its header: runScript sends what `KEYS[n] name` lines declare.
import { SCRIPT_NAMES, scriptKeys } from '../src/scripts';

test('every script declares its keys in its header, in order', () => {
  expect(scriptKeys('claim')).toEqual([
    'queued',
    'active',
    'scheduled',
    'events',
    'paused',
    'limits',
    'running',
  ]);
  expect(scriptKeys('complete')).toEqual([
    'active',
    'completed',
    'events',
    'totals',
    'completedCount',
  ]);
  for (const name of SCRIPT_NAMES) expect(scriptKeys(name).length).toBeGreaterThan(0);
});

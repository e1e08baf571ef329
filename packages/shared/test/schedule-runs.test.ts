// How a schedule's last tick went is said by the process that moved the schedule on, only: a
// process slow with an older tick, or with a tick of a definition replaced meanwhile, says nothing.

import { Schedules } from '../src';
import { runScript } from '../src/scripts';
import { createFixture, testJobType, type QueueFixture } from './queue-fixture';

let fixture: QueueFixture;
let schedules: Schedules;
beforeEach(() => {
  fixture = createFixture({ jobTypes: testJobType(async () => null) });
  schedules = new Schedules(fixture.queue);
});
afterEach(() => fixture.close());

const definition = { name: 'ticker', cron: '* * * * * *', job_type: 'test', payload: { n: 1 } };
const lastRun = async () => (await schedules.list())[0]!.last_run;
const dueAt = async () =>
  Number(await fixture.redis.zscore(fixture.queue.keys.schedulesDue, 'ticker'));
const advance = (tick: number, run: object) =>
  runScript<number>(fixture.redis, 'advance_schedule', fixture.queue.keys, [
    'ticker',
    tick,
    tick + 1000,
    JSON.stringify(run),
  ]);

test('only the process that moves a schedule on says how its tick went', async () => {
  await schedules.create(definition);
  const tick = await dueAt();
  const run = { at: new Date(tick).toISOString(), job_id: 'j-2', error: null };
  expect(await advance(tick - 1000, { ...run, job_id: 'j-1' })).toBe(0);
  expect(await lastRun()).toBeNull();
  expect(await advance(tick, run)).toBe(1);
  expect(await lastRun()).toEqual(run);
  // The same tick again, from a second process: the first one's word stands.
  expect(await advance(tick, { ...run, error: 'late' })).toBe(0);
  expect(await lastRun()).toEqual(run);
});

test('a tick of a definition replaced meanwhile says nothing about the new one', async () => {
  await schedules.create(definition);
  const tick = await dueAt();
  await schedules.create({ ...definition, cron: '0 0 1 1 *' });
  expect(await advance(tick, { at: 'x', job_id: null, error: 'old payload refused' })).toBe(0);
  expect(await lastRun()).toBeNull();
});

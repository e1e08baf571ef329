// How a schedule's last tick went is said by the process that moved the schedule on, only: a
// process slow with an older tick, or with a tick of a definition replaced meanwhile, says nothing.

import { Schedules } from '../src';
import { runScript } from '../src/scripts';
import { createFixture, silentLogger, testJobType, type QueueFixture } from './queue-fixture';

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

test('a tick of a definition replaced while it fires says nothing about the new one', async () => {
  await schedules.create(definition);
  // Due now: the next fireDue fires it.
  await fixture.redis.zadd(fixture.queue.keys.schedulesDue, Date.now() - 1000, 'ticker');
  // The schedule is replaced while its tick's job is being submitted (another client, at once).
  const submitTick = fixture.queue.submitTick.bind(fixture.queue);
  fixture.queue.submitTick = async (input, key) => {
    await schedules.create({ ...definition, cron: '0 0 1 1 *' });
    return submitTick(input, key);
  };
  await schedules.fireDue(silentLogger);
  const [replaced] = await schedules.list();
  expect(replaced).toMatchObject({ cron: '0 0 1 1 *', last_run: null });
});

// Global limits from a type's declaration and changed at run time: a held-back type keeps its
// jobs in line without holding up other types; a run-time change outlives later declarations
// until it is reset.

import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import {
  declarationOf,
  defineJobType,
  TypeRegistry,
  type JobType,
  type JobTypeRegistry,
} from '../src';
import { runScript } from '../src/scripts';
import { createFixture, eventually, type QueueFixture } from './queue-fixture';

let fixture: QueueFixture;
const log: string[] = [];

const limited = defineJobType({
  name: 'limited',
  payload: z.object({ n: z.number() }),
  maxConcurrency: 1,
  async run({ n }) {
    log.push(`limited ${n} start`);
    await sleep(300);
    log.push(`limited ${n} end`);
    return null;
  },
}) as JobType;
const free = defineJobType({
  name: 'free',
  payload: z.object({ n: z.number() }),
  async run({ n }) {
    log.push(`free ${n}`);
    return null;
  },
}) as JobType;
/** Runs until the test opens the gate. */
let openGate: () => void = () => undefined;
let gate = Promise.resolve();
const gated = defineJobType({
  name: 'gated',
  payload: z.object({ n: z.number() }),
  async run({ n }) {
    log.push(`gated ${n} start`);
    await gate;
    return null;
  },
}) as JobType;
const registry: JobTypeRegistry = new Map([limited, free, gated].map((t) => [t.name, t]));

beforeEach(() => {
  log.length = 0;
  fixture = createFixture({ jobTypes: registry });
});
afterEach(() => fixture.close());

test('a type held back by its limit waits in line; the types behind it flow', async () => {
  await fixture.startWorker({ concurrency: 5 });
  await fixture.queue.submitMany([
    { job_type: 'limited', payload: { n: 1 } },
    { job_type: 'limited', payload: { n: 2 } },
    { job_type: 'free', payload: { n: 3 } },
  ]);
  await eventually(() => log.length === 5, 5000);
  // The second limited job starts only after the first ended; the free one did not wait.
  expect(log.indexOf('limited 2 start')).toBeGreaterThan(log.indexOf('limited 1 end'));
  expect(log.indexOf('free 3')).toBeLessThan(log.indexOf('limited 1 end'));
  expect((await fixture.queue.listJobTypes()).find((t) => t.job_type === 'limited')).toMatchObject({
    limits: { max_concurrency: 1 },
  });
  expect(await fixture.redis.hget(fixture.queue.keys.running, 'limited')).toBe('0');
});

test('a run-time change outlives a later declaration until it is reset', async () => {
  expect(await fixture.queue.setLimits('limited', { max_concurrency: 3 })).toEqual({
    max_concurrency: 3,
  });
  await fixture.startWorker(); // declares max_concurrency 1 again
  const inForce = () => fixture.queue.limitsInForce().then((all) => all.limited);
  expect(await inForce()).toEqual({ max_concurrency: 3 });
  expect(await fixture.queue.setLimits('limited', { max_concurrency: null })).toEqual({});
  expect(await fixture.queue.setLimits('limited', { reset: true })).toEqual({ max_concurrency: 1 });
  await expect(fixture.queue.setLimits('limited', { max_concurrency: 0 })).rejects.toMatchObject({
    details: [{ path: 'max_concurrency', message: 'must be at least 1' }],
  });
  await expect(
    fixture.queue.setLimits('limited', { rate_limit: { max: 'ten', per_ms: 1000 } }),
  ).rejects.toMatchObject({ details: [{ path: 'rate_limit.max', message: 'must be a number' }] });
});

test('two changes made at once both hold', async () => {
  await fixture.startWorker();
  for (let round = 0; round < 10; round++) {
    await fixture.queue.setLimits('free', { reset: true });
    await Promise.all([
      fixture.queue.setLimits('free', { max_concurrency: 7 }),
      fixture.queue.setLimits('free', { rate_limit: { max: 9, per_ms: 1000 } }),
    ]);
    expect((await fixture.queue.limitsInForce()).free).toEqual({
      max_concurrency: 7,
      rate_limit: { max: 9, per_ms: 1000 },
    });
  }
});

test('reset goes alone: with limits beside it, it is refused naming reset', async () => {
  await fixture.startWorker();
  await expect(
    fixture.queue.setLimits('free', { reset: true, max_concurrency: 3 }),
  ).rejects.toMatchObject({ details: [{ path: 'reset' }] });
  await expect(fixture.queue.setLimits('free', { reset: false })).rejects.toMatchObject({
    details: [{ path: 'reset', message: 'must be true (back to the declaration), or left out' }],
  });
});

test('a concurrency limit set at run time counts the jobs already running', async () => {
  gate = new Promise((resolve) => (openGate = resolve));
  await fixture.startWorker({ concurrency: 5 });
  const first = await fixture.queue.submitMany(
    [1, 2, 3].map((n) => ({ job_type: 'gated', payload: { n } })),
  );
  await eventually(() => log.length === 3, 5000);
  await fixture.queue.setLimits('gated', { max_concurrency: 2 });
  expect(await fixture.redis.hget(fixture.queue.keys.running, 'gated')).toBe('3');
  const { job_id } = await fixture.queue.submit({ job_type: 'gated', payload: { n: 4 } });
  // Three run under a limit of two: the fourth waits (before, it started at once).
  await sleep(300);
  expect(log).not.toContain('gated 4 start');
  expect((await fixture.queue.get(job_id))?.status).toBe('queued');
  openGate();
  await eventually(async () => (await fixture.queue.get(job_id))?.status === 'completed', 5000);
  for (const { job_id: id } of first)
    expect((await fixture.queue.get(id))?.status).toBe('completed');
  expect(await fixture.redis.hget(fixture.queue.keys.running, 'gated')).toBe('0');
});

describe('declared limits come back with their declaration after Redis lost them', () => {
  const limitedNow = () => fixture.queue.limitsInForce().then((all) => all.limited);

  test('a worker that declares an unchanged type writes its limits again', async () => {
    await fixture.startWorker();
    // What a Redis that lost its data looks like once another worker's heartbeat has written
    // the declaration back: the declaration is there, its limits are not.
    await fixture.redis.del(fixture.queue.keys.limits);
    expect(await limitedNow()).toBeUndefined();
    await fixture.startWorker();
    expect(await limitedNow()).toEqual({ max_concurrency: 1 });
  });

  test("limits written late for a declaration no longer stored leave the stored one's in force", async () => {
    await fixture.startWorker();
    // An older worker's declaration, read before a newer one was stored and written after it.
    const k = fixture.queue.keys;
    const late = ['limited', 'declared', JSON.stringify({ max_concurrency: 5 }), 'an-older-one'];
    expect(await runScript(fixture.redis, 'set_limits', k, [k.prefix, ...late])).toBe(0);
    expect(await limitedNow()).toEqual({ max_concurrency: 1 });
  });

  test("a worker's heartbeat that writes back a lost declaration writes back its limits", async () => {
    await fixture.startWorker();
    await fixture.redis.del(fixture.queue.keys.types, fixture.queue.keys.limits);
    const registry = new TypeRegistry(fixture.redis, fixture.queue.keys);
    await registry.heartbeat('a-worker', [declarationOf(limited)]);
    expect(await limitedNow()).toEqual({ max_concurrency: 1 });
  });
});

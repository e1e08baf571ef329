// Loads the Lua scripts (one per state change) and registers them on a Redis client. ioredis
// sends each by SHA (EVALSHA) and loads it again by itself after a Redis restart (NOSCRIPT).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { queueKeys, type QueueKeys } from './keys';
import type { RedisClient } from './redis';

export const SCRIPT_NAMES = [
  'submit',
  'claim',
  'complete',
  'fail',
  'extend',
  'recover',
  'promote',
  'cancel',
  'retry',
  'forget',
  'report',
  'relane',
  'advance_schedule',
  'set_group',
  'move_group_counts',
  'release',
  'set_limits',
] as const;
export type ScriptName = (typeof SCRIPT_NAMES)[number];

type Arg = string | Buffer | number;
type ScriptCaller = (numKeys: number, ...keysAndArgs: Arg[]) => Promise<unknown>;

// The .lua files sit beside src/ and dist/, so both ts-jest and the built code find them.
const LUA_DIR = join(__dirname, '..', 'lua');
const readLua = (name: string) => readFileSync(join(LUA_DIR, `${name}.lua`), 'utf8');
// Every script starts with the prelude: Redis's clock, the priority score, argument slicing.
const PRELUDE = readLua('prelude');
const luaFiles = new Map<ScriptName, string>(SCRIPT_NAMES.map((name) => [name, readLua(name)]));
const sources = new Map<ScriptName, string>(
  [...luaFiles].map(([name, lua]) => [name, withPrelude(lua)]),
);

/** A key of the queue's layout a script may be given (the job and wake keys are built inside). */
type KeyName = {
  [Name in keyof QueueKeys]: QueueKeys[Name] extends string ? Name : never;
}[keyof QueueKeys];

/**
 * Each script's keys are declared once, in its header (`KEYS[1] queued  zset of ready jobs`):
 * callers pass the queue's keys and runScript sends the ones the header names, in its order.
 */
const declaredKeys = new Map<ScriptName, KeyName[]>(
  [...luaFiles].map(([name, lua]) => [name, keysDeclaredIn(name, lua)]),
);

function keysDeclaredIn(script: ScriptName, lua: string): KeyName[] {
  const layout = queueKeys('layout') as unknown as Record<string, unknown>;
  return [...lua.matchAll(/^KEYS\[(\d+)\] +(\w+)/gm)].map(([, position, snakeName], i) => {
    const name = snakeName!.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
    if (Number(position) !== i + 1 || typeof layout[name] !== 'string') {
      throw new Error(
        `${script}.lua declares KEYS[${position}] ${snakeName}: not a queue key in order`,
      );
    }
    return name as KeyName;
  });
}

/** The keys a script's header declares, in order (for tests and docs). */
export function scriptKeys(name: ScriptName): readonly KeyName[] {
  return declaredKeys.get(name)!;
}

/** A script's flags line (`#!lua flags=...`, Redis 7) must stay its first line. */
function withPrelude(lua: string): string {
  const flags = /^#!lua[^\n]*\n/.exec(lua)?.[0] ?? '';
  return `${flags}${PRELUDE}\n${lua.slice(flags.length)}`;
}

const commandName = (name: ScriptName) => `jq_${name}`;

export function registerScripts(redis: RedisClient): void {
  for (const [name, lua] of sources) {
    // No fixed numberOfKeys: each call passes its key count first.
    redis.defineCommand(commandName(name), { lua });
  }
}

/**
 * Runs a script on a client or a pipeline that registerScripts prepared, with the keys of `queue`
 * its header declares.
 */
export function runScript<T>(
  target: RedisClient | ReturnType<RedisClient['pipeline']>,
  name: ScriptName,
  queue: QueueKeys,
  args: Arg[],
): Promise<T> {
  const call = (target as unknown as Record<string, ScriptCaller>)[commandName(name)];
  if (!call) throw new Error(`script ${name} is not registered on this client`);
  const keys = declaredKeys.get(name)!.map((key) => queue[key]);
  return call.call(target, keys.length, ...keys, ...args) as Promise<T>;
}

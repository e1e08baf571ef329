// The key layout a queue's keys are in (the `layout` key; the version is in prelude.lua).
// Version 2 added each type's lane (`ready:<type>`): a worker moves a backlog queued by an
// earlier release into the lanes before it claims, so an upgrade finds every queued job.

import type { QueueKeys } from './keys';
import type { RedisClient } from './redis';
import { runScript } from './scripts';

const SLICE = 1000;

/** Puts every job an earlier release left in `queued` into its lane; at once when done before. */
export async function upgradeLayout(redis: RedisClient, keys: QueueKeys): Promise<void> {
  let after = '-inf';
  for (;;) {
    const [state, last] = await runScript<[string, string?]>(redis, 'relane', keys, [
      keys.prefix,
      after,
      SLICE,
    ]);
    if (state === 'done') return;
    after = last!;
  }
}

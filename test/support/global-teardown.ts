// Stops the Redis that global setup provisioned (nothing when it was the caller's REDIS_URL), and
// names whatever the run left open: jest exits anyway (forceExit), so a leak shows up here instead
// of as a run that never ends.
import { PROVISIONED_REDIS, type ProvisionedRedis } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const redis = (globalThis as Record<symbol, unknown>)[PROVISIONED_REDIS] as
    ProvisionedRedis | undefined;
  await redis?.stop();
  await new Promise((resolve) => setTimeout(resolve, 100)); // handles close a turn after 'exit'
  const open = leftHandles();
  if (open.length > 0) {
    process.stdout.write(`\n[test teardown] still open after the run: ${open.join(', ')}\n`);
  }
}

/** What keeps the process alive besides its own stdio: child processes, sockets, servers. */
function leftHandles(): string[] {
  // Node has no public list of handle objects; this one is what --detectOpenHandles builds on.
  const handles = (process as unknown as { _getActiveHandles(): object[] })._getActiveHandles();
  const stdio: object[] = [process.stdin, process.stdout, process.stderr];
  return handles.filter((h) => !stdio.includes(h)).map(describe);
}

function describe(handle: object): string {
  const pid = (handle as { pid?: number }).pid;
  const name = handle.constructor?.name ?? 'handle';
  const spawnargs = (handle as { spawnargs?: string[] }).spawnargs;
  return spawnargs ? `${name} ${pid} (${spawnargs.join(' ')})` : name;
}

// Every process the kit spawns (and any other process its owner registers, such as the tests'
// service processes) is registered here, so that a failing test or an interrupted run never leaves
// one running. The registry lives on the global object: in the tests, the test file's, where the
// jest environment (test/support/jest-environment.ts) finds it and stops everything after the
// file's own hooks ran.

export interface TrackedProcess {
  /** Stops the process and frees what it holds; resolves once it is gone. */
  dispose(): Promise<void>;
  /** Synchronous SIGKILL, for a jest worker that exits before teardown could run. */
  killNow(): void;
}

export const TRACKED_PROCESSES = Symbol.for('jobqueue.test.trackedProcesses');

// A test file's global object, or the jest environment's handle on it.
type GlobalWithRegistry = object & { [TRACKED_PROCESSES]?: Set<TrackedProcess> };

export function trackedProcesses(global: GlobalWithRegistry = globalThis): Set<TrackedProcess> {
  return (global[TRACKED_PROCESSES] ??= new Set());
}

export function track(process: TrackedProcess): void {
  trackedProcesses().add(process);
}

export function untrack(process: TrackedProcess): void {
  trackedProcesses().delete(process);
}

/**
 * Stops every registered process (in a test file the environment does it anyway after the file;
 * call it from afterAll to stop them earlier). Safe to call more than once.
 */
export async function stopAll(global: GlobalWithRegistry = globalThis): Promise<void> {
  const registry = trackedProcesses(global);
  const all = [...registry];
  registry.clear();
  const results = await Promise.allSettled(all.map((p) => p.dispose()));
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
}

export function killAllNow(global: GlobalWithRegistry = globalThis): void {
  for (const p of trackedProcesses(global)) p.killNow();
}

// The jest environment of every test file: Node, plus a teardown that stops each process the test
// helpers spawned (services, redis-servers), after all of the file's own hooks, pass or fail.
import { TestEnvironment } from 'jest-environment-node';
import { killAllNow, stopAll } from './tracked-processes';

export default class ProcessCleanupEnvironment extends TestEnvironment {
  // If the jest worker exits without a teardown (interrupted run), nothing may outlive it.
  private readonly killLeftovers = () => killAllNow(this.global);

  override async setup(): Promise<void> {
    await super.setup();
    process.on('exit', this.killLeftovers);
  }

  override async teardown(): Promise<void> {
    try {
      await stopAll(this.global);
    } finally {
      process.off('exit', this.killLeftovers);
      await super.teardown();
    }
  }
}

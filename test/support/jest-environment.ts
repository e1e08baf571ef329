// The jest environment of every test file: Node, without the shell's job queue settings (a test
// says what it wants; a LOG_LEVEL or API_TOKEN in the shell must not change what it sees), plus a
// teardown that stops each process the test helpers spawned (services, redis-servers), after all
// of the file's own hooks, pass or fail.
import { TestEnvironment } from 'jest-environment-node';
import { CONFIG_VARIABLES } from '../../packages/shared/src/config';
import { killAllNow, stopAll } from './tracked-processes';

export default class ProcessCleanupEnvironment extends TestEnvironment {
  // If the jest worker exits without a teardown (interrupted run), nothing may outlive it.
  private readonly killLeftovers = () => killAllNow(this.global);

  override async setup(): Promise<void> {
    await super.setup();
    const env = this.global.process.env;
    for (const name of CONFIG_VARIABLES) delete env[name];
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

// What every command does when it cannot do its job: Redis down or frozen (exit 5 naming the URL,
// quickly, never hanging), bad configuration, bad usage; and --help with an example everywhere.
import { freePort, RedisServerProcess } from '@jobqueue/testkit';
import { QUEUECTL, queueEnv, queuectl, runToEnd } from './queuectl';

const ID = '01a20000-0000-7000-8000-000000000000';
const COMMANDS: string[][] = [
  ['enqueue', '--type', 'send_email', '--payload', '{}'],
  ['enqueue', '--file', '-'],
  ['status'],
  ['status', ID],
  ['list'],
  ['stats'],
  ['stats', '--watch'],
  ['retry', ID],
  ['retry', '--all-failed'],
  ['cancel', ID],
  ['logs'],
  ['logs', '--follow'],
  ['worker'],
  ['run'],
];

describe('queuectl errors', () => {
  it('with no Redis listening, every command exits 5 at once, naming the URL it tried (password hidden)', async () => {
    const port = await freePort();
    const env = queueEnv({ REDIS_URL: `redis://:s3cret@127.0.0.1:${port}/0` });
    for (const command of COMMANDS) {
      const started = Date.now();
      const run = await queuectl(command, env);
      expect({ command, code: run.code, stderr: run.stderr }).toEqual({
        command,
        code: 5,
        stderr: `queuectl: error: cannot reach Redis at redis://:***@127.0.0.1:${port}/0 (REDIS_URL): connect ECONNREFUSED 127.0.0.1:${port}\n`,
      });
      // Generous: a refused connection is answered at once; this only tells "fails" from "retries on".
      expect(Date.now() - started).toBeLessThan(8000);
    }
  }, 120_000);

  it('--json errors are JSON on stderr with the same exit code', async () => {
    const port = await freePort();
    const run = await queuectl(
      ['stats', '--json'],
      queueEnv({ REDIS_URL: `redis://127.0.0.1:${port}` }),
    );
    expect(run.code).toBe(5);
    expect(run.stdout).toBe('');
    expect(JSON.parse(run.stderr)).toEqual({
      error: {
        code: 'redis_unavailable',
        message: `cannot reach Redis at redis://127.0.0.1:${port} (REDIS_URL): connect ECONNREFUSED 127.0.0.1:${port}`,
        details: [],
      },
    });
  });

  it('a Redis that accepts connections but never answers: exit 5 after the connect timeout, not a hang', async () => {
    const redis = await new RedisServerProcess().start();
    redis.pause();
    try {
      const run = await queuectl(['status'], queueEnv({ REDIS_URL: redis.url }));
      expect(run.code).toBe(5);
      expect(run.stderr).toBe(
        `queuectl: error: cannot reach Redis at ${redis.url} (REDIS_URL): no answer within 5000 ms\n`,
      );
    } finally {
      redis.resume();
      await redis.stop();
    }
  });

  it('a bad variable stops it with exit 2, naming the variable', async () => {
    const run = await queuectl(
      ['status'],
      queueEnv({ QUEUE_NAME: 'my queue', WORKER_CONCURRENCY: '0' }),
    );
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('queuectl: error: invalid configuration:');
    expect(run.stderr).toContain("QUEUE_NAME: must be 1-64 letters, digits, '_', '.' or '-'");
    expect(run.stderr).toContain('WORKER_CONCURRENCY');
  });

  it('a reader that leaves early (| head) ends it quietly with exit 0, not a stack trace', async () => {
    // `true` exits before queuectl writes, so every write meets a closed pipe.
    const pipeline = `set -o pipefail; "${process.execPath}" "${QUEUECTL}" --help | true`;
    const run = await runToEnd(['bash', '-c', pipeline], queueEnv());
    expect(run).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('usage errors exit 2: no command, an unknown command', async () => {
    const env = queueEnv();
    const none = await queuectl([], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: queuectl [options] [command]');
    const unknown = await queuectl(['enque'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'enque'");
    expect(unknown.stderr).toContain('(Did you mean enqueue?)');
  });

  it('--help shows every command with an example, and exits 0', async () => {
    const env = queueEnv();
    const main = await queuectl(['--help'], env);
    expect(main.code).toBe(0);
    // Every command the help lists, and the subcommands of those that have them.
    const commandsIn = (help: string) =>
      [...help.split('Commands:\n')[1]!.matchAll(/^ {2}([a-z]+) /gm)]
        .map((match) => match[1]!)
        .filter((name) => name !== 'help');
    const commands = commandsIn(main.stdout);
    expect(commands).toEqual(expect.arrayContaining(['enqueue', 'status', 'worker', 'run']));
    const leaves: string[][] = [];
    for (const name of commands) {
      const help = await queuectl([name, '--help'], env);
      expect({ name, code: help.code }).toEqual({ name, code: 0 });
      if (help.stdout.includes('Commands:\n'))
        for (const sub of commandsIn(help.stdout)) leaves.push([name, sub]);
      else leaves.push([name]);
    }
    expect(leaves).toContainEqual(['schedule', 'remove']);
    for (const command of leaves) {
      const help = await queuectl([...command, '--help'], env);
      const name = command.join(' ');
      expect({ name, code: help.code }).toEqual({ name, code: 0 });
      expect(help.stdout).toContain(`Usage: queuectl ${name}`);
      expect({ name, example: /Examples?:\n {2}\$ queuectl /.test(help.stdout) }).toEqual({
        name,
        example: true,
      });
      expect({ name, json: help.stdout.includes('--json') }).toEqual({ name, json: true });
    }
    expect(main.stdout).toContain('Exit codes: 0 ok');
    expect((await queuectl(['--version'], env)).stdout).toBe('0.1.0\n');
  }, 120_000);
});

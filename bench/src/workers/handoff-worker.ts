// The other end of the hand-off floor (handoff.ts): blocks on a marker like a worker does and,
// woken, runs a script that adds one stream entry, like a claim adding its `picked` event. No
// queue at all: what is left is the cost of the messages between the processes.

import Redis from 'ioredis';

const SCRIPT = `redis.call('XADD', KEYS[2], '*', 'type', 'picked', 'n', ARGV[1]) return 1`;

async function main(): Promise<void> {
  const url = process.env.REDIS_URL!;
  const commands = new Redis(url);
  const blocking = new Redis(url);
  await Promise.all([commands.ping(), blocking.ping()]);
  process.send?.({ type: 'started', at: Date.now() });
  for (let n = 0; ; n++) {
    await blocking.bzpopmin('handoff:marker', 0);
    await commands.eval(SCRIPT, 2, 'handoff:marker', 'handoff:events', n);
  }
}

process.once('SIGTERM', () => process.exit(0));
main().catch((error: unknown) => {
  console.error('hand-off worker failed:', error);
  process.exit(1);
});

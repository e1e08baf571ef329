// The other end of the hand-off floor (handoff.ts): blocks on a marker like an idle worker does
// and notes when each wait ends. No queue at all: what is left is the cost of the messages
// between the processes. It reports the times over IPC when asked.

import Redis from 'ioredis';
import { nowMs } from '../child';

async function main(): Promise<void> {
  const blocking = new Redis(process.env.REDIS_URL!);
  await blocking.ping();
  const woken: number[] = [];
  process.on('message', (message: { type: string }) => {
    if (message.type === 'report') process.send?.({ type: 'report', woken });
  });
  process.send?.({ type: 'started', at: nowMs() });
  for (;;) {
    await blocking.bzpopmin('handoff:marker', 0);
    woken.push(nowMs());
  }
}

process.once('SIGTERM', () => process.exit(0));
main().catch((error: unknown) => {
  console.error('hand-off worker failed:', error);
  process.exit(1);
});

// Counts the Redis commands a process sends, by name, at the one place every ioredis command
// passes (single calls, pipelines, scripts, blocking pops). INFO commandstats cannot tell these
// apart: it also counts every command a Lua script runs inside Redis under that command's name.

import Redis from 'ioredis';

type SendCommand = (command: { name: string }, ...rest: unknown[]) => unknown;

const counts = new Map<string, number>();
let installed = false;

export function countRedisCommands(): void {
  if (installed) return;
  installed = true;
  const proto = Redis.prototype as unknown as { sendCommand: SendCommand };
  const send = proto.sendCommand;
  proto.sendCommand = function (this: unknown, command, ...rest) {
    counts.set(command.name, (counts.get(command.name) ?? 0) + 1);
    return send.call(this, command, ...rest);
  };
}

export function resetCommandCounts(): void {
  counts.clear();
}

export function commandCounts(): Record<string, number> {
  return Object.fromEntries(counts);
}

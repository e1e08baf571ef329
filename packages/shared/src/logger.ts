// One JSON object per line on stdout (pino), written in batches (log-output.ts); readable colours
// when a person watches a terminal.

import pino, { type Logger } from 'pino';
import { batchedStdout } from './log-output';

export type { Logger };

export function createLogger(name: string, level: string): Logger {
  const pretty = process.stdout.isTTY && canResolve('pino-pretty');
  const options = {
    name,
    level,
    base: { service: name },
    timestamp: isoTimeOncePerMs,
  };
  if (pretty) {
    return pino({
      ...options,
      transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino(options, batchedStdout);
}

// pino's isoTime formats a Date for every line; a busy worker writes several lines per
// millisecond, so the text is made once per millisecond and reused.
let lastMs = -1;
let lastTime = '';
function isoTimeOncePerMs(): string {
  const now = Date.now();
  if (now !== lastMs) {
    lastMs = now;
    lastTime = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTime;
}

function canResolve(moduleName: string): boolean {
  try {
    require.resolve(moduleName);
    return true;
  } catch {
    return false;
  }
}

// One JSON object per line on stdout (pino); readable colours when a person watches a terminal.

import pino, { type Logger } from 'pino';

export type { Logger };

export function createLogger(name: string, level: string): Logger {
  const pretty = process.stdout.isTTY && canResolve('pino-pretty');
  return pino({
    name,
    level,
    base: { service: name },
    timestamp: pino.stdTimeFunctions.isoTime,
    transport: pretty
      ? { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } }
      : undefined,
  });
}

function canResolve(moduleName: string): boolean {
  try {
    require.resolve(moduleName);
    return true;
  } catch {
    return false;
  }
}

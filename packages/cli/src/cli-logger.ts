// The log of `queuectl worker` and `queuectl run`: the worker's log lines. JSON lines with --json (as
// services/worker writes them); otherwise one readable line per record, coloured on a terminal.

import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export function createCliLogger(json: boolean, level: string): Logger {
  const base = {
    name: 'queuectl',
    level,
    base: { service: 'queuectl' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
  if (json) return pino(base);
  const stream = pretty({
    colorize: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,name',
    // The messages carry the job ids; the fields would only repeat them. Errors are kept.
    hideObject: true,
    messageFormat: (log, messageKey) => {
      const message = String(log[messageKey] ?? '');
      return typeof log.err === 'string' ? `${message} (${log.err})` : message;
    },
    sync: true,
    destination: 1,
  });
  return pino(base, stream);
}

// The processes `npm start` runs: each in its own process group, its output prefixed with its
// name (pino lines pretty-printed on a terminal), stopped with SIGTERM, then SIGKILL after a grace.
import { createInterface } from 'node:readline';
import { styleText } from 'node:util';

const useColor = process.stdout.isTTY && !process.env.NO_COLOR;

/**
 * Wraps a spawned child (spawned with `detached: true`, so it leads its own process group: npm
 * and the node process it runs are signalled together, and a terminal's Ctrl+C reaches them only
 * through us).
 */
export class ManagedProcess {
  constructor(name, child, { prefixWidth, color, prettify }) {
    this.name = name;
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('error', (error) => resolve({ code: null, signal: null, error }));
      child.once('exit', (code, signal) => resolve({ code, signal }));
    });
    const label = `${name.padEnd(prefixWidth)} |`;
    this.prefix = useColor ? `${styleText(color, label)} ` : `${label} `;
    this.prettify = prettify;
    this.forward(child.stdout, process.stdout);
    this.forward(child.stderr, process.stderr);
  }

  /** SIGTERM to the whole group, wait until every process of it is gone, SIGKILL after graceMs. */
  async stop(graceMs) {
    if (!this.signalGroup('SIGTERM')) return;
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      if (!this.signalGroup(0)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    console.error(`${this.prefix}still running after ${graceMs} ms: killing it`);
    this.kill();
  }

  kill() {
    this.signalGroup('SIGKILL');
  }

  /** Whether the group still had a process to receive the signal. */
  signalGroup(signal) {
    if (!this.child.pid) return false;
    try {
      process.kill(-this.child.pid, signal);
      return true;
    } catch {
      return false; // ESRCH: every process of the group has exited
    }
  }

  /** Writes output the process wrote before it was handed over, as if forwarded. */
  print(text, destination = process.stdout) {
    for (const line of text.split('\n')) if (line !== '') this.write(line, destination);
  }

  forward(stream, destination) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      this.write(line, destination);
    });
  }

  write(line, destination) {
    const text = this.prettify?.(line) ?? line;
    for (const part of text.replace(/\n$/, '').split('\n')) {
      destination.write(`${this.prefix}${part}\n`);
    }
  }
}

/**
 * On a terminal, a function that renders a pino JSON line the way pino-pretty does (undefined for
 * any other line); elsewhere undefined, so logs stay one JSON object per line for collectors.
 * Loaded on demand: pino-pretty exists only once dependencies are installed.
 */
export async function terminalPrettifier() {
  if (!process.stdout.isTTY) return undefined;
  const pinoPretty = await import('pino-pretty');
  const prettyFactory = pinoPretty.prettyFactory ?? pinoPretty.default.prettyFactory;
  const render = prettyFactory({
    colorize: useColor,
    translateTime: 'SYS:HH:MM:ss.l',
    // The prefix already names the service, and each message names its job: one line an event.
    ignore: 'pid,hostname,service,name,worker_id,job_id,attempt',
    singleLine: true,
    errorLikeObjectKeys: [],
  });
  return (line) => {
    if (!line.startsWith('{')) return undefined;
    try {
      const record = JSON.parse(line);
      return typeof record === 'object' && record !== null ? render(record) : undefined;
    } catch {
      return undefined;
    }
  };
}

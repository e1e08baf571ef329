// The command line of bench:ab: the two worker-service runs it compares, and how many pairs.

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { WorkerServiceRun } from './deployed';
import { positiveOption } from './options';

export interface AbOptions {
  pairs: number;
  n: number;
  concurrency: number;
  a: WorkerServiceRun;
  b: WorkerServiceRun;
}

export const AB_USAGE = `usage: npm run bench:ab -- [--pairs 12] [--n 30000] [--concurrency 100]
  [--a-worker PATH] [--a-node-options "FLAGS"] [--a-env NAME=VALUE ...]
  [--b-worker PATH] [--b-node-options "FLAGS"] [--b-env NAME=VALUE ...]
PATH is a worker service's built main.js (default: this checkout's services/worker/dist/main.js).`;

export function parseAbOptions(argv: string[]): AbOptions {
  const side = { type: 'string' } as const;
  const envs = { type: 'string', multiple: true, default: [] as string[] } as const;
  const { values } = parseArgs({
    args: argv,
    options: {
      pairs: { type: 'string', default: '12' },
      n: { type: 'string', default: '30000' },
      concurrency: { type: 'string', default: '100' },
      'a-worker': side,
      'a-node-options': side,
      'a-env': envs,
      'b-worker': side,
      'b-node-options': side,
      'b-env': envs,
    },
  });
  const run = (name: 'a' | 'b'): WorkerServiceRun => ({
    script: workerScript(`--${name}-worker`, values[`${name}-worker`]),
    nodeOptions: (values[`${name}-node-options`] ?? '').split(/\s+/).filter(Boolean),
    env: envOption(`--${name}-env`, values[`${name}-env`]),
  });
  return {
    pairs: positiveOption('pairs', values.pairs),
    n: positiveOption('n', values.n),
    concurrency: positiveOption('concurrency', values.concurrency),
    a: run('a'),
    b: run('b'),
  };
}

function workerScript(option: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  const script = resolve(path);
  if (!existsSync(script)) throw new Error(`${option}: no file at ${script} (build it first)`);
  return script;
}

function envOption(option: string, entries: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const at = entry.indexOf('=');
    if (at < 1) throw new Error(`${option} takes NAME=VALUE, not "${entry}"`);
    env[entry.slice(0, at)] = entry.slice(at + 1);
  }
  return env;
}

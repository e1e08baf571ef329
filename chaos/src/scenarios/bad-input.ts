// Scenario 7: the product's own api under generated malformed and hostile requests. No reply may
// be a 5xx, the api must stay up and keep serving, Redis may hold nothing outside the queue's own
// keys, and the api's live memory must come back to where it was before the flood.

import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { HostileGenerator, type HostileRequest } from '../hostile';
import { Lab } from '../lab';
import { liveMemory, mb } from '../api-memory';
import type { ScenarioResult } from '../result';

export interface BadInputParams {
  requests: number;
  concurrency: number;
  seed: number;
  /** How much more live heap than the baseline still counts as back to baseline. */
  heapToleranceBytes: number;
}

export const BAD_INPUT: BadInputParams = {
  requests: 10_000,
  concurrency: 8,
  seed: 7,
  heapToleranceBytes: 8 * 1024 * 1024,
};

interface Reply {
  kind: string;
  status: number;
  json: boolean;
}

export async function badInput(params: BadInputParams): Promise<ScenarioResult> {
  const lab = await Lab.start({
    name: 'bad-input',
    productApi: true,
    env: { SUBMIT_RATE_LIMIT: '0' },
    apiNodeArgs: [
      '--expose-gc',
      '--require',
      join(__dirname, '..', '..', 'dist', 'gc-on-signal.js'),
    ],
  });
  const agent = new Agent({ keepAlive: true, maxSockets: params.concurrency });
  try {
    const target = new URL(lab.apiUrl);
    // Warm up (JIT, pools, lazily built caches) with requests of the same kinds, then measure.
    await sendAll(target, agent, new HostileGenerator(params.seed + 1), 300, params.concurrency);
    const baseline = await liveMemory(lab);
    const started = Date.now();
    const replies = await sendAll(
      target,
      agent,
      new HostileGenerator(params.seed),
      params.requests,
      params.concurrency,
    );
    const elapsedMs = Date.now() - started;
    const after = await liveMemory(lab);

    const problems: string[] = [];
    const serverErrors = replies.filter((r) => r.status >= 500);
    const noReply = replies.filter((r) => r.status === 0);
    // HEAD replies carry no body by definition.
    const unclear = replies.filter((r) => r.status >= 400 && !r.json && !r.kind.includes(' HEAD '));
    if (serverErrors.length > 0)
      problems.push(`${serverErrors.length} 5xx repl(ies): ${describe(serverErrors)}`);
    if (noReply.length > 0)
      problems.push(`${noReply.length} request(s) got no reply: ${describe(noReply)}`);
    if (unclear.length > 0)
      problems.push(
        `${unclear.length} error repl(ies) without a JSON error body: ${describe(unclear)}`,
      );
    const health = await fetch(`${lab.apiUrl}/health`)
      .then((r) => r.status)
      .catch(() => 0);
    if (health !== 200 || !lab.api.alive)
      problems.push(`api down after the run (health ${health})`);
    const stranger = await keysOutsideQueue(lab);
    if (stranger.length > 0)
      problems.push(
        `${stranger.length} Redis key(s) outside the queue: ${stranger.slice(0, 5).join(', ')}`,
      );
    const heapGrowth = after.heap - baseline.heap;
    if (heapGrowth > params.heapToleranceBytes)
      problems.push(`live heap ${mb(baseline.heap)} -> ${mb(after.heap)} after the run`);

    const accepted = replies.filter((r) => r.status === 202).length;
    const byStatus = new Map<number, number>();
    for (const r of replies) byStatus.set(r.status, (byStatus.get(r.status) ?? 0) + 1);
    const statuses = [...byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s} x${n}`);
    return {
      scenario: 'bad input',
      submitted: replies.length,
      acknowledged: accepted,
      completed: 0,
      failed: 0,
      lost: 0,
      duplicates: 0,
      submitMs: elapsedMs,
      drainMs: 0,
      facts: {
        serverErrors: serverErrors.length,
        noReply: noReply.length,
        unclearErrors: unclear.length,
        keysOutsideQueue: stranger.length,
        heapGrowthBytes: heapGrowth,
      },
      notes: [
        `${replies.length} requests in ${(elapsedMs / 1000).toFixed(1)} s; replies ${statuses.join(', ')}`,
        `Redis keys outside the queue: ${stranger.length}; api live heap ${mb(baseline.heap)} before, ${mb(after.heap)} after ` +
          `(rss ${mb(baseline.rss)} -> ${mb(after.rss)}); acked = the valid submissions mixed in (202; no workers run here)`,
      ],
      problems,
    };
  } finally {
    agent.destroy();
    await lab.dispose();
  }
}

async function sendAll(
  target: URL,
  agent: Agent,
  generator: HostileGenerator,
  count: number,
  concurrency: number,
): Promise<Reply[]> {
  const replies: Reply[] = [];
  let sent = 0;
  const sender = async () => {
    while (sent < count) {
      sent++;
      const req = generator.next();
      replies.push(await send(target, agent, req));
    }
  };
  await Promise.all(Array.from({ length: concurrency }, sender));
  return replies;
}

/** One raw HTTP request (node:http sends the path as given, unlike fetch, which normalises it). */
function send(target: URL, agent: Agent, req: HostileRequest): Promise<Reply> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (status: number, json: boolean) => {
      if (settled) return;
      settled = true;
      resolve({ kind: `${req.kind} ${req.method} ${req.path.slice(0, 60)}`, status, json });
    };
    let outgoing;
    try {
      outgoing = request(
        {
          host: target.hostname,
          port: target.port,
          method: req.method,
          path: req.path,
          // Framed properly, so each reply belongs to its request even for GET or OPTIONS bodies.
          headers:
            req.body === undefined
              ? req.headers
              : { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
          agent,
          timeout: 10_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => done(res.statusCode ?? 0, isErrorJson(Buffer.concat(chunks))));
          res.on('error', () => done(res.statusCode ?? 0, false));
        },
      );
    } catch {
      // The client itself refused to send it (say, a character Node will not put in a path).
      resolve({ kind: 'not sendable', status: 400, json: true });
      return;
    }
    outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
    // A server that answers 413 may close the socket before it read the whole body: not a failure
    // when the reply already came; done() only counts the first outcome.
    outgoing.on('error', () => done(0, false));
    outgoing.end(req.body);
  });
}

function isErrorJson(body: Buffer): boolean {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as {
      error?: { code?: unknown; message?: unknown };
    };
    return typeof parsed.error?.code === 'string' && typeof parsed.error?.message === 'string';
  } catch {
    return false;
  }
}

async function keysOutsideQueue(lab: Lab): Promise<string[]> {
  const outside: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await lab.inspector.scan(cursor, 'COUNT', 1000);
    cursor = next;
    outside.push(...keys.filter((k) => !k.startsWith(lab.keys.prefix)));
  } while (cursor !== '0');
  return outside;
}

function describe(replies: Reply[]): string {
  return replies
    .slice(0, 3)
    .map((r) => `${r.status} for ${r.kind}`)
    .join('; ');
}

// Scenario 9: a few cheap clients try to take the product's api down while Redis is healthy.
// With `storedJobs` jobs stored, `listClients` clients loop the most expensive listing there is
// (a filter that matches nothing); submissions must keep their idle latency within 2x and no
// reply may be a 5xx. Then `stalledClients` open /events and never read while `floodJobs` jobs
// come, and `replayClients` ask for the whole stream with Last-Event-ID: 0; the api's memory
// must stay within what EVENTS_MAX_BUFFER_BYTES allows, and it must keep serving.

import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { liveMemory, mb } from '../api-memory';
import { Lab } from '../lab';
import { rowWithoutJobs, type ScenarioResult } from '../result';

export interface HostileClientsParams {
  storedJobs: number;
  listClients: number;
  /** Submissions timed one after another, idle and then under the listings. */
  timedSubmits: number;
  stalledClients: number;
  replayClients: number;
  floodJobs: number;
  /** What the api may grow by (resident memory) while clients stall and replay. */
  memoryBoundBytes: number;
  /** Submit p50 under the listings over idle, at most. */
  submitGoalRatio: number;
}

export const HOSTILE_CLIENTS: HostileClientsParams = {
  storedJobs: 20_000,
  listClients: 20,
  timedSubmits: 400,
  stalledClients: 50,
  replayClients: 190,
  floodJobs: 10_000,
  memoryBoundBytes: 150 * 1024 * 1024,
  submitGoalRatio: 2,
};

const BUFFER_BYTES = 256 * 1024;
const validJob = {
  job_type: 'send_email',
  payload: { to: 'user@example.com', subject: 'Test', message: 'Hello!' },
};

export async function hostileClients(params: HostileClientsParams): Promise<ScenarioResult> {
  const lab = await Lab.start({
    name: 'hostile-clients',
    productApi: true,
    env: {
      SUBMIT_RATE_LIMIT: '0',
      EVENTS_MAX_BUFFER_BYTES: String(BUFFER_BYTES),
      EVENTS_MAX_STREAMS_PER_CLIENT: '1000',
    },
    apiNodeArgs: [
      '--expose-gc',
      '--require',
      join(__dirname, '..', '..', 'dist', 'gc-on-signal.js'),
    ],
  });
  const problems: string[] = [];
  const notes: string[] = [];
  const facts: Record<string, number> = {};
  const statuses = new Map<number, number>();
  const serverErrors: string[] = [];
  const count = (status: number, what = '') => {
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (status >= 500 || status === 0) serverErrors.push(`${status} ${what}`);
  };
  try {
    for (let left = params.storedJobs; left > 0; left -= 1000) {
      const jobs = Array(Math.min(1000, left)).fill(validJob);
      count((await post(lab, '/jobs/bulk', { jobs })).status, 'bulk (stored jobs)');
    }

    // 1. Listings that match nothing, against submissions.
    const idle = await timeSubmits(lab, params.timedSubmits, count);
    let listing = true;
    let listings = 0;
    const listers = Array.from({ length: params.listClients }, async () => {
      while (listing) {
        const reply = await fetch(`${lab.apiUrl}/jobs?limit=500&job_type=nope`).catch(() => null);
        count(reply?.status ?? 0, `listing: ${reply ? await reply.text() : 'no reply'}`);
        listings += 1;
      }
    });
    await sleep(500);
    const busy = await timeSubmits(lab, params.timedSubmits, count);
    listing = false;
    await Promise.all(listers);
    facts.submitIdleP50Ms = idle;
    facts.submitListedP50Ms = busy;
    facts.listings = listings;
    notes.push(
      `submit p50 ${idle.toFixed(2)} ms idle, ${busy.toFixed(2)} ms under ${params.listClients} listing clients (${(busy / idle).toFixed(2)}x; ${listings} listings answered)`,
    );
    if (busy > params.submitGoalRatio * idle)
      problems.push(
        `submit p50 under listings is ${(busy / idle).toFixed(2)}x idle (goal <= ${params.submitGoalRatio}x)`,
      );

    // 2. Clients that never read, and clients that ask for everything.
    const before = await liveMemory(lab);
    const stalled = await Promise.all(
      Array.from({ length: params.stalledClients }, () => openStalled(lab, '0')),
    );
    const replaying = await Promise.all(
      Array.from({ length: params.replayClients }, () => openStalled(lab, '0')),
    );
    for (let left = params.floodJobs; left > 0; left -= 1000) {
      const jobs = Array(Math.min(1000, left)).fill(validJob);
      const reply = await post(lab, '/jobs/bulk', { jobs });
      count(reply.status, `bulk (flood): ${await reply.text()}`);
    }
    await sleep(2000);
    const during = await liveMemory(lab);
    const grew = during.rss - before.rss;
    facts.apiGrowthBytes = grew;
    notes.push(
      `api resident memory ${mb(before.rss)} -> ${mb(during.rss)} (heap in use ${mb(before.heap)} -> ${mb(during.heap)}) with ${params.stalledClients} stalled and ${params.replayClients} replaying clients over ${params.floodJobs} jobs`,
    );
    if (grew > params.memoryBoundBytes)
      problems.push(`the api grew by ${mb(grew)} (bound ${mb(params.memoryBoundBytes)})`);
    for (const socket of [...stalled, ...replaying]) socket.destroy();

    const health = await fetch(`${lab.apiUrl}/stats`)
      .then((r) => r.status)
      .catch(() => 0);
    if (health !== 200 || !lab.api.alive)
      problems.push(`api not serving after the run (${health})`);
    if (serverErrors.length > 0)
      problems.push(`${serverErrors.length} 5xx or no reply, e.g. ${serverErrors.slice(0, 3)}`);
    notes.push(`replies by status: ${JSON.stringify(Object.fromEntries(statuses))}`);
  } finally {
    await lab.dispose();
  }
  return rowWithoutJobs('hostile clients', { notes, facts, problems });
}

function post(lab: Lab, path: string, body: unknown): Promise<Response> {
  return fetch(`${lab.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** The median of `n` submissions made one after another (ms). */
async function timeSubmits(
  lab: Lab,
  n: number,
  count: (status: number, what: string) => void,
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const reply = await post(lab, '/submit-job', validJob).catch(() => null);
    times.push(performance.now() - started);
    count(reply?.status ?? 0, `submit: ${reply ? await reply.text() : 'no reply'}`);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Opens /events (resuming from `lastEventId`) and never reads a byte of it. */
async function openStalled(lab: Lab, lastEventId: string): Promise<Socket> {
  const { hostname, port } = new URL(lab.apiUrl);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.pause();
  socket.write(
    `GET /events HTTP/1.1\r\nHost: ${hostname}\r\nLast-Event-ID: ${lastEventId}\r\n\r\n`,
  );
  return socket;
}

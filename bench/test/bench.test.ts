// The benchmark and the soak run end to end on a tiny N and print their tables, samples and JSON
// lines with every figure. Timings are never asserted: only that each figure was measured.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const MAIN = join(__dirname, '..', 'dist', 'main.js');

// A run that outlives its test (a timeout) is killed with it, its Redis and workers included:
// each run leads a process group of its own, and the whole group goes.
const running = new Set<ChildProcess>();
afterEach(() => {
  for (const child of running) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // the group has ended already
    }
  }
});

function runScript(
  script: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    running.add(child);
    child.once('exit', () => running.delete(child));
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const FIGURES = [
  'drain_jobs_per_s',
  'http_submit_req_per_s',
  'http_submit_p99_ms',
  'http_bulk_jobs_per_s',
  'idle_picked_p50_ms',
  'idle_picked_p99_ms',
  'idle_pick_seen_p50_ms',
  'idle_pick_seen_p99_ms',
  'idle_completed_p50_ms',
  'idle_completed_p99_ms',
  'redis_cpu_s_per_1000_jobs',
  'worker_cpu_s_per_1000_jobs',
  'client_calls_per_job',
  'redis_commands_per_job',
  'memory_bytes_per_job',
  'http_worker_drain_jobs_per_s',
  'limits_drain_jobs_per_s',
  'deployed_drain_jobs_per_s',
  'deployed_vs_bee_queue_jobs_per_s',
  'deployed_redis_cpu_s_per_1000_jobs',
  'fair_quiet_wait_p50_ms',
  'fair_quiet_wait_p99_ms',
  'fair_jain_index',
  'groups_drain_jobs_per_s',
  'aging_low_wait_ms',
  'aging_low_wait_vs_bullmq_ms',
];

test('npm run bench on a tiny N prints the table and a JSON line with every figure of both systems', async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build first`);
  // prettier-ignore
  const { code, stdout, stderr } = await runScript(MAIN, [
    '--n', '300', '--rounds', '1', '--concurrency', '20', '--http-seconds', '1',
    '--connections', '4', '--bulk-connections', '1', '--latency-jobs', '5', '--latency-gap-ms', '5',
  ]);
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });

  const lines = stdout.trim().split('\n');
  const header = lines[0]!;
  for (const column of ['figure', 'jobqueue', 'other', 'ratio', 'target', 'met']) {
    expect(header).toContain(column);
  }
  const rows = lines.slice(2, 2 + FIGURES.length);
  expect(lines).toHaveLength(2 + FIGURES.length + 2);
  expect(lines.at(-2)).toMatch(
    /^hand-off floor under submit->picked .*: p50 \d+\.\d\d ms, p99 \d+\.\d\d ms; idle pick p50 \d+\.\d\dx it for jobqueue, \d+\.\d\dx for BullMQ$/,
  );
  expect(rows.filter((row) => row.includes('BullMQ'))).toHaveLength(18);
  expect(rows.filter((row) => row.includes('one group'))).toHaveLength(1);
  expect(rows.filter((row) => row.includes('aging off'))).toHaveLength(1);
  expect(rows.filter((row) => row.includes('bee-queue'))).toHaveLength(1);
  expect(rows.filter((row) => row.includes('bare Koa'))).toHaveLength(3);
  expect(rows.filter((row) => row.includes('Node worker'))).toHaveLength(1);
  expect(rows.filter((row) => row.includes('plain drain'))).toHaveLength(1);

  const report = JSON.parse(lines.at(-1)!) as {
    options: { n: number; rounds: number };
    handoff_floor: {
      p50_ms: number;
      p99_ms: number;
      picked_p50_over_floor: { jobqueue: number; other: number };
    };
    figures: Record<string, { jobqueue: number; other: number; ratio: number; rounds: unknown }>;
  };
  expect(report.options).toMatchObject({ n: 300, rounds: 1 });
  expect(report.handoff_floor.p50_ms).toBeGreaterThan(0);
  // The multiples are the pick medians over the floor's. The JSON line gives each figure to 6
  // significant digits, so a multiple computed from them agrees to about 1 part in 10^5.
  const floor = report.handoff_floor.p50_ms;
  for (const system of ['jobqueue', 'other'] as const) {
    const multiple = report.handoff_floor.picked_p50_over_floor[system];
    const expected = report.figures.idle_picked_p50_ms![system] / floor;
    expect({ system, off: Math.abs(multiple - expected) / expected < 1e-4 }).toEqual({
      system,
      off: true,
    });
  }
  expect(Object.keys(report.figures).sort()).toEqual([...FIGURES].sort());
  for (const [name, figure] of Object.entries(report.figures)) {
    // Every figure was measured for both systems: a number, not null (NaN or infinity).
    expect({ name, ours: typeof figure.jobqueue, other: typeof figure.other }).toEqual({
      name,
      ours: 'number',
      other: 'number',
    });
    expect({ name, ours: figure.jobqueue > 0, other: figure.other > 0 }).toEqual({
      name,
      ours: true,
      other: true,
    });
  }
}, 180_000);

const SOAK = join(__dirname, '..', 'dist', 'soak.js');

test('npm run bench:soak on a short run prints the memory samples, a verdict and the index lengths', async () => {
  if (!existsSync(SOAK)) throw new Error(`${SOAK} is missing: run npm run build first`);
  // prettier-ignore
  const { code, stdout, stderr } = await runScript(SOAK, [
    '--duration', '4', '--rate', '200', '--ttl', '1', '--sample-seconds', '1', '--concurrency', '20',
  ]);
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });

  const lines = stdout.trim().split('\n');
  expect(lines[0]).toMatch(/^Redis used_memory \(MB\) every 1 s; 200 jobs\/s, JOB_TTL_SECONDS=1:$/);
  expect(lines[1]!.split(' | ').length).toBeGreaterThanOrEqual(4);
  expect(lines[2]).toMatch(/^after the first TTL window .* -> (flat|NOT flat)$/);
  expect(lines[3]).toMatch(
    /^at the end: job ids in the created index \d+, in the completed index \d+, job records and other keys \d+/,
  );

  const report = JSON.parse(lines.at(-1)!) as {
    samples: { seconds: number; used_memory: number }[];
    submitted: number;
    completed: number;
    at_end: Record<string, number>;
  };
  for (const sample of report.samples) expect(sample.used_memory).toBeGreaterThan(0);
  // Nothing lost on the way: every submitted job ran.
  expect(report.submitted).toBeGreaterThan(0);
  expect(report.completed).toBe(report.submitted);
  expect(Object.keys(report.at_end).sort()).toEqual(
    ['completed_index_ids', 'created_index_ids', 'events', 'keys'].sort(),
  );
}, 120_000);

const AB = join(__dirname, '..', 'dist', 'ab.js');

interface DrainFigures {
  jobsPerSecond: number;
  redisCpuPer1000: number;
  workerCpuPer1000: number;
}

test('npm run bench:ab drains the worker service as A and as B in pairs and prints each ratio and their median', async () => {
  if (!existsSync(AB)) throw new Error(`${AB} is missing: run npm run build first`);
  // prettier-ignore
  const { code, stdout, stderr } = await runScript(AB, [
    '--pairs', '2', '--n', '300', '--concurrency', '20', '--b-env', 'LOG_LEVEL=warn',
  ]);
  expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });

  const lines = stdout.trim().split('\n');
  expect(lines[0]).toBe('pair  A jobs/s  B jobs/s     B/A');
  expect(lines[1]).toMatch(/^ {3}1 +[\d,]+ +[\d,]+ +\d+\.\d{3}$/);
  expect(lines[2]).toMatch(/^ {3}2 +[\d,]+ +[\d,]+ +\d+\.\d{3}$/);
  expect(lines[3]).toMatch(/^median B\/A \d+\.\d{3}; B faster in [0-2] of 2 pairs$/);
  expect(lines[4]).toMatch(
    /^CPU s per 1,000 jobs \(medians\): worker A \d+\.\d{4}, B \d+\.\d{4}; Redis A \d+\.\d{4}, B \d+\.\d{4}$/,
  );
  const report = JSON.parse(lines.at(-1)!) as {
    options: { b: { env: Record<string, string> } };
    pairs: { a: DrainFigures; b: DrainFigures; ratio: number }[];
    median_ratio: number;
  };
  expect(report.options.b.env).toEqual({ LOG_LEVEL: 'warn' });
  expect(report.pairs).toHaveLength(2);
  for (const { a, b, ratio } of report.pairs) {
    for (const side of [a, b]) {
      expect(side.jobsPerSecond).toBeGreaterThan(0);
      expect(side.redisCpuPer1000).toBeGreaterThan(0);
      expect(side.workerCpuPer1000).toBeGreaterThan(0);
    }
    expect(ratio).toBeCloseTo(b.jobsPerSecond / a.jobsPerSecond, 9);
  }
  // Each side's stderr progress names both runs of every pair.
  expect(stderr.match(/pair \d: [AB] \d+ jobs\/s/g)).toHaveLength(4);
}, 120_000);

test('npm run bench:ab refuses a malformed option and says which', async () => {
  const { code, stderr } = await runScript(AB, ['--a-env', 'LOG_LEVEL']);
  expect(code).toBe(2);
  expect(stderr).toContain('--a-env takes NAME=VALUE, not "LOG_LEVEL"');
  const missing = await runScript(AB, ['--b-worker', '/nonexistent/main.js']);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain('--b-worker: no file at /nonexistent/main.js');
  // A worker that cannot start ends the run at once, saying why, instead of waiting out the drain.
  const unstartable = await runScript(AB, [
    '--pairs',
    '1',
    '--n',
    '100',
    '--b-node-options=--no-such-option',
  ]);
  expect(unstartable.code).toBe(1);
  expect(unstartable.stderr).toMatch(/worker service exited \(\d+\):[^]*--no-such-option/);
}, 60_000);

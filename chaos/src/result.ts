// One row of the chaos table: what was submitted and acknowledged, how the acknowledged jobs
// ended, what was lost or ran twice, how long the queue took to drain, and any promise the
// scenario broke (a non-empty `problems` fails the run).

import type { Audit } from './audit';
import { acknowledgedIds, maxOf, type Submission } from './submit';

export interface ScenarioResult {
  scenario: string;
  submitted: number;
  acknowledged: number;
  completed: number;
  failed: number;
  lost: number;
  duplicates: number;
  /** From the first submission until the last reply (ms). */
  submitMs: number;
  /** From the last submission's reply until queued, scheduled and active were empty (ms). */
  drainMs: number;
  /** Scenario facts worth a line: recovery times, latencies, why duplicates happened. */
  notes: string[];
  /** The same facts as numbers, for tests to assert on. */
  facts: Record<string, number>;
  problems: string[];
}

export function resultRow(
  scenario: string,
  submissions: Submission[],
  found: Audit,
  drainMs: number,
): ScenarioResult {
  const problems: string[] = [];
  if (drainMs < 0) problems.push('the queue did not drain before the deadline');
  if (found.lost.length > 0)
    problems.push(`${found.lost.length} acknowledged job(s) lost, e.g. ${found.lost.slice(0, 3)}`);
  if (found.repeatedAttempts > 0)
    problems.push(`${found.repeatedAttempts} attempt(s) ran twice: one lease held by two workers`);
  const notes: string[] = [];
  if (found.unacknowledgedRuns > 0)
    notes.push(
      `${found.unacknowledgedRuns} job(s) ran whose submission got no 2xx: Redis stored them after the api ` +
        `had stopped waiting, so a 503 may mean "stored late" (an idempotency_key makes the retry safe)`,
    );
  return {
    scenario,
    submitted: submissions.length,
    acknowledged: acknowledgedIds(submissions).length,
    completed: found.completed,
    failed: found.failed,
    lost: found.lost.length,
    duplicates: found.duplicates,
    submitMs: maxOf(submissions.map((s) => s.sentMs + s.latencyMs)),
    drainMs,
    notes,
    facts: {},
    problems,
  };
}

const COLUMNS: [string, (r: ScenarioResult) => string][] = [
  ['scenario', (r) => r.scenario],
  ['submitted', (r) => String(r.submitted)],
  ['acked 2xx', (r) => String(r.acknowledged)],
  ['completed', (r) => String(r.completed)],
  ['failed', (r) => String(r.failed)],
  ['lost', (r) => String(r.lost)],
  ['duplicated', (r) => String(r.duplicates)],
  ['submit s', (r) => (r.submitMs / 1000).toFixed(1)],
  ['drain s', (r) => (r.drainMs < 0 ? 'timeout' : (r.drainMs / 1000).toFixed(1))],
  ['verdict', (r) => (r.problems.length === 0 ? 'ok' : 'FAIL')],
];

/** The table as Markdown, then each scenario's notes and problems. */
export function formatTable(results: ScenarioResult[]): string {
  const rows = results.map((r) => COLUMNS.map(([, cell]) => cell(r)));
  const header = COLUMNS.map(([name]) => name);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  const out = [line(header), rule, ...rows.map(line), ''];
  for (const r of results) {
    for (const note of r.notes) out.push(`- ${r.scenario}: ${note}`);
    for (const problem of r.problems) out.push(`- ${r.scenario}: PROBLEM: ${problem}`);
  }
  return out.join('\n');
}

/** A row for a run that audits no jobs (or never got to): only its notes, facts and problems. */
export function rowWithoutJobs(
  scenario: string,
  parts: Pick<ScenarioResult, 'notes' | 'facts' | 'problems'>,
  drainMs = 0,
): ScenarioResult {
  return {
    scenario,
    submitted: 0,
    acknowledged: 0,
    completed: 0,
    failed: 0,
    lost: 0,
    duplicates: 0,
    submitMs: 0,
    drainMs,
    ...parts,
  };
}

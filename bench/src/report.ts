// The benchmark's output: one table for people and one JSON line for machines. Each figure is
// the median of the rounds; the ratio is ours over the other system's, beside the target.

import { median } from './stats';

export interface Target {
  /** 'ratio' compares ours/other with the value; 'ours' compares our figure itself. */
  of: 'ratio' | 'ours';
  op: '>=' | '<=';
  value: number;
}

export interface FigureSpec {
  key: string;
  label: string;
  /** Who ours is compared with: 'BullMQ' or 'bare Koa'. */
  versus: string;
  digits: number;
  target?: Target;
}

export interface Figure extends FigureSpec {
  ours: number;
  other: number;
  ratio: number;
  met?: boolean;
  rounds: { ours: number[]; other: number[] };
}

export function summarize(spec: FigureSpec, ours: number[], other: number[]): Figure {
  const o = median(ours);
  const t = median(other);
  const ratio = o / t;
  let met: boolean | undefined;
  if (spec.target) {
    const value = spec.target.of === 'ratio' ? ratio : o;
    met = spec.target.op === '>=' ? value >= spec.target.value : value <= spec.target.value;
  }
  return { ...spec, ours: o, other: t, ratio, met, rounds: { ours, other } };
}

function describeTarget(target: Target | undefined): string {
  if (!target) return '';
  const op = target.op === '>=' ? '>=' : '<=';
  return target.of === 'ratio' ? `ratio ${op} ${target.value}` : `${op} ${target.value}`;
}

export function table(figures: Figure[]): string {
  const rows = [
    ['figure', 'jobqueue', 'other', 'versus', 'ratio', 'target', 'met'],
    ...figures.map((f) => [
      f.label,
      format(f.ours, f.digits),
      format(f.other, f.digits),
      f.versus,
      Number.isFinite(f.ratio) ? f.ratio.toFixed(2) : '-',
      describeTarget(f.target),
      f.met === undefined ? '' : f.met ? 'yes' : 'NO',
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) =>
        column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!),
      )
      .join('  ');
  return [
    line(rows[0]!),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
}

function format(value: number, digits: number): string {
  if (!Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

export function jsonLine(meta: Record<string, unknown>, figures: Figure[]): string {
  const round = (value: number) => (Number.isFinite(value) ? Number(value.toPrecision(6)) : null);
  return JSON.stringify({
    ...meta,
    figures: Object.fromEntries(
      figures.map((f) => [
        f.key,
        {
          jobqueue: round(f.ours),
          other: round(f.other),
          versus: f.versus,
          ratio: round(f.ratio),
          target: f.target ? describeTarget(f.target) : null,
          met: f.met ?? null,
          rounds: { jobqueue: f.rounds.ours.map(round), other: f.rounds.other.map(round) },
        },
      ]),
    ),
  });
}

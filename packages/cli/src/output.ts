// Where queuectl's answers go: JSON for machines (--json), plain aligned text for people, with
// colour only when stdout is a terminal (and NO_COLOR is unset).

import pc from 'picocolors';
import type { JobStatus } from '@jobqueue/shared';
import { describeError, type DescribedError } from './errors';

export type Colors = ReturnType<typeof pc.createColors>;

export function colorsFor(stream: NodeJS.WriteStream): Colors {
  const enabled = Boolean(stream.isTTY) && !process.env.NO_COLOR && process.env.TERM !== 'dumb';
  return pc.createColors(enabled);
}

export class Output {
  readonly color: Colors;

  constructor(readonly json: boolean) {
    this.color = colorsFor(process.stdout);
  }

  /** One JSON document (or an NDJSON line) on stdout. */
  data(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value, null, this.jsonIndent)}\n`);
  }

  /** One NDJSON line, for streams (logs, stats --watch). */
  line(value: unknown): void {
    process.stdout.write(`${JSON.stringify(value)}\n`);
  }

  text(text = ''): void {
    process.stdout.write(`${text}\n`);
  }

  /** A human remark that is not the command's answer (stderr, so pipes stay clean). */
  note(text: string): void {
    if (!this.json) process.stderr.write(`${text}\n`);
  }

  /** Prints the error on stderr (JSON with --json) and returns the exit code it calls for. */
  error(error: unknown): number {
    const described = describeError(error);
    if (this.json) {
      const { exitCode: _exitCode, ...body } = described;
      process.stderr.write(`${JSON.stringify({ error: body })}\n`);
    } else {
      process.stderr.write(formatError(described, colorsFor(process.stderr)));
    }
    return described.exitCode;
  }

  private get jsonIndent(): number | undefined {
    return process.stdout.isTTY ? 2 : undefined;
  }
}

function formatError(error: DescribedError, color: Colors): string {
  const lines = [`${color.red('queuectl: error:')} ${error.message}`];
  // The first detail is usually the message itself; list them all only when there are several.
  if (error.details.length > 1) {
    for (const detail of error.details) lines.push(`  ${detail.path}: ${detail.message}`);
  }
  return `${lines.join('\n')}\n`;
}

const STATUS_COLORS: Record<JobStatus, keyof Colors> = {
  queued: 'blue',
  scheduled: 'yellow',
  processing: 'cyan',
  completed: 'green',
  failed: 'red',
  cancelled: 'gray',
};

export function paintStatus(color: Colors, status: string): string {
  const paint = color[STATUS_COLORS[status as JobStatus] ?? 'reset'] as (text: string) => string;
  return paint(status);
}

/**
 * Left-aligned columns two spaces apart, widths from the plain text (colour is applied after
 * padding so escape codes do not count). `paint` styles one cell; row -1 is the header.
 */
export function formatTable(
  headers: string[],
  rows: string[][],
  paint: (text: string, column: number, row: number) => string = (text) => text,
): string[] {
  const widths = headers.map((header, i) =>
    Math.max(header.length, ...rows.map((row) => (row[i] ?? '').length)),
  );
  const render = (cells: string[], row: number) =>
    cells
      .map((cell, i) => paint(i === cells.length - 1 ? cell : cell.padEnd(widths[i]!), i, row))
      .join('  ')
      .trimEnd();
  return [render(headers, -1), ...rows.map((row, i) => render(row, i))];
}

// Turns option text into values, with errors that name the option and what is wrong with it.

import { parseTree, type ParseError } from 'jsonc-parser';
import { CliError } from './errors';

/** Parses JSON, or fails naming what broke and where: position (from 0), line and column. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${what} is not valid JSON: ${describeJsonError(text, error as Error)}`);
  }
}

export function describeJsonError(text: string, error: Error): string {
  // JSON.parse says what broke but not always where; jsonc-parser (strict settings) finds where.
  const found: ParseError[] = [];
  parseTree(text, found, { disallowComments: true, allowTrailingComma: false });
  const v8Position = /at position (\d+)/.exec(error.message)?.[1];
  const position = found[0]?.offset ?? (v8Position ? Number(v8Position) : text.length);
  const reason = error.message
    .replace(/,? ".*" is not valid JSON$/s, '')
    .replace(/ in JSON at position \d+.*$/s, '');
  const before = text.slice(0, position).split('\n');
  const column = (before.at(-1)?.length ?? 0) + 1;
  const where = text.includes('\n') ? `line ${before.length} column ${column}` : `column ${column}`;
  return `${reason} at position ${position} (${where})`;
}

const DURATION_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** "500ms", "5s", "2m", "1h", "1d" -> milliseconds. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text.trim());
  if (!match)
    throw new CliError(`${option} must be a duration like 500ms, 5s, 2m, 1h or 1d (got "${text}")`);
  return Math.round(Number(match[1]) * DURATION_UNITS_MS[match[2]!]!);
}

export function parseWholeNumber(text: string, option: string, min = 1): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min) {
    throw new CliError(`${option} must be a whole number of at least ${min} (got "${text}")`);
  }
  return Number(text);
}

/** "high" | "normal" | "low" stay words; digits become the number 1..10 the queue expects. */
export function parsePriority(text: string): string | number {
  return /^\d+$/.test(text.trim()) ? Number(text) : text;
}

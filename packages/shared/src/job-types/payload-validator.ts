// Checks payloads against the JSON Schemas job types declare, compiled once per schema text, and
// words each problem as the rest of the API does ({path, message}: "is required", "must be an
// email address"), so a form can mark each field whatever language declared the type.

import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { RE2JS } from 're2js';
import type { ErrorDetail } from '../wire';

const compiled = new Map<string, ValidateFunction>();
/** Distinct schemas kept compiled; a registry holds a few dozen types, not thousands. */
const MAX_COMPILED = 200;

/** The compiled check of a schema; throws a SchemaError naming what is wrong with it. */
export function compileSchema(schema: unknown): ValidateFunction {
  const text = JSON.stringify(schema);
  const known = compiled.get(text);
  if (known) return known;
  let validate: ValidateFunction;
  try {
    // An Ajv of its own per schema: Ajv keeps every schema it compiled, and ids ($id) of one
    // type's schema must not meet another's. Dropping the validator frees it all.
    const ajv = new Ajv2020({ allErrors: true, strict: false, code: { regExp: linearRegExp } });
    addFormats(ajv);
    validate = ajv.compile(schema as object);
  } catch (error) {
    throw new SchemaError((error as Error).message);
  }
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value!);
  compiled.set(text, validate);
  return validate;
}

export class SchemaError extends Error {}

/**
 * Patterns (`pattern`, `patternProperties`) are matched by RE2 (re2js), in time linear in the
 * text: a pattern that backtracks catastrophically in JavaScript's engine (^(a+)+$) would let one
 * submission stall the API. A pattern RE2 cannot run (lookarounds, backreferences) is refused
 * when the type is declared.
 */
const linearRegExp = Object.assign(
  (pattern: string) => {
    const compiled = RE2JS.compile(pattern);
    return {
      test: (text: string) => compiled.matcher(text).find(),
      // Ajv keys its compiled patterns by this text: it must differ between patterns.
      toString: () => `/${pattern}/`,
    };
  },
  { code: 'linearRegExp' },
);

/** Every problem of `payload` under `schema`, with paths starting at `prefix` (e.g. payload). */
export function payloadProblems(
  validate: ValidateFunction,
  payload: unknown,
  prefix: string,
): ErrorDetail[] {
  if (validate(payload)) return [];
  const errors = validate.errors ?? [];
  // A `format` says what a field must be better than the `pattern` written beside it.
  const formatted = new Set(
    errors.filter((e) => e.keyword === 'format').map((e) => e.instancePath),
  );
  const details = errors
    .filter((error) => !(error.keyword === 'pattern' && formatted.has(error.instancePath)))
    .flatMap((error) => describe(error, prefix));
  // One message per field, in the order the schema lists the fields (a form's order), not the
  // order the validator checked its keywords in (every missing field first).
  const seen = new Set<string>();
  const order = fieldOrder(validate.schema, prefix);
  return details
    .filter((detail) => !seen.has(detail.path) && seen.add(detail.path))
    .sort((a, b) => order(a.path) - order(b.path));
}

function fieldOrder(schema: unknown, prefix: string): (path: string) => number {
  const properties = (schema as { properties?: Record<string, unknown> } | null)?.properties;
  const names = Object.keys(properties ?? {});
  return (path) => {
    const field = path.slice(prefix.length + 1).split('.')[0] ?? '';
    const index = names.indexOf(field);
    return index < 0 ? names.length : index;
  };
}

function describe(error: ErrorObject, prefix: string): ErrorDetail[] {
  const path = [prefix, ...error.instancePath.split('/').slice(1).map(unescape)].join('.');
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return [{ path: `${path}.${String(params.missingProperty)}`, message: 'is required' }];
    case 'additionalProperties':
      return [
        { path: `${path}.${String(params.additionalProperty)}`, message: 'is not a known field' },
      ];
    default:
      return [{ path, message: messageFor(error, params) }];
  }
}

function messageFor(error: ErrorObject, params: Record<string, unknown>): string {
  switch (error.keyword) {
    case 'type':
      return `must be ${article(String(params.type))}`;
    case 'format':
      return params.format === 'email' ? 'must be an email address' : `must be ${params.format}`;
    case 'minLength':
      return params.limit === 1
        ? 'must not be empty'
        : `must be at least ${params.limit} characters`;
    case 'maxLength':
      return `must be at most ${params.limit} characters`;
    case 'minItems':
      return params.limit === 1 ? 'must not be empty' : `must hold at least ${params.limit} items`;
    case 'maxItems':
      return `must hold at most ${params.limit} items`;
    case 'minimum':
      return `must be at least ${params.limit}`;
    case 'maximum':
      return `must be at most ${params.limit}`;
    case 'exclusiveMinimum':
      return `must be greater than ${params.limit}`;
    case 'exclusiveMaximum':
      return `must be less than ${params.limit}`;
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return error.message ?? 'is not valid';
  }
}

function article(type: string): string {
  if (type === 'object') return 'a JSON object';
  if (type === 'array') return 'a list';
  if (type === 'integer') return 'a whole number';
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function unescape(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

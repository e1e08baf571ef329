// Turns a job type's payload JSON Schema (from GET /job-types) into the form: the list of
// payload fields to draw, and one JSON Schema for the whole submit body that the form is
// checked against before sending. Field names are the API's paths ("payload.to"), so an
// error the API reports for a path lands on the field of the same name.
import type { JobType, JsonSchema } from '../api/types';

export const PRIORITIES = ['high', 'normal', 'low'] as const;
export const MAX_ATTEMPTS_LIMIT = 100;

export type PayloadFieldKind =
  'email' | 'text' | 'textarea' | 'number' | 'integer' | 'boolean' | 'choice' | 'json';

export interface PayloadField {
  /** The form field name, e.g. "payload.to". */
  name: string;
  label: string;
  kind: PayloadFieldKind;
  required: boolean;
  choices: string[];
  description?: string;
}

/** Long free text gets a textarea; the schema says so by name or by a generous maxLength. */
function isLongText(key: string, schema: JsonSchema): boolean {
  return ['message', 'body', 'text', 'content'].includes(key) || (schema.maxLength ?? 0) > 1000;
}

function kindOf(key: string, schema: JsonSchema): PayloadFieldKind {
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (schema.enum) return 'choice';
  if (type === 'integer') return 'integer';
  if (type === 'number') return 'number';
  if (type === 'boolean') return 'boolean';
  // A list or an object (rows of a report, a map of options) is typed in as JSON.
  if (type === 'array' || type === 'object') return 'json';
  if (schema.format === 'email') return 'email';
  return isLongText(key, schema) ? 'textarea' : 'text';
}

function labelOf(key: string, schema: JsonSchema): string {
  if (schema.title) return schema.title;
  const words = key.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

export function payloadFields(jobType: JobType): PayloadField[] {
  const { properties = {}, required = [] } = jobType.payload_schema;
  return Object.entries(properties).map(([key, schema]) => {
    const kind = kindOf(key, schema);
    return {
      name: `payload.${key}`,
      label: labelOf(key, schema),
      kind,
      required: required.includes(key),
      choices: (schema.enum ?? []).map(String),
      description: schema.description ?? (kind === 'json' ? 'Typed as JSON' : undefined),
    };
  });
}

/**
 * Drops the keywords that name a JSON Schema dialect or identity: the payload schema is
 * embedded in a larger one, and Ajv refuses a nested `$schema` it was not set up for.
 */
function embeddable(schema: JsonSchema): JsonSchema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

/** Friendlier words than Ajv's "must have required property 'to'", shown under the field. */
function withFriendlyMessages(schema: JsonSchema): JsonSchema {
  const properties = Object.fromEntries(
    Object.entries(schema.properties ?? {}).map(([key, property]) => [
      key,
      // zod writes an email as a format and a pattern: a person should see neither the regex.
      property.format === 'email'
        ? {
            ...property,
            errorMessage: { format: 'Enter an email address', pattern: 'Enter an email address' },
          }
        : property.type === 'array' || property.type === 'object'
          ? { ...property, errorMessage: { type: jsonHint(property.type) } }
          : property,
    ]),
  );
  const required = schema.required ?? [];
  const requiredMessages = Object.fromEntries(
    required.map((key) => [key, 'This field is required']),
  );
  return {
    ...schema,
    properties,
    ...(required.length > 0 ? { errorMessage: { required: requiredMessages } } : {}),
  };
}

/** What a JSON field asks for, in words, when its text is not JSON of the right kind. */
export function jsonHint(type: 'array' | 'object'): string {
  return type === 'array' ? 'Enter a JSON list, in [ ]' : 'Enter a JSON object, in { }';
}

export function submitSchema(jobType: JobType): JsonSchema {
  return {
    type: 'object',
    required: ['job_type', 'payload'],
    properties: {
      job_type: { const: jobType.job_type },
      priority: {
        anyOf: [{ enum: [...PRIORITIES] }, { type: 'integer', minimum: 1, maximum: 10 }],
        errorMessage: 'Choose high, normal, low or a number from 1 to 10',
      },
      payload: withFriendlyMessages(embeddable(jobType.payload_schema)),
      max_attempts: {
        type: 'integer',
        minimum: 1,
        maximum: MAX_ATTEMPTS_LIMIT,
        errorMessage: `Enter a whole number from 1 to ${MAX_ATTEMPTS_LIMIT}`,
      },
      delay_ms: {
        type: 'integer',
        minimum: 0,
        errorMessage: 'Enter a whole number of milliseconds, 0 or more',
      },
      group: {
        type: 'string',
        pattern: '^(?!\\.\\.?$)[\\x21-\\x7e]{1,128}$',
        errorMessage: 'Up to 128 letters, digits or signs, no spaces',
      },
    },
  };
}

// A job type as the registry knows it: a declaration (name, description, payload JSON Schema and
// defaults) that any worker, in any language, can make. A TypeScript type's schema is produced
// from its zod schema. A declaration is checked in full before it is written: a worker whose
// declaration is bad must not start.

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../errors';
import { prioritySchema } from '../priority';
import { backoffSchema, issuesToDetails, safeParseReporting, timeoutMsSchema } from '../schemas';
import type { JobType } from './job-type';
import { compileSchema, SchemaError } from './payload-validator';

export const JOB_TYPE_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,99}$/;
/** A payload schema's JSON text at most: a schema is read on every API process's refresh. */
export const MAX_SCHEMA_BYTES = 64 * 1024;

const defaultsSchema = z.strictObject({
  max_attempts: z.number().int('must be a whole number').min(1).max(100).optional(),
  priority: prioritySchema.optional(),
  timeout_ms: timeoutMsSchema.optional(),
  backoff: backoffSchema.optional(),
});

/** Global limits of a type, over every worker (claim.lua): concurrency, and starts per window. */
export const limitsSchema = z.strictObject({
  max_concurrency: z.number().int('must be a whole number').min(1).max(1_000_000).optional(),
  rate_limit: z
    .strictObject({
      max: z.number().int('must be a whole number').min(1).max(1_000_000),
      per_ms: z
        .number()
        .int('must be a whole number')
        .min(1)
        .max(24 * 3600 * 1000),
    })
    .optional(),
});
export type JobTypeLimits = z.output<typeof limitsSchema>;

export const declarationSchema = z.strictObject({
  job_type: z
    .string()
    .regex(
      JOB_TYPE_NAME_PATTERN,
      'must be 1-100 letters, digits, _ . or -, starting with a letter',
    ),
  description: z.string().max(1000, 'must be at most 1000 characters').default(''),
  payload_schema: z.record(z.string(), z.unknown(), { error: 'must be a JSON Schema object' }),
  defaults: defaultsSchema.default({}),
  limits: limitsSchema.optional(),
});

export type JobTypeDeclaration = z.output<typeof declarationSchema>;
export type JobTypeDefaults = JobTypeDeclaration['defaults'];

/** A declaration as stored: with the version of its content and who made it when. */
export interface RegisteredJobType extends JobTypeDeclaration {
  /** Changes whenever the schema, defaults or description change. */
  version: string;
  declared_at: string;
  declared_by: string;
}

/** Checks a declaration (shape, name, schema size, schema compiles); ValidationError names each problem. */
export function checkDeclaration(
  input: unknown,
  what = 'job type declaration',
): JobTypeDeclaration {
  const parsed = safeParseReporting(declarationSchema, input);
  if (!parsed.success) {
    const details = issuesToDetails(parsed.error.issues);
    const name = (input as { job_type?: unknown } | null)?.job_type;
    const named = typeof name === 'string' && !details.some((d) => d.path === 'job_type');
    throw new ValidationError(
      `invalid ${what}${named ? ` "${name}"` : ''}: ${details[0]!.path} ${details[0]!.message}`,
      details,
    );
  }
  const declaration = parsed.data;
  const fail = (message: string) => {
    throw new ValidationError(
      `invalid ${what} "${declaration.job_type}": payload_schema ${message}`,
      [{ path: 'payload_schema', message }],
    );
  };
  if (JSON.stringify(declaration.payload_schema).length > MAX_SCHEMA_BYTES) {
    fail(`must be at most ${MAX_SCHEMA_BYTES} bytes of JSON`);
  }
  // A payload is always a JSON object: a schema for anything else would refuse every job.
  const rootType = declaration.payload_schema.type;
  if (
    rootType !== undefined &&
    rootType !== 'object' &&
    !(Array.isArray(rootType) && rootType.includes('object'))
  ) {
    fail(`must describe a JSON object ("type": "object"): every payload is one`);
  }
  try {
    compileSchema(declaration.payload_schema);
  } catch (error) {
    if (!(error instanceof SchemaError)) throw error;
    fail(`is not a valid JSON Schema: ${error.message}`);
  }
  return declaration;
}

/** The declaration of a job type written in TypeScript: its zod schema as JSON Schema. */
export function declarationOf(type: JobType): JobTypeDeclaration {
  let payloadSchema: Record<string, unknown>;
  try {
    // What a client sends is the schema's input: a field with a default may be left out.
    payloadSchema = z.toJSONSchema(type.payloadSchema, { io: 'input' }) as Record<string, unknown>;
  } catch (error) {
    throw new ValidationError(
      `invalid job type "${type.name}": its payload schema cannot be written as JSON Schema (${(error as Error).message})`,
      [{ path: 'payload_schema', message: 'cannot be written as JSON Schema' }],
    );
  }
  return checkDeclaration(
    {
      job_type: type.name,
      description: type.description,
      payload_schema: payloadSchema,
      defaults: type.defaults ?? {},
      ...(type.limits ? { limits: type.limits } : {}),
    },
    'job type',
  );
}

export function declarationVersion(declaration: JobTypeDeclaration): string {
  const { description, payload_schema, defaults, limits } = declaration;
  const text = JSON.stringify({ description, payload_schema, defaults, limits });
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

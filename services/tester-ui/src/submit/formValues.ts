// What the form holds and how input strings become the API's values. Empty inputs become
// `undefined` so that "required" catches them and optional fields are left out of the request.
import type { Priority, SubmitJobRequest } from '../api/types';

export interface SubmitFormValues {
  job_type: string;
  priority: string | number;
  payload: Record<string, unknown>;
  max_attempts?: number;
  delay_ms?: number;
  group?: string;
}

export function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() === '' ? undefined : (value as string);
}

/** JSON text as its value; text that is not JSON stays text, for the schema check to name. */
export function optionalJson(value: unknown): unknown {
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

export function optionalNumber(value: unknown): number | undefined {
  if (value === '' || value === null || value === undefined) return undefined;
  return Number(value);
}

/** "high" stays a name; "7" is the integer priority 7. */
export function priorityValue(value: unknown): string | number {
  return typeof value === 'string' && /^\d+$/.test(value)
    ? Number(value)
    : (value as string | number);
}

export function toSubmitRequest(values: SubmitFormValues): SubmitJobRequest {
  const payload = Object.fromEntries(
    Object.entries(values.payload ?? {}).filter(([, v]) => v !== undefined),
  );
  return {
    job_type: values.job_type,
    // The resolver has checked it is a priority name or 1..10 by now.
    priority: values.priority as Priority,
    payload,
    ...(values.max_attempts !== undefined && { max_attempts: values.max_attempts }),
    ...(values.delay_ms !== undefined && { delay_ms: values.delay_ms }),
    ...(values.group !== undefined && { group: values.group }),
  };
}

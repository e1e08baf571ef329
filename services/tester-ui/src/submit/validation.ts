// The resolver that checks the form against the job type's schema before anything is sent.
import { ajvResolver } from '@hookform/resolvers/ajv';
import Ajv from 'ajv';
import ajvErrors from 'ajv-errors';
import addFormats from 'ajv-formats';
import type { Resolver } from 'react-hook-form';
import type { JobType } from '../api/types';
import { submitSchema } from './formSchema';
import type { SubmitFormValues } from './formValues';

function compiles(schema: object): boolean {
  const ajv = new Ajv({ allErrors: true });
  ajvErrors(ajv);
  addFormats(ajv);
  try {
    ajv.compile(schema);
    return true;
  } catch {
    return false;
  }
}

/**
 * A schema this browser cannot compile (an unknown keyword or dialect) must not block
 * submitting: the page then checks only its own fields and leaves the payload to the API,
 * which validates every request anyway and names the field that is wrong.
 */
export function submitResolver(jobType: JobType): Resolver<SubmitFormValues> {
  const schema = submitSchema(jobType);
  const usable = compiles(schema)
    ? schema
    : submitSchema({ ...jobType, payload_schema: { type: 'object' } });
  return ajvResolver(usable as never) as unknown as Resolver<SubmitFormValues>;
}

// "Submit a New Job": a form built from GET /job-types, checked before sending; the API's
// own field errors are shown next to the field they name.
import { useMemo, useState } from 'react';
import { get, useForm, type FieldError } from 'react-hook-form';
import { ApiError } from '../api/errors';
import { useJobTypes, useSubmitJob } from '../api/queries';
import type { JobType } from '../api/types';
import { Field } from '../components/Field';
import { PRIORITIES, payloadFields } from './formSchema';
import {
  optionalNumber,
  optionalText,
  priorityValue,
  toSubmitRequest,
  type SubmitFormValues,
} from './formValues';
import { PayloadFields } from './PayloadFields';
import { submitResolver } from './validation';

const NUMERIC_PRIORITIES = Array.from({ length: 10 }, (_, i) => String(10 - i));
const FIXED_FIELDS = ['job_type', 'priority', 'max_attempts', 'delay_ms', 'group'];
const FIRST_CHOICE = 'send_email';

interface Props {
  onSubmitted: (jobId: string) => void;
}

export function SubmitJobForm({ onSubmitted }: Props) {
  const jobTypes = useJobTypes();
  return (
    <section className="panel" aria-labelledby="submit-heading">
      <h2 id="submit-heading">Submit a New Job</h2>
      {jobTypes.isPending && <p>Loading job types…</p>}
      {jobTypes.isError && (
        <p className="muted">Job types could not be loaded: {jobTypes.error.message}</p>
      )}
      {jobTypes.data?.length === 0 && <p>The API has no job types registered.</p>}
      {jobTypes.data && jobTypes.data.length > 0 && (
        <JobForm jobTypes={jobTypes.data} onSubmitted={onSubmitted} />
      )}
    </section>
  );
}

function JobForm({
  jobTypes,
  onSubmitted,
}: {
  jobTypes: JobType[];
  onSubmitted: (jobId: string) => void;
}) {
  // The product's own example type first, as the README walks through it; else the first listed.
  const [selectedType, setSelectedType] = useState(
    jobTypes.some((t) => t.job_type === FIRST_CHOICE) ? FIRST_CHOICE : jobTypes[0]!.job_type,
  );
  const jobType = jobTypes.find((t) => t.job_type === selectedType) ?? jobTypes[0]!;
  const resolver = useMemo(() => submitResolver(jobType), [jobType]);
  const fields = useMemo(() => payloadFields(jobType), [jobType]);
  const fieldNames = useMemo(
    () => new Set([...FIXED_FIELDS, ...fields.map((f) => f.name)]),
    [fields],
  );

  const {
    register,
    handleSubmit,
    setError,
    formState: { errors },
  } = useForm<SubmitFormValues>({
    resolver,
    defaultValues: { job_type: jobType.job_type, priority: 'normal', payload: {} },
    // Payload fields of a type no longer selected must not be sent with another type.
    shouldUnregister: true,
  });
  const submitJob = useSubmitJob();
  const [submittedId, setSubmittedId] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);

  const onSubmit = handleSubmit(async (values) => {
    setSubmittedId(null);
    setFormError(null);
    try {
      const { job_id } = await submitJob.mutateAsync(toSubmitRequest(values));
      setSubmittedId(job_id);
      onSubmitted(job_id);
    } catch (error) {
      const details = error instanceof ApiError ? error.details : [];
      const unplaced = details.filter((detail) => !fieldNames.has(detail.path));
      for (const detail of details) {
        if (fieldNames.has(detail.path)) {
          setError(detail.path as keyof SubmitFormValues, {
            type: 'server',
            message: detail.message,
          });
        }
      }
      const extra = unplaced.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message));
      setFormError([(error as Error).message, ...extra].join(' — '));
    }
  });

  const errorOf = (name: string) => (get(errors, name) as FieldError | undefined)?.message;

  return (
    <form
      onSubmit={onSubmit}
      noValidate
      aria-describedby={formError ? 'submit-form-error' : undefined}
    >
      <div className="form-grid">
        <Field
          id="submit-job_type"
          label="Job type"
          error={errorOf('job_type')}
          hint={typeHint(jobType)}
        >
          {(a11y) => (
            <select
              {...a11y}
              {...register('job_type', {
                onChange: (event) => setSelectedType(event.target.value),
              })}
            >
              {jobTypes.map((t) => (
                <option key={t.job_type}>{t.job_type}</option>
              ))}
            </select>
          )}
        </Field>
        <Field
          id="submit-priority"
          label="Priority"
          error={errorOf('priority')}
          hint="10 is the most urgent"
        >
          {(a11y) => (
            <select {...a11y} {...register('priority', { setValueAs: priorityValue })}>
              {PRIORITIES.map((p) => (
                <option key={p}>{p}</option>
              ))}
              {NUMERIC_PRIORITIES.map((p) => (
                <option key={p}>{p}</option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <PayloadFields fields={fields} register={register} errors={errors} />
      <div className="form-grid">
        <Field
          id="submit-max_attempts"
          label="Max attempts"
          error={errorOf('max_attempts')}
          hint="Empty: server default"
        >
          {(a11y) => (
            <input
              type="number"
              min={1}
              step={1}
              {...a11y}
              {...register('max_attempts', { setValueAs: optionalNumber })}
            />
          )}
        </Field>
        <Field
          id="submit-delay_ms"
          label="Delay (ms)"
          error={errorOf('delay_ms')}
          hint="Optional: run later"
        >
          {(a11y) => (
            <input
              type="number"
              min={0}
              step={1}
              {...a11y}
              {...register('delay_ms', { setValueAs: optionalNumber })}
            />
          )}
        </Field>
        <Field
          id="submit-group"
          label="Group"
          error={errorOf('group')}
          hint="Optional: groups take turns (a customer, a tenant)"
        >
          {(a11y) => (
            <input type="text" {...a11y} {...register('group', { setValueAs: optionalText })} />
          )}
        </Field>
      </div>
      <button type="submit" className="primary" disabled={submitJob.isPending}>
        {submitJob.isPending ? 'Submitting…' : 'Submit Job'}
      </button>
      <div aria-live="polite">
        {submittedId && (
          <p className="notice success">
            Job submitted successfully! Job ID: <code>{submittedId}</code>
          </p>
        )}
      </div>
      {formError && (
        <p id="submit-form-error" role="alert" className="notice error">
          {formError}
        </p>
      )}
    </form>
  );
}

/** What the type does and who runs it: a type no worker runs now is still accepted, and waits. */
function typeHint(type: JobType): string | undefined {
  const workers =
    type.workers === undefined
      ? undefined
      : type.workers === 0
        ? 'no worker runs it now: its jobs wait in line'
        : `${type.workers} worker${type.workers === 1 ? '' : 's'} run it`;
  return [type.description, workers].filter(Boolean).join(' · ') || undefined;
}

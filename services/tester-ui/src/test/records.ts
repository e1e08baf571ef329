// Job records and job types shaped exactly as the API returns them (docs/api.md).
import type { JobRecord, JobType } from '../api/types';

export const SEND_EMAIL: JobType = {
  job_type: 'send_email',
  payload_schema: {
    // The API publishes draft 2020-12 schemas; the form must cope with that.
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      // As zod writes an email: a format and the pattern it checks with.
      to: {
        type: 'string',
        format: 'email',
        pattern:
          "^(?:[A-Za-z0-9_'+\\-]+\\.)*[A-Za-z0-9_'+\\-]*[A-Za-z0-9_+-]@(?:[A-Za-z0-9][A-Za-z0-9\\-]*\\.)+[A-Za-z]{2,}$",
      },
      subject: { type: 'string', minLength: 1, maxLength: 998 },
      message: { type: 'string', maxLength: 100000 },
    },
    required: ['to', 'subject', 'message'],
    additionalProperties: false,
  },
};

export const JOB_ID = '0190f3c2-1111-7000-8000-000000000001';

export function jobRecord(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    job_id: JOB_ID,
    job_type: 'send_email',
    priority: 'high',
    payload: { to: 'user@example.com', subject: 'Test', message: 'Hello!' },
    status: 'completed',
    attempts: 1,
    max_attempts: 3,
    created_at: '2025-05-31T22:46:00.123456Z',
    picked_at: '2025-05-31T22:46:01.123456Z',
    completed_at: '2025-05-31T22:46:03.123456Z',
    failed_at: null,
    cancelled_at: null,
    next_attempt_at: null,
    last_error: null,
    result: { message_id: 'mock-1' },
    idempotency_key: null,
    group: null,
    progress: null,
    logs: [],
    errors: [],
    timeout_ms: null,
    backoff: null,
    ...overrides,
  };
}

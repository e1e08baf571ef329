// GET /openapi.json: OpenAPI 3.1 for the whole HTTP API. Request bodies and parameters are the
// zod schemas the routes validate with, written as JSON Schema (2020-12, what OpenAPI 3.1 uses);
// a submission's payload is described per job type from the registry, as the API checks it.

import { z } from 'zod';
import {
  claimRequestSchema,
  completeRequestSchema,
  declarationSchema,
  failRequestSchema,
  heartbeatRequestSchema,
  JOB_STATUSES,
  groupSettingsSchema,
  listGroupsSchema,
  listJobsSchema,
  scheduleSchema,
  submitJobSchema,
  type JobTypeListing,
} from '@jobqueue/shared';

type Schema = Record<string, unknown>;

/** A zod schema as JSON Schema for a request: what a client may send. */
function requestSchema(schema: z.ZodType): Schema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Schema;
  return rest;
}

/** A payload schema as registered, fit to embed: no dialect or identity of its own. */
function embeddable(schema: Schema): Schema {
  const { $schema: _dialect, $id: _id, ...rest } = schema;
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ 'application/json': { schema } });
const body = (schema: Schema) => ({ required: true, content: json(schema) });
const reply = (description: string, schema?: Schema) =>
  schema ? { description, content: json(schema) } : { description };
const error = (description: string) => reply(description, ref('Error'));
const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
};

const nullable = (type: string) => ({ type: [type, 'null'] });

const jobRecord: Schema = {
  type: 'object',
  required: ['job_id', 'job_type', 'priority', 'payload', 'status', 'attempts', 'max_attempts'],
  properties: {
    job_id: { type: 'string', format: 'uuid' },
    job_type: { type: 'string' },
    priority: { oneOf: [{ enum: ['high', 'normal', 'low'] }, { type: 'integer' }] },
    payload: {},
    status: { enum: [...JOB_STATUSES] },
    attempts: { type: 'integer' },
    max_attempts: { type: 'integer' },
    created_at: nullable('string'),
    picked_at: nullable('string'),
    completed_at: nullable('string'),
    failed_at: nullable('string'),
    cancelled_at: nullable('string'),
    next_attempt_at: nullable('string'),
    last_error: nullable('string'),
    result: {},
    idempotency_key: nullable('string'),
    group: nullable('string'),
    progress: {},
    logs: { type: 'array', items: { type: 'string' } },
  },
};

const errorBody: Schema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string' },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            required: ['path', 'message'],
            properties: { path: { type: 'string' }, message: { type: 'string' } },
          },
        },
      },
    },
  },
};

const handedOutJob: Schema = {
  type: 'object',
  required: ['job_id', 'lease_token', 'job_type', 'payload', 'attempt', 'max_attempts'],
  properties: {
    job_id: { type: 'string', format: 'uuid' },
    lease_token: { type: 'string' },
    job_type: { type: 'string' },
    payload: {},
    attempt: { type: 'integer' },
    max_attempts: { type: 'integer' },
    lease_expires_at: { type: 'string', format: 'date-time' },
    timeout_ms: { type: ['integer', 'null'] },
  },
};

/** The submit body: the envelope, with the payload of each job type the API accepts. */
function submitRequest(jobTypes: JobTypeListing[]): Schema {
  if (jobTypes.length === 0) return ref('SubmitJob');
  return {
    oneOf: jobTypes.map((type) => ({
      allOf: [
        ref('SubmitJob'),
        {
          properties: {
            job_type: { const: type.job_type },
            payload: ref(`Payload.${type.job_type}`),
          },
        },
      ],
    })),
  };
}

export function openApiDocument(jobTypes: JobTypeListing[]): Schema {
  const declaration = requestSchema(declarationSchema.omit({ job_type: true }));
  const lease = (what: string, schema: z.ZodType, ok: Schema) => ({
    post: {
      summary: what,
      tags: ['workers over HTTP'],
      parameters: [idParameter],
      requestBody: body(requestSchema(schema)),
      responses: {
        200: reply('done', ok),
        400: error('malformed request'),
        404: error('no such job'),
        409: error('the lease is not that token’s any more'),
      },
    },
  });
  const pausedState = {
    type: 'object',
    properties: {
      queue: { type: 'boolean' },
      job_types: { type: 'array', items: { type: 'string' } },
    },
  };
  const pauseChange = {
    type: 'object',
    properties: {
      ...pausedState.properties,
      changed: {
        type: 'boolean',
        description: 'false when what it names was paused already (pause), or not paused (resume)',
      },
    },
  };
  const pauseRoute = (summary: string, byType: boolean) => ({
    post: {
      summary,
      tags: ['operations'],
      ...(byType
        ? { parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }] }
        : {}),
      responses: {
        200: reply('what is paused now, and whether this call changed it', pauseChange),
        400: error('a body or query field: this route takes none, named'),
        ...(byType ? { 404: error('no such job type') } : {}),
      },
    },
  });
  const outcome = {
    type: 'object',
    properties: { job_id: { type: 'string' }, status: { type: 'string' } },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'jobqueue API',
      version: '1',
      description:
        'Submit jobs, follow them, and run them from workers in any language. Every route but /health and /ready needs `Authorization: Bearer <API_TOKEN>` when the API has a token.',
    },
    components: {
      securitySchemes: { token: { type: 'http', scheme: 'bearer' } },
      schemas: {
        SubmitJob: requestSchema(submitJobSchema),
        Job: jobRecord,
        Error: errorBody,
        HandedOutJob: handedOutJob,
        ...Object.fromEntries(
          jobTypes.map((type) => [`Payload.${type.job_type}`, embeddable(type.payload_schema)]),
        ),
      },
    },
    security: [{ token: [] }, {}],
    paths: {
      '/submit-job': {
        post: {
          summary: 'Submit a job',
          tags: ['jobs'],
          requestBody: body(submitRequest(jobTypes)),
          responses: {
            202: reply('accepted', {
              type: 'object',
              properties: { job_id: { type: 'string' }, status: { type: 'string' } },
            }),
            200: reply('an idempotency key matched an earlier job'),
            400: error('invalid job, every problem named'),
            429: error('over SUBMIT_RATE_LIMIT'),
            503: error('Redis unavailable'),
          },
        },
      },
      '/jobs/bulk': {
        post: {
          summary: 'Submit up to 1000 jobs, all or nothing',
          tags: ['jobs'],
          requestBody: body({
            type: 'object',
            required: ['jobs'],
            properties: { jobs: { type: 'array', maxItems: 1000, items: submitRequest(jobTypes) } },
          }),
          responses: {
            202: reply('accepted', {
              type: 'object',
              properties: { job_ids: { type: 'array', items: { type: 'string' } } },
            }),
            400: error('invalid jobs, every problem named'),
          },
        },
      },
      '/jobs/status/{id}': {
        get: {
          summary: 'A job’s record',
          tags: ['jobs'],
          parameters: [idParameter],
          responses: { 200: reply('the record', ref('Job')), 404: error('no such job') },
        },
      },
      '/jobs/status': {
        get: {
          summary: 'A job’s record needs its id: GET /jobs/status/{id}',
          tags: ['jobs'],
          responses: { 404: error('no job id given, with the path to use') },
        },
      },
      '/jobs': {
        get: {
          summary: 'List jobs, newest first',
          tags: ['jobs'],
          parameters: Object.entries(
            (requestSchema(listJobsSchema).properties ?? {}) as Record<string, Schema>,
          ).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
          responses: {
            200: reply('one page', {
              type: 'object',
              properties: {
                jobs: { type: 'array', items: ref('Job') },
                next_cursor: nullable('string'),
              },
            }),
            400: error('a bad or unknown query parameter, named'),
          },
        },
      },
      '/jobs/{id}': {
        delete: {
          summary: 'Cancel a queued or scheduled job',
          tags: ['jobs'],
          parameters: [idParameter],
          responses: {
            200: reply('cancelled', ref('Job')),
            404: error('no such job'),
            409: error('running or finished'),
          },
        },
      },
      '/jobs/{id}/retry': {
        post: {
          summary: 'Put a failed or cancelled job back in line',
          tags: ['jobs'],
          parameters: [idParameter],
          responses: {
            200: reply('queued again', ref('Job')),
            404: error('no such job'),
            409: error('not failed or cancelled'),
          },
        },
      },
      '/groups': {
        get: {
          summary:
            'Groups with jobs submitted lately, most recent first: queued, running, completed, oldest wait',
          tags: ['groups'],
          parameters: Object.entries(
            (requestSchema(listGroupsSchema).properties ?? {}) as Record<string, Schema>,
          ).map(([name, schema]) => ({ name, in: 'query', required: false, schema })),
          responses: {
            200: reply('one page of groups'),
            400: error('a bad or unknown query parameter, named'),
          },
        },
      },
      '/groups/{name}': {
        put: {
          summary: 'A group’s weight (turns it takes for one of another’s) and max_concurrency',
          tags: ['groups'],
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: body(requestSchema(groupSettingsSchema)),
          responses: { 200: reply('the settings in force'), 400: error('bad settings, named') },
        },
      },
      '/job-types': {
        get: {
          summary: 'Every job type a submission may use, with its live workers',
          tags: ['job types'],
          responses: { 200: reply('the job types') },
        },
      },
      '/job-types/{name}': {
        patch: {
          summary:
            'Change a type’s global limits at run time (null removes one; reset: true goes back to the declaration)',
          tags: ['operations'],
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: body({
            type: 'object',
            additionalProperties: false,
            properties: {
              max_concurrency: { type: ['integer', 'null'], minimum: 1 },
              rate_limit: {
                oneOf: [
                  {
                    type: 'object',
                    required: ['max', 'per_ms'],
                    properties: { max: { type: 'integer' }, per_ms: { type: 'integer' } },
                  },
                  { type: 'null' },
                ],
              },
              reset: { const: true },
            },
          }),
          responses: { 200: reply('the limits in force'), 404: error('no such job type') },
        },
        put: {
          summary: 'Declare a job type (for a worker that is not a Node process)',
          tags: ['workers over HTTP'],
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          requestBody: body(declaration),
          responses: {
            200: reply('declared'),
            400: error('bad declaration, the problem named'),
            409: error('a name the product uses'),
          },
        },
      },
      '/workers/claim': {
        post: {
          summary: 'Claim jobs, waiting up to wait_ms for the first',
          tags: ['workers over HTTP'],
          requestBody: body(requestSchema(claimRequestSchema)),
          responses: {
            200: reply('the jobs handed out (none when none came)', {
              type: 'object',
              properties: { jobs: { type: 'array', items: ref('HandedOutJob') } },
            }),
            400: error('malformed claim, or a type not declared'),
          },
        },
      },
      '/jobs/{id}/heartbeat': lease('Renew a lease', heartbeatRequestSchema, {
        type: 'object',
        properties: { lease_expires_at: { type: 'string', format: 'date-time' } },
      }),
      '/jobs/{id}/complete': lease('Complete a job', completeRequestSchema, outcome),
      '/jobs/{id}/fail': lease(
        'Fail an attempt (retry: false fails the job)',
        failRequestSchema,
        outcome,
      ),
      '/queue/pause': pauseRoute('Pause the whole queue: running jobs finish, none start', false),
      '/queue/resume': pauseRoute('Resume the queue', false),
      '/job-types/{name}/pause': pauseRoute('Pause one job type; the others keep flowing', true),
      '/job-types/{name}/resume': pauseRoute('Resume one job type', true),
      '/schedules': {
        post: {
          summary: 'Create or replace a cron schedule (seconds field optional)',
          tags: ['operations'],
          requestBody: body(requestSchema(scheduleSchema)),
          responses: {
            201: reply('the schedule with its next run'),
            400: error('a bad cron expression, time zone or job, named'),
          },
        },
        get: {
          summary: 'Every schedule with its next run',
          tags: ['operations'],
          responses: { 200: reply('the schedules') },
        },
      },
      '/schedules/{name}': {
        delete: {
          summary: 'Delete a schedule',
          tags: ['operations'],
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 204: reply('deleted'), 404: error('no such schedule') },
        },
      },
      '/stats': {
        get: {
          summary: 'Counts, totals, live workers',
          tags: ['queue'],
          responses: { 200: reply('the stats') },
        },
      },
      '/events': {
        get: {
          summary: 'Server-Sent Events of every transition (Last-Event-ID resumes)',
          tags: ['queue'],
          parameters: [
            { name: 'job_id', in: 'query', required: false, schema: { type: 'string' } },
            { name: 'last_event_id', in: 'query', required: false, schema: { type: 'string' } },
          ],
          responses: {
            200: { description: 'an event stream', content: { 'text/event-stream': {} } },
            400: error('a bad or unknown query parameter, or Last-Event-ID, named'),
          },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          tags: ['queue'],
          responses: { 200: { description: 'Prometheus text', content: { 'text/plain': {} } } },
        },
      },
      '/health': {
        get: {
          summary: 'The process is up',
          tags: ['queue'],
          security: [],
          responses: { 200: reply('ok') },
        },
      },
      '/ready': {
        get: {
          summary: 'Redis answers',
          tags: ['queue'],
          security: [],
          responses: { 200: reply('ready'), 503: error('Redis unavailable') },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This description',
          tags: ['queue'],
          responses: { 200: reply('OpenAPI 3.1') },
        },
      },
    },
  };
}

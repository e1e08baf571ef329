// The `http` job: sends one request to a service of the user's, signed so the service can tell it
// came from the queue (http-signature.ts). A 2xx completes the job; a network error, a timeout,
// 408, 429 (after its Retry-After) or 5xx fails the attempt, which is retried; any other answer
// fails the job at once, since sending the same request again cannot help. Requests go only to
// the origins in HTTP_JOB_ALLOWED_ORIGINS: a submission naming another is refused, and so is a
// redirect to another origin. With no origins set, `http` is switched off (refusedHttpJob).

import { z } from 'zod';
import { RetryLaterError, UnrecoverableError } from '../job-errors';
import { signatureHeader, SIGNATURE_HEADER } from '../http-signature';
import { issuesToDetails, safeParseReporting } from '../schemas';
import { defineJobType } from './define';
import type { JobType } from './job-type';

export const DEFAULT_HTTP_TIMEOUT_MS = 30_000;
/** Bytes of the answer's body kept in the job's result. */
export const HTTP_RESULT_BODY_BYTES = 4096;
const MAX_REDIRECTS = 5;
/** Headers the job sets itself: a payload may not set them. */
const RESERVED_HEADERS =
  /^(x-jobqueue-|host$|content-length$|transfer-encoding$|connection$|keep-alive$|upgrade$|expect$|te$|trailer$|proxy-)/i;
/** An HTTP header name (a token, RFC 9110) and a value without control characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** The longest Retry-After honoured: a target asking for more is retried after this. */
const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;

export interface HttpTargetOptions {
  /** Origins (`http://billing:8080`) requests may go to; empty: `http` jobs are switched off. */
  allowedOrigins: string[];
  /** The HMAC key of X-Jobqueue-Signature; unset: requests go unsigned. */
  signingSecret?: string;
}

export const httpPayload = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  headers: z
    .record(
      z
        .string()
        .regex(HEADER_NAME, 'must be an HTTP header name')
        .refine((name) => !RESERVED_HEADERS.test(name), 'is set by the queue itself'),
      z
        .string()
        .max(8192)
        .regex(HEADER_VALUE, 'must hold no line breaks or other control characters'),
    )
    .optional(),
  /** Sent as is when a string, else as JSON (Content-Type application/json unless set). */
  body: z.unknown().optional(),
  timeout_ms: z
    .number()
    .int('must be a whole number')
    .min(1)
    .max(15 * 60 * 1000)
    .optional(),
});
export type HttpPayload = z.infer<typeof httpPayload>;

export interface HttpResult {
  status: number;
  /** The first 4 KiB of the answer's body, as text. */
  body: string;
}

export const HTTP_REFUSAL =
  '"http" is turned off here: set HTTP_JOB_ALLOWED_ORIGINS to the origins http jobs may call ' +
  '(e.g. http://billing:8080)';

export function httpJob(options: HttpTargetOptions): JobType<HttpPayload> {
  const type = defineJobType({
    name: 'http',
    description:
      'Sends a signed HTTP request; 2xx completes, 408/429/5xx and network errors retry, other answers fail.',
    payload: httpPayload,
    run: (payload, ctx) => send(payload, options, ctx.jobId, ctx.attempt, ctx.signal),
  });
  return {
    ...type,
    // What JSON Schema cannot say: the worker's own check (so the API accepts only what a
    // worker will send), no credentials in the URL, and the origins allowed here.
    submissionProblems: (payload) => {
      const parsed = safeParseReporting(httpPayload, payload);
      if (!parsed.success) {
        return parsed.error.issues.flatMap((issue) =>
          issue.code === 'invalid_key'
            ? // A header name's own problem, not zod's "Invalid key in record".
              [{ path: issue.path.map(String).join('.'), message: issue.issues[0]!.message }]
            : issuesToDetails([issue]),
        );
      }
      const url = new URL(parsed.data.url);
      if (url.username || url.password)
        return [{ path: 'url', message: 'must not hold a user name or password' }];
      if (!allowed(parsed.data.url, options))
        return [{ path: 'url', message: outsideMessage(parsed.data.url, options) }];
      return [];
    },
  };
}

/** What the registry holds while no origin is allowed: known, so the refusal can say why. */
export function refusedHttpJob(): JobType<HttpPayload> {
  return {
    ...httpJob({ allowedOrigins: [] }),
    refusedBecause: HTTP_REFUSAL,
    async run() {
      throw new UnrecoverableError(HTTP_REFUSAL);
    },
  };
}

function allowed(url: string, options: HttpTargetOptions): boolean {
  try {
    return options.allowedOrigins.includes(new URL(url).origin);
  } catch {
    return false;
  }
}

function outsideMessage(url: string, options: HttpTargetOptions): string {
  let origin = url;
  try {
    origin = new URL(url).origin;
  } catch {
    // named as given
  }
  return `goes to ${origin}, which is not in HTTP_JOB_ALLOWED_ORIGINS (${options.allowedOrigins.join(', ')})`;
}

async function send(
  payload: HttpPayload,
  options: HttpTargetOptions,
  jobId: string,
  attempt: number,
  signal: AbortSignal,
): Promise<HttpResult> {
  // Checked again here: the worker's own list is what it answers for.
  if (!allowed(payload.url, options)) {
    throw new UnrecoverableError(`url ${outsideMessage(payload.url, options)}`);
  }
  const timeoutMs = payload.timeout_ms ?? DEFAULT_HTTP_TIMEOUT_MS;
  const body =
    payload.body === undefined
      ? ''
      : typeof payload.body === 'string'
        ? payload.body
        : JSON.stringify(payload.body);
  const headers = new Headers(payload.headers);
  if (
    payload.body !== undefined &&
    typeof payload.body !== 'string' &&
    !headers.has('content-type')
  )
    headers.set('content-type', 'application/json');
  headers.set('x-jobqueue-job-id', jobId);
  headers.set('x-jobqueue-attempt', String(attempt));
  if (options.signingSecret)
    headers.set(
      SIGNATURE_HEADER,
      signatureHeader(options.signingSecret, body, Math.floor(Date.now() / 1000)),
    );

  const deadline = AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);
  let url = payload.url;
  let method: string = payload.method;
  let sendBody = true;
  for (let redirects = 0; ; redirects++) {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: method === 'GET' || !sendBody || body === '' ? undefined : body,
        redirect: 'manual',
        signal: deadline,
      });
    } catch (error) {
      if (signal.aborted) throw error;
      if (deadline.aborted)
        throw new Error(`${payload.method} ${url} timed out after ${timeoutMs} ms`);
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(
        `${payload.method} ${url} failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
      );
    }
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new UnrecoverableError(
          `${payload.method} ${url} answered ${response.status} with a Location that is not a URL`,
        );
      }
      if (next.origin !== new URL(url).origin || redirects >= MAX_REDIRECTS) {
        throw new UnrecoverableError(
          `${payload.method} ${url} answered ${response.status}, a redirect to ${next.href}: not followed (${redirects >= MAX_REDIRECTS ? 'too many redirects' : 'another origin'})`,
        );
      }
      url = next.href;
      // See Other: the next request is a GET without the body (RFC 9110).
      if (response.status === 303) {
        method = 'GET';
        sendBody = false;
      }
      continue;
    }
    const text = await readHead(response, HTTP_RESULT_BODY_BYTES);
    const said = `${payload.method} ${url} answered ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}`;
    if (response.ok) return { status: response.status, body: text };
    if (response.status === 429) {
      const retryAfterMs = retryAfter(response.headers.get('retry-after'));
      if (retryAfterMs !== undefined) throw new RetryLaterError(said, retryAfterMs);
      throw new Error(said);
    }
    if (response.status === 408 || response.status >= 500) throw new Error(said);
    throw new UnrecoverableError(said);
  }
}

/** Retry-After as seconds or an HTTP date, in ms from now. */
function retryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  const ms = /^\d+$/.test(value.trim())
    ? Number(value.trim()) * 1000
    : Date.parse(value) - Date.now();
  return Number.isNaN(ms) ? undefined : Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms));
}

/** The first `limit` bytes of the body as text; the rest is not read. */
async function readHead(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (size < limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel().catch(() => undefined);
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}

// The two ways a call can go wrong that the page treats differently: the API answered
// with an error body, or nothing answered at all (the page then says the API is unreachable).
import type { ErrorDetail } from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export class ApiUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ApiUnreachableError';
  }
}

/** Codes the UI server answers with when it cannot forward a request (server/proxy.ts). */
const UNREACHABLE_CODES = new Set(['api_unreachable']);

interface ErrorBody {
  error?: { code?: string; message?: string; details?: ErrorDetail[] };
}

export async function errorFromResponse(response: Response): Promise<Error> {
  const body = (await response.json().catch(() => ({}))) as ErrorBody;
  const code = body.error?.code ?? `http_${response.status}`;
  const message = body.error?.message ?? `${response.status} ${response.statusText}`.trim();
  if (UNREACHABLE_CODES.has(code)) return new ApiUnreachableError(message);
  // A gateway status without our body came from something in between, not from the API.
  if (!body.error && [502, 504].includes(response.status)) return new ApiUnreachableError(message);
  return new ApiError(response.status, code, message, body.error?.details ?? []);
}

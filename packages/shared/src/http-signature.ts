// The signature on every request an `http` job sends, so its target can tell the queue's requests
// from anyone else's: `X-Jobqueue-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
// "<t>.<raw body>">`, keyed with HTTP_JOB_SIGNING_SECRET. The time in the signed text lets a
// target refuse an old request replayed.

import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Jobqueue-Signature';
/** How old a signature verifySignature accepts by default. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

export interface VerifyOptions {
  secret: string;
  /** The X-Jobqueue-Signature header as received (Node's req.headers value will do). */
  header: string | string[] | null | undefined;
  /** The request body exactly as received (before any JSON parsing). */
  body: string | Buffer;
  toleranceSeconds?: number;
  /** Now, in unix seconds (for tests). */
  now?: number;
}

/** Whether a request carries a valid, recent signature of its body. */
export function verifySignature(options: VerifyOptions): boolean {
  const header = Array.isArray(options.header) ? options.header[0] : options.header;
  const fields = new Map(
    (header ?? '').split(',').map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as const;
    }),
  );
  const t = Number(fields.get('t'));
  const given = fields.get('v1') ?? '';
  if (!Number.isInteger(t) || !/^[0-9a-f]{64}$/.test(given)) return false;
  const now = options.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - t) > (options.toleranceSeconds ?? SIGNATURE_TOLERANCE_SECONDS)) return false;
  const expected = createHmac('sha256', options.secret)
    .update(`${t}.`)
    .update(options.body)
    .digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

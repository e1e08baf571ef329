// Generated malformed and hostile requests for the api: random bytes, broken and deeply nested
// JSON, huge strings, wrong types, awkward unicode, prototype-pollution keys, path tricks in ids,
// junk queries, odd methods and content types, with a few valid submissions mixed in. Seeded, so
// a run can be repeated exactly.

export interface HostileRequest {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: Buffer | string;
}

const JSON_TYPE = { 'content-type': 'application/json' };
const WEIRD_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\udfff\ud800',
  '\u202eevil\u202c',
  '\u200b\u200d\ufeff',
  'é',
  'e\u0301',
  'İı',
  '😀👩‍👩‍👧‍👦',
  '𝕳𝖊𝖑𝖑𝖔',
  '\\',
  '"',
  '\n\r\t',
  '%00',
  '${jndi:ldap://x}',
  '<script>alert(1)</script>',
  "'; DROP TABLE jobs; --",
  'jq:{jobs}:totals',
  '}:queued',
  '*',
  '../../etc/passwd',
];
const WRONG_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  1e308,
  -1e308,
  2 ** 53 + 1,
  '',
  'x',
  '9'.repeat(400),
  [],
  [1, 2],
  {},
  { nested: { deeper: [] } },
];
const PATH_TRICKS = [
  '..',
  '../..',
  '../../../../etc/passwd',
  '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '..%252f..%252f',
  '%00',
  'abc%00def',
  '%ff%fe',
  '*',
  '?',
  '%3f',
  '#',
  ';',
  'jq:{jobs}:totals',
  '%7Bjobs%7D',
  '__proto__',
  'constructor',
  'prototype',
  '0190f3c2-0000-7000-8000-000000000000',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '%F0%9F%98%80',
  '%E2%80%AE',
  'a'.repeat(300),
  'a'.repeat(8000),
  '.%2e/.%2e/',
  '\\..\\..\\',
  '%5c..%5c',
  '//',
  '%20',
];

export class HostileGenerator {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): HostileRequest {
    const kinds: (() => HostileRequest)[] = [
      () => this.randomBytes(),
      () => this.brokenJson(),
      () => this.deepNesting(),
      () => this.hugeStrings(),
      () => this.wrongTypes(),
      () => this.unicode(),
      () => this.prototypeKeys(),
      () => this.pathTrick(),
      () => this.junkQuery(),
      () => this.outOfRangeId(),
      () => this.oddMethodOrType(),
      () => this.valid(),
    ];
    return this.pick(kinds)();
  }

  private randomBytes(): HostileRequest {
    const bytes = Buffer.alloc(this.int(0, 4000));
    for (let i = 0; i < bytes.length; i++) bytes[i] = this.int(0, 255);
    return this.post('random bytes', this.pick(['/submit-job', '/jobs/bulk']), bytes);
  }

  private brokenJson(): HostileRequest {
    const text = JSON.stringify(validBody(this.int(0, 1e6)));
    const cut = this.int(0, text.length);
    const variants = [
      text.slice(0, cut),
      text.slice(0, cut) +
        this.pick(['}', ']', ',', ':', '"', '\\', 'undefined', 'NaN']) +
        text.slice(cut),
      text.replace(/"/g, "'"),
      `${text}${text}`,
      `[${text}]`,
      'null',
      '"just a string"',
      '12345',
      'true',
      '',
      '{"job_type":"send_email",}',
      '{"a":1,"a":2,"a":3}',
    ];
    return this.post('broken JSON', this.pick(['/submit-job', '/jobs/bulk']), this.pick(variants));
  }

  private deepNesting(): HostileRequest {
    const depth = this.pick([64, 500, 5_000, 20_000, 32_000]);
    const open = this.pick(['[', '{"a":']);
    const close = open === '[' ? ']' : '}';
    const nested = open.repeat(depth) + (open === '[' ? '' : '1') + close.repeat(depth);
    const body = this.pick([
      nested,
      `{"job_type":"send_email","payload":${nested}}`,
      `{"jobs":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    ]);
    return this.post('deep nesting', this.pick(['/submit-job', '/jobs/bulk']), body);
  }

  private hugeStrings(): HostileRequest {
    const size = this.pick([10_000, 60_000, 70_000, 1_000_000, 3_000_000]);
    const big = 'x'.repeat(size);
    const variant = this.int(0, 3);
    if (variant === 0)
      return this.post(
        'huge string',
        '/submit-job',
        JSON.stringify(validBody(1, { subject: big })),
      );
    if (variant === 1)
      return this.post(
        'huge string',
        '/submit-job',
        JSON.stringify({ ...(validBody(1) as object), job_type: big }),
      );
    if (variant === 2) {
      const jobs = Array.from({ length: this.pick([1001, 5000]) }, (_, i) => validBody(i));
      return this.post('huge bulk', '/jobs/bulk', JSON.stringify({ jobs }));
    }
    return this.post(
      'huge string',
      '/jobs/bulk',
      JSON.stringify({ jobs: [validBody(1, { message: big })] }),
    );
  }

  private wrongTypes(): HostileRequest {
    const body = validBody(this.int(0, 1e6)) as Record<string, unknown>;
    const payload = body.payload as Record<string, unknown>;
    const field = this.pick([
      'job_type',
      'priority',
      'payload',
      'max_attempts',
      'delay_ms',
      'run_at',
      'idempotency_key',
      'payload.to',
      'payload.subject',
      'payload.message',
      'payload.extra',
      'extra',
    ]);
    const value = this.pick(WRONG_VALUES);
    if (field.startsWith('payload.')) payload[field.slice(8)] = value;
    else body[field] = value;
    if (this.int(0, 4) === 0)
      return this.post('wrong types', '/jobs/bulk', JSON.stringify({ jobs: [body] }));
    if (this.int(0, 6) === 0)
      return this.post(
        'wrong types',
        '/jobs/bulk',
        JSON.stringify({ jobs: this.pick(WRONG_VALUES) }),
      );
    return this.post('wrong types', '/submit-job', JSON.stringify(body));
  }

  private unicode(): HostileRequest {
    const s = () => this.pick(WEIRD_STRINGS) + this.pick(WEIRD_STRINGS);
    const body = this.pick([
      validBody(1, { subject: s(), message: s() }),
      validBody(1, { to: `${s()}@example.com` }),
      { ...(validBody(1) as object), job_type: s() },
      { ...(validBody(1) as object), priority: s() },
      { ...(validBody(1) as object), idempotency_key: s() },
      { [s()]: s() },
    ]);
    const encoded =
      this.int(0, 5) === 0 ? Buffer.from(JSON.stringify(body), 'utf16le') : JSON.stringify(body);
    return this.post('unicode', '/submit-job', encoded);
  }

  private prototypeKeys(): HostileRequest {
    const valid = JSON.stringify(validBody(1));
    const inner = valid.slice(1, -1);
    const bodies = [
      `{"__proto__":{"job_type":"send_email","payload":{"to":"a@b.co","subject":"s","message":"m"}}}`,
      `{"__proto__":{"polluted":"yes"},${inner}}`,
      `{"constructor":{"prototype":{"polluted":"yes"}},${inner}}`,
      `{${inner},"payload":{"__proto__":{"admin":true},"to":"a@b.co","subject":"s","message":"m"}}`,
      `{"jobs":[{"__proto__":{"job_type":"send_email"}}]}`,
      `{"jobs":{"__proto__":[]}}`,
      `{${inner},"__proto__":null}`,
      `{${inner},"hasOwnProperty":1,"toString":"x","valueOf":[]}`,
    ];
    const path = this.pick(['/submit-job', '/jobs/bulk']);
    if (this.int(0, 4) === 0) {
      const query = this.pick([
        '__proto__[polluted]=1',
        'constructor[prototype][polluted]=1',
        '__proto__.polluted=1',
        'status[__proto__]=x',
      ]);
      return this.get('prototype keys', `/jobs?${query}`);
    }
    return this.post('prototype keys', path, this.pick(bodies));
  }

  private pathTrick(): HostileRequest {
    const id = this.pick(PATH_TRICKS) + (this.int(0, 2) === 0 ? this.pick(PATH_TRICKS) : '');
    const [method, path] = this.pick([
      ['GET', `/jobs/status/${id}`],
      ['DELETE', `/jobs/${id}`],
      ['POST', `/jobs/${id}/retry`],
      ['GET', `/jobs/${id}`],
      ['GET', `/${id}`],
      ['GET', `/jobs/status/${id}/..`],
    ] as const);
    return { kind: 'path tricks', method, path, headers: {} };
  }

  private junkQuery(): HostileRequest {
    const pick = () => encodePart(this.pick([...WEIRD_STRINGS, ...WRONG_VALUES.map(String)]));
    const params = [
      `status=${pick()}`,
      `status=completed&status=failed`,
      `limit=${this.pick(['-1', '0', '1e9', '99999999999999999999', 'abc', '1.5', ''])}`,
      `cursor=${pick()}`,
      `job_type=${pick()}`,
      `${pick()}=${pick()}`,
    ];
    return this.get('junk query', `/jobs?${this.pick(params)}&${this.pick(params)}`);
  }

  /** Ids and cursors shaped like the API's own but with numbers no stream id can hold. */
  private outOfRangeId(): HostileRequest {
    const id = this.pick([
      '99999999999999999999999-0',
      '1-99999999999999999999999',
      '18446744073709551616',
      '18446744073709551615-18446744073709551615',
      '1.99999999999999999999',
    ]);
    const forged = (place: unknown) =>
      Buffer.from(JSON.stringify(['x', place])).toString('base64url');
    return this.pick<() => HostileRequest>([
      () => this.get('out-of-range id', `/events?last_event_id=${id}`),
      () => ({ ...this.get('out-of-range id', '/events'), headers: { 'last-event-id': id } }),
      () => this.get('out-of-range cursor', `/jobs?cursor=${forged(id)}`),
      () =>
        this.get(
          'out-of-range cursor',
          `/jobs?status=failed&cursor=${Buffer.from('["x",1e999]').toString('base64url')}`,
        ),
      () =>
        this.post(
          'far run_at',
          '/submit-job',
          JSON.stringify({ ...(validBody(1) as object), run_at: '9999-12-31T23:59:59Z' }),
        ),
    ])();
  }

  private oddMethodOrType(): HostileRequest {
    const body = JSON.stringify(validBody(1));
    return this.pick<() => HostileRequest>([
      () => ({
        kind: 'odd method',
        method: this.pick(['PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD']),
        path: this.pick([
          '/submit-job',
          '/jobs/bulk',
          '/stats',
          '/health',
          '/job-types',
          '/metrics',
        ]),
        headers: JSON_TYPE,
        body,
      }),
      () => ({
        kind: 'odd content type',
        method: 'POST',
        path: '/submit-job',
        headers: {
          'content-type': this.pick([
            'text/plain',
            'application/x-www-form-urlencoded',
            'multipart/form-data; boundary=x',
            'application/json; charset=utf-16',
            'application/json; charset=latin1',
            'application/xml',
            'application/json, text/plain',
          ]),
        },
        body: this.pick([body, 'job_type=send_email&payload[to]=x', '<job/>']),
      }),
      () => ({
        kind: 'unknown route',
        method: 'GET',
        path: `/${encodePart(this.pick(WEIRD_STRINGS))}x`,
        headers: {},
      }),
      () => ({
        kind: 'odd headers',
        method: 'POST',
        path: '/submit-job',
        headers: {
          ...JSON_TYPE,
          'content-encoding': this.pick(['gzip', 'br', 'deflate', 'identity', 'x-unknown']),
        },
        body,
      }),
    ])();
  }

  private valid(): HostileRequest {
    return this.post('valid', '/submit-job', JSON.stringify(validBody(this.int(0, 1e6))));
  }

  private post(kind: string, path: string, body: Buffer | string): HostileRequest {
    return { kind, method: 'POST', path, headers: JSON_TYPE, body };
  }

  private get(kind: string, path: string): HostileRequest {
    return { kind, method: 'GET', path, headers: {} };
  }

  // mulberry32: small, fast, and the same sequence for the same seed everywhere.
  private random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  private int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  private pick<T>(values: readonly T[]): T {
    return values[this.int(0, values.length - 1)] as T;
  }
}

/** Percent-encoding that also covers lone surrogates (as the bytes a sloppy client would send). */
function encodePart(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

function validBody(n: number, payload: Record<string, unknown> = {}): unknown {
  return {
    job_type: 'send_email',
    priority: 'normal',
    payload: { to: 'user@example.com', subject: `Test ${n}`, message: 'Hello!', ...payload },
  };
}

// A real api process spoken to the way curl does: started on a free port, then plain HTTP calls
// that return the status code and the parsed JSON body.
import { delay, onFreePort } from '@jobqueue/testkit';
import { startService, type ServiceProcess } from './service-process';

export interface ApiProcess {
  service: ServiceProcess;
  /** http://127.0.0.1:<port> */
  url: string;
}

export interface JsonReply {
  status: number;
  // The tests read arbitrary fields of the replies; the contract is what they assert.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** Starts the built api on a free port and resolves once GET /ready answers (Redis connected). */
export async function startApi(env: Record<string, string | undefined>): Promise<ApiProcess> {
  return onFreePort(async (port) => {
    const service = startService('api', { ...env, PORT: String(port), HOST: '127.0.0.1' });
    const url = `http://127.0.0.1:${port}`;
    try {
      await service.waitForHttp(`${url}/ready`);
    } catch (error) {
      await service.stop();
      throw error;
    }
    return { service, url };
  });
}

export async function postJson(url: string, body: unknown): Promise<JsonReply> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  return { status: response.status, body: await readJson(response) };
}

export async function getJson(url: string): Promise<JsonReply> {
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: await readJson(response) };
}

/** POST /submit-job; fails the test unless the job was accepted. Resolves with the job id. */
export async function submitJob(api: ApiProcess, body: unknown): Promise<string> {
  const reply = await postJson(`${api.url}/submit-job`, body);
  if (reply.status !== 202) {
    throw new Error(`POST /submit-job answered ${reply.status}: ${JSON.stringify(reply.body)}`);
  }
  return reply.body.job_id as string;
}

/** Polls GET /jobs/status/<id> until `done(record)` holds; resolves with that record. */
export async function waitForJob(
  api: ApiProcess,
  id: string,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  done: (record: any) => boolean,
  timeoutMs = 10_000,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: JsonReply | undefined;
  while (Date.now() < deadline) {
    last = await getJson(`${api.url}/jobs/status/${id}`);
    if (last.status === 200 && done(last.body)) return last.body;
    await delay(50);
  }
  throw new Error(
    `job ${id} did not reach the awaited state in ${timeoutMs} ms; last reply: ${JSON.stringify(last)}`,
  );
}

/** Polls until `check` holds; rejects after `timeoutMs` naming `what`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(25);
  }
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

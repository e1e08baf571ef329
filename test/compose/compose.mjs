// Driving `docker compose` for the stack test: one project of its own (never a user's stack),
// commands with their output captured, the services' JSON log lines, and HTTP polling.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '../../scripts/lib/commands.mjs';

/** Runs a command; resolves { code, stdout, stderr }. Output is shown live when `echo` is set. */
export function capture(command, args, { env = process.env, echo = false } = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (echo) process.stdout.write(chunk);
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (echo) process.stderr.write(chunk);
    });
    child.once('error', (error) => resolve({ code: 127, stdout, stderr: error.message }));
    child.once('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

export class ComposeProject {
  constructor(name, env) {
    this.name = name;
    this.env = { ...process.env, ...env };
  }

  /** `docker compose -p <name> ...args`; throws with its output when it fails. */
  async run(args, { echo = false, env = {} } = {}) {
    const result = await capture('docker', ['compose', '-p', this.name, ...args], {
      env: { ...this.env, ...env },
      echo,
    });
    if (result.code !== 0) {
      throw new Error(
        `docker compose ${args.join(' ')} failed (${result.code}):\n${result.stderr}`,
      );
    }
    return result.stdout;
  }

  /**
   * The JSON log records of a service's containers, each with the container it came from, in
   * time order (compose prints them container by container).
   */
  async logs(service) {
    const text = await this.run(['logs', '--no-color', service]);
    const records = [];
    for (const line of text.split('\n')) {
      const bar = line.indexOf('| ');
      if (bar < 0) continue;
      try {
        const record = JSON.parse(line.slice(bar + 2));
        records.push({ container: line.slice(0, bar).trim(), ...record });
      } catch {
        // not a log record (compose's own "Attaching to ..." lines)
      }
    }
    // A stable sort: records of one container within the same millisecond keep their order.
    return records.sort((a, b) => String(a.time).localeCompare(String(b.time)));
  }
}

/** Whether something on this machine listens on `port` already. */
export function portTaken(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(true));
    server.listen(port, () => server.close(() => resolve(false)));
  });
}

export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Polls until `check` returns a value (not undefined); throws naming `what` after `timeoutMs`. */
export async function waitFor(what, check, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`,
      );
    }
    await sleep(250);
  }
}

/** An HTTP call as curl makes it; resolves { status, body } with the body parsed when JSON. */
export async function http(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  let parsed = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

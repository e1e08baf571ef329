// A minimal Server-Sent Events client for tests: opens GET /events, parses each message
// (id, event, data as JSON) as it arrives, and waits for the ones a test expects.

import { request, type IncomingMessage } from 'node:http';

export interface SseMessage {
  id: string;
  event: string;
  data: { id: string; type: string; job_id: string; message: string; [field: string]: unknown };
}

export interface SseStream {
  response: IncomingMessage;
  messages: SseMessage[];
  /** Resolves once `count` messages satisfy `match`; rejects after `timeoutMs`. */
  waitFor(
    match: (message: SseMessage) => boolean,
    count?: number,
    timeoutMs?: number,
  ): Promise<SseMessage[]>;
  close(): void;
}

export function openEvents(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { headers: { accept: 'text/event-stream', ...headers } },
      (response) => {
        const messages: SseMessage[] = [];
        const waiters = new Set<() => void>();
        let buffer = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          buffer += chunk;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const fields: Record<string, string> = {};
            for (const line of block.split('\n')) {
              const colon = line.indexOf(':');
              if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
            }
            if (fields.data !== undefined) {
              messages.push({
                id: fields.id ?? '',
                event: fields.event ?? 'message',
                data: JSON.parse(fields.data),
              });
            }
          }
          for (const wake of [...waiters]) wake();
        });
        response.on('error', () => {});
        resolve({
          response,
          messages,
          waitFor(match, count = 1, timeoutMs = 10_000) {
            return new Promise((done, fail) => {
              const check = () => {
                const found = messages.filter(match);
                if (found.length < count) return;
                finish();
                done(found);
              };
              const timer = setTimeout(() => {
                finish();
                fail(
                  new Error(
                    `timed out: ${messages.filter(match).length} of ${count} expected events arrived`,
                  ),
                );
              }, timeoutMs);
              const finish = () => {
                clearTimeout(timer);
                waiters.delete(check);
              };
              waiters.add(check);
              check();
            });
          },
          close() {
            req.destroy();
          },
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

// Whether a Redis answers at host:port, asked with a raw PING so the check itself never retries,
// reconnects or queues commands the way a client library would.
import { connect } from 'node:net';

/** The first reply line (`+PONG`, `-LOADING ...`, `-NOAUTH ...`), or undefined if nothing answered. */
export function pingRedis(
  port: number,
  host = '127.0.0.1',
  timeoutMs = 500,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    let reply = '';
    const finish = (line: string | undefined) => {
      socket.destroy();
      resolve(line);
    };
    socket.setTimeout(timeoutMs, () => finish(undefined));
    socket.once('error', () => finish(undefined));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      const end = reply.indexOf('\r\n');
      if (end >= 0) finish(reply.slice(0, end));
    });
  });
}

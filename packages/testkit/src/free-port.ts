// A TCP port nobody listens on right now, for a server a test is about to start.
// The kernel picks it (listen on port 0), so parallel test files do not collide.
import { createServer } from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port was assigned'))));
    });
  });
}

/**
 * Runs `start` on a port freePort() chose, and again on another one when the first was taken
 * between the choice and the bind (the error, or the process output it quotes, says EADDRINUSE).
 */
export async function onFreePort<T>(start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start(await freePort());
    } catch (error) {
      if (attempt >= attempts || !/EADDRINUSE/.test(String(error))) throw error;
    }
  }
}

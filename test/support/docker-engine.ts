// Whether a Docker engine answers, asked the way the Docker CLI finds one (DOCKER_HOST, else the
// default socket) with one short HTTP ping, so a machine without Docker costs no waiting.
import { existsSync } from 'node:fs';
import { request, type RequestOptions } from 'node:http';

export function dockerEngineAnswers(timeoutMs = 1_000): Promise<boolean> {
  const target = dockerEndpoint();
  if (!target) return Promise.resolve(false);
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}

function dockerEndpoint(): RequestOptions | undefined {
  const host = process.env.DOCKER_HOST;
  if (!host)
    return existsSync('/var/run/docker.sock') ? { socketPath: '/var/run/docker.sock' } : undefined;
  if (host.startsWith('unix://')) return { socketPath: host.slice('unix://'.length) };
  if (host.startsWith('tcp://')) {
    const url = new URL(host.replace(/^tcp:/, 'http:'));
    return { host: url.hostname, port: Number(url.port || 2375) };
  }
  return undefined; // ssh:// and npipe:// are left to testcontainers users who set REDIS_URL
}

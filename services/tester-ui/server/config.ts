// The UI server's configuration, read from the environment once at start. A bad value stops
// the process with a message naming the variable, like every service of the queue.

export interface UiServerConfig {
  port: number;
  /** Where /api/* is forwarded, without the /api prefix. */
  apiUrl: URL;
  /** The built page (vite build output). */
  publicDir: string;
}

export class ConfigError extends Error {}

function parsePort(name: string, raw: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) {
    throw new ConfigError(`${name} must be a port number from 1 to 65535, got "${raw}"`);
  }
  return port;
}

function parseHttpUrl(name: string, raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  }
  return url;
}

export function readConfig(env: NodeJS.ProcessEnv, publicDir: string): UiServerConfig {
  return {
    port: parsePort('UI_PORT', env.UI_PORT ?? '8501'),
    apiUrl: parseHttpUrl('API_URL', env.API_URL ?? 'http://127.0.0.1:5000'),
    publicDir,
  };
}

// Starts the tester page's server: reads UI_PORT and API_URL, serves dist/public, and
// closes cleanly on SIGTERM / SIGINT (open event streams are cut so that close finishes).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { createUiServer } from './app.js';
import { ConfigError, readConfig } from './config.js';

const publicDir = fileURLToPath(new URL('../public', import.meta.url));
// The same line shape as the api's and the worker's logs: a service name and an ISO time.
const log = pino({
  name: 'tester-ui',
  level: process.env.LOG_LEVEL ?? 'info',
  base: { service: 'tester-ui' },
  timestamp: pino.stdTimeFunctions.isoTime,
});

function start(): void {
  let config;
  try {
    config = readConfig(process.env, publicDir);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    log.fatal(error.message);
    process.exit(1);
  }
  if (!existsSync(publicDir)) {
    log.fatal(`the page is not built (${publicDir} is missing): run "npm run build"`);
    process.exit(1);
  }

  const server = createUiServer(config, log);
  server.listen(config.port, () => {
    log.info({ port: config.port, apiUrl: config.apiUrl.href }, 'tester page listening');
  });

  const stop = () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

start();

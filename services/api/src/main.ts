// Starts the API: reads the environment, connects to Redis and listens on PORT (serve.ts).

import { ConfigError } from '@jobqueue/shared';
import { serveApi } from './serve';

serveApi().catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`api: ${error.message}`);
  else console.error('api: failed to start:', error);
  process.exit(1);
});

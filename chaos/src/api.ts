// An api process for chaos runs: the product's API (serveApi) whose registry also knows the
// `chaos` job type. The lab turns the rate limit off (SUBMIT_RATE_LIMIT=0): the runs themselves
// are the flood.

import { ConfigError, type JobType } from '@jobqueue/shared';
import { serveApi } from '@jobqueue/api/dist/serve';
import { chaosJobSchemaOnly } from './chaos-job';

serveApi([chaosJobSchemaOnly() as JobType]).catch((error: unknown) => {
  if (error instanceof ConfigError) console.error(`chaos api: ${error.message}`);
  else console.error('chaos api: failed to start:', error);
  process.exit(1);
});

// At start, every service checks that Redis is set up not to lose jobs, and says so when it is not.

import type { Logger } from './logger';
import type { RedisClient } from './redis';

export async function warnIfRedisMayLoseJobs(
  redis: RedisClient,
  logger: Logger,
): Promise<string[]> {
  const warnings: string[] = [];
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as string[];
    const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[];
    const [, save] = (await redis.config('GET', 'save')) as string[];
    if (policy !== 'noeviction') {
      warnings.push(
        `Redis maxmemory-policy is "${policy}": under memory pressure Redis may evict jobs; set it to noeviction`,
      );
    }
    if (appendonly !== 'yes') {
      warnings.push(
        save
          ? 'Redis appendonly is off: jobs accepted since the last RDB snapshot are lost if Redis crashes; set appendonly yes'
          : 'Redis keeps nothing on disk (appendonly no, no save): every job is lost if Redis restarts; set appendonly yes',
      );
    }
  } catch (error) {
    // Managed Redis services often disable CONFIG; that is not a reason to refuse to start.
    logger.debug({ err: (error as Error).message }, 'Could not read Redis persistence settings');
  }
  for (const warning of warnings) logger.warn(warning);
  return warnings;
}

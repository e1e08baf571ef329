// Stops the Redis that global setup provisioned (nothing when it was the caller's REDIS_URL).
import { PROVISIONED_REDIS, type ProvisionedRedis } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const redis = (globalThis as Record<symbol, unknown>)[PROVISIONED_REDIS] as
    ProvisionedRedis | undefined;
  await redis?.stop();
}

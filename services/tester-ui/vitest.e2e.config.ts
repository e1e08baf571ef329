// The end-to-end suite: real redis-server, api, worker, UI server and headless Chromium.
// Kept apart from the component tests because it needs built services and takes a minute.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['e2e/**/*.e2e.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});

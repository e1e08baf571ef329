// Builds the page into dist/public, which server/main.ts serves in production.
// `npm run dev` forwards /api the same way the production server does.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

const apiUrl = process.env.API_URL ?? 'http://127.0.0.1:5000';

export default defineConfig({
  plugins: [react()],
  resolve: {
    // The API's wire types and statuses, from the core's one dependency-free module.
    alias: {
      '@jobqueue/shared/wire': fileURLToPath(
        new URL('../../packages/shared/src/wire.ts', import.meta.url),
      ),
    },
  },
  build: {
    outDir: 'dist/public',
    emptyOutDir: true,
    // React DOM and Ajv make up most of the main chunk; the chart is already split off.
    chunkSizeWarningLimit: 700,
  },
  server: {
    port: Number(process.env.UI_PORT ?? 8501),
    proxy: {
      '/api': { target: apiUrl, changeOrigin: true, rewrite: (path) => path.replace(/^\/api/, '') },
    },
  },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'page',
          environment: 'jsdom',
          include: ['src/**/*.test.{ts,tsx}'],
          setupFiles: ['src/test/setup.ts'],
        },
      },
      { test: { name: 'server', environment: 'node', include: ['server/**/*.test.ts'] } },
    ],
  },
});

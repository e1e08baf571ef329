// Jest for the whole repository: every package's and service's tests (not the tester UI, which
// uses vitest), TypeScript through ts-jest, one Redis for the run provisioned by global setup.
import type { Config } from 'jest';

const config: Config = {
  testEnvironment: '<rootDir>/test/support/jest-environment.ts',
  testMatch: [
    '<rootDir>/packages/*/test/**/*.test.ts',
    '<rootDir>/services/*/test/**/*.test.ts',
    '<rootDir>/test/**/*.test.ts',
    '<rootDir>/bench/test/**/*.test.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '<rootDir>/services/tester-ui/'],
  moduleNameMapper: {
    '^@jobqueue/shared$': '<rootDir>/packages/shared/src/index.ts',
    '^@jobqueue/testkit$': '<rootDir>/packages/testkit/src/index.ts',
  },
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      {
        // The build's tsconfig files cover src/ only; tests are type-checked with these options.
        tsconfig: {
          target: 'ES2022',
          module: 'commonjs',
          moduleResolution: 'node',
          lib: ['ES2022'],
          strict: true,
          noUncheckedIndexedAccess: true,
          noImplicitOverride: true,
          esModuleInterop: true,
          skipLibCheck: true,
          resolveJsonModule: true,
          types: ['node', 'jest'],
        },
      },
    ],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // Tests start real processes and a real Redis: generous, but a hang still fails.
  testTimeout: 30_000,
  // A handle some test leaked must not keep the run from ending; global teardown names it.
  forceExit: true,
};

export default config;

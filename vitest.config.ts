import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests start the local runtime as a child process; CDK tests synthesize a stack.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Handlers log unexpected errors through Powertools; tests provoke some on purpose.
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
    maxWorkers: 2,
  },
});

import { defineConfig } from 'vitest/config';

/** The browser smoke test: run after `npm run build:renderer` (tests/run-all.js does). */
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

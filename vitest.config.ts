import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // The browser smoke test needs a built renderer and Chromium: vitest.e2e.config.ts runs it (after `npm run build:renderer`).
    exclude: [...configDefaults.exclude, 'tests/e2e/**'],
    // Two cores: forks keep native modules (better-sqlite3) isolated per file.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

// `npm run test:fault`: the fault scenarios of `npm test` (test/integration/ingest-*.test.ts) repeated as a soak,
// NHI_FAULT_ROUNDS times each (default 3). Same global setup as the integration tests: the local stack, reused.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/fault/**/*.test.ts'],
    globalSetup: ['test/integration/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 15 * 60_000,
    hookTimeout: 15 * 60_000,
    fileParallelism: false,
  },
});

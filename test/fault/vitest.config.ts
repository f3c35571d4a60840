// `npm run test:fault`: the full-size fault runs (slow; npm test runs small versions of the same scenarios from
// test/integration/ingest-*.test.ts). Same global setup as the integration tests: the local stack, reused.
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

// Two projects: fast unit tests, and integration tests against the real local stack (started once,
// reused when already running, sequential because they share one Kafka, Temporal and moto).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // A hang guard, not a speed check: property tests (fast-check) run hundreds of cases, and on 2 busy
          // cores the default 5 s cut some off mid-run.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/integration/global-setup.ts'],
          // Generous: on 2 cores the unit project runs alongside, and each wait inside a test has its own named
          // deadline (60 s), which fails first with a clearer message.
          testTimeout: 120_000,
          hookTimeout: 15 * 60_000, // a cold machine installs Kafka, Temporal and moto first
          fileParallelism: false,
        },
      },
    ],
  },
});

// Crash safety: 4,000 findings over 200 identities, `nhi run consumer` SIGKILLed at 3 random points and restarted
// each time; no finding lost, none recorded twice, everything committed, and the last consumer stops cleanly on
// SIGTERM. (`npm run test:fault` repeats this scenario as a soak at
// 10,000 findings and 5 kills.)
import { describe, expect, it } from 'vitest';
import { CRASH_RUN, expectCrashSafe } from '../fault/support/expectations.ts';
import { crashScenario } from '../fault/support/scenarios.ts';

const log = (line: string) => process.stderr.write(`[ingest-crash] ${line}\n`);

describe('consumer crash safety', () => {
  it(
    `${CRASH_RUN.findings} findings, the consumer process SIGKILLed ${CRASH_RUN.kills} times: 0 lost, 0 duplicated`,
    async () => {
      const result = await crashScenario({ ...CRASH_RUN, log });
      log(`done in ${result.ms} ms; ${result.notes.join('; ')}`);
      expectCrashSafe(result, CRASH_RUN);
      // `nhi run` served /metrics: the last consumer counted what it took in, and sees no lag once all is committed.
      expect(result.notes.find((n) => n.startsWith('metrics:'))).toMatch(
        /messages_total [1-9]\d*, findings_total [1-9]\d*, lag 0 over 4 partitions/,
      );
    },
    15 * 60_000,
  );
});

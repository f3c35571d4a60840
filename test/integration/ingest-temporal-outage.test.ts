// Temporal away mid-run: 4,000 findings, Temporal stopped for 20 s and started again on the same SQLite file; the
// consumer pauses and holds its offsets, then completes when Temporal is back; 0 findings lost. (`npm run
// test:fault` repeats this scenario as a soak at 10,000 findings and 30 s.)
import { describe, expect, it } from 'vitest';
import { expectOutageSurvived, OUTAGE_RUN } from '../fault/support/expectations.ts';
import { outageScenario } from '../fault/support/scenarios.ts';

const log = (line: string) => process.stderr.write(`[ingest-outage] ${line}\n`);

describe('Temporal outage', () => {
  it(
    `${OUTAGE_RUN.findings} findings, Temporal stopped for ${OUTAGE_RUN.outageMs / 1000} s mid-run: paused, then complete with 0 lost`,
    async () => {
      const result = await outageScenario({ ...OUTAGE_RUN, log });
      log(`done in ${result.ms} ms, ${result.retries} handoff retries; ${result.notes.join('; ')}`);
      expectOutageSurvived(result, OUTAGE_RUN);
      expect(result.retries).toBeGreaterThan(0);
    },
    15 * 60_000,
  );
});

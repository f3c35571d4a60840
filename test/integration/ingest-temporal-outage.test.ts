// Temporal away mid-run: 10,000 findings, Temporal stopped for 30 s and started again on the same SQLite file; the
// consumer pauses and holds its offsets, then completes when Temporal is back; 0 findings lost. (`npm run
// test:fault` repeats this scenario as a soak.)
import { describe, expect, it } from 'vitest';
import { expectOutageSurvived, OUTAGE_RUN } from '../fault/support/expectations.ts';
import { outageScenario } from '../fault/support/scenarios.ts';

const log = (line: string) => process.stderr.write(`[ingest-outage] ${line}\n`);

describe('Temporal outage', () => {
  it(
    '10,000 findings, Temporal stopped for 30 s mid-run: paused, then complete with 0 lost',
    async () => {
      const result = await outageScenario({ ...OUTAGE_RUN, log });
      log(`done in ${result.ms} ms, ${result.retries} handoff retries; ${result.notes.join('; ')}`);
      expectOutageSurvived(result);
      expect(result.retries).toBeGreaterThan(0);
    },
    15 * 60_000,
  );
});

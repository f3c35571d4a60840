// Temporal away mid-run: 10,000 findings, Temporal stopped for 30 s and started again on the same SQLite file; the
// consumer pauses and holds its offsets, then completes when Temporal is back; 0 findings lost. (`npm run
// test:fault` repeats this scenario as a soak.)
import { describe, expect, it } from 'vitest';
import { outageScenario } from '../fault/support/scenarios.ts';

const log = (line: string) => process.stderr.write(`[ingest-outage] ${line}\n`);

describe('Temporal outage', () => {
  it(
    '10,000 findings, Temporal stopped for 30 s mid-run: paused, then complete with 0 lost',
    async () => {
      const result = await outageScenario({ findings: 10_000, identities: 500, outageMs: 30_000, log });
      log(`done in ${result.ms} ms, ${result.retries} handoff retries; ${result.notes.join('; ')}`);
      expect(result.pausedSeen).toBe(true);
      expect(result.retries).toBeGreaterThan(0);
      expect(result.uncommittedDuringOutage).toBeGreaterThan(0);
      expect(result.check.problems).toEqual([]);
      expect(result.check).toMatchObject({ complete: 500, missing: 0, unexpected: 0, duplicated: 0 });
      expect(result.uncommitted).toBe(0);
      expect(result.stackHealthy).toBe(true);
    },
    15 * 60_000,
  );
});

// Temporal away mid-run, small size for npm test (full size: test/fault/ingest-temporal-outage.test.ts): the
// consumer pauses and holds its offsets, then completes when Temporal is back; 0 findings lost.
import { describe, expect, it } from 'vitest';
import { outageScenario } from '../fault/support/scenarios.ts';

const log = (line: string) => process.stderr.write(`[ingest-outage] ${line}\n`);

describe('Temporal outage', () => {
  it('2,000 findings, Temporal stopped for 15 s mid-run: paused, then complete with 0 lost', async () => {
    const result = await outageScenario({ findings: 2_000, identities: 200, outageMs: 15_000, log });
    log(`done in ${result.ms} ms, ${result.retries} handoff retries; ${result.notes.join('; ')}`);
    expect(result.pausedSeen).toBe(true);
    expect(result.retries).toBeGreaterThan(0);
    expect(result.uncommittedDuringOutage).toBeGreaterThan(0);
    expect(result.check.problems).toEqual([]);
    expect(result.check).toMatchObject({ complete: 200, missing: 0, unexpected: 0, duplicated: 0 });
    expect(result.uncommitted).toBe(0);
    expect(result.stackHealthy).toBe(true);
  }, 300_000);
});

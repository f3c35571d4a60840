// The fault scenarios' sizes and the outcome each must have, shared by `npm test` (test/integration/ingest-*.test.ts)
// and the soak (test/fault/*.test.ts), so the two cannot drift apart.
import { expect } from 'vitest';
import type { CrashOptions, OutageOptions, OutageResult, ScenarioResult } from './scenarios.ts';

export const CRASH_RUN = { findings: 10_000, identities: 500, kills: 5 } satisfies Omit<CrashOptions, 'log'>;
export const OUTAGE_RUN = { findings: 10_000, identities: 500, outageMs: 30_000 } satisfies Omit<
  OutageOptions,
  'log'
>;

/** Every identity holds exactly its findings, and the group has committed everything. */
function expectNothingLost(result: ScenarioResult, identities: number): void {
  expect(result.check.problems).toEqual([]);
  expect(result.check).toMatchObject({ complete: identities, missing: 0, unexpected: 0, duplicated: 0 });
  expect(result.uncommitted).toBe(0);
}

export function expectCrashSafe(result: ScenarioResult): void {
  expectNothingLost(result, CRASH_RUN.identities);
  expect(result.notes).toContain('final consumer after SIGTERM: exit 0');
}

export function expectOutageSurvived(result: OutageResult): void {
  expect(result.pausedSeen).toBe(true);
  expect(result.uncommittedDuringOutage).toBeGreaterThan(0);
  expectNothingLost(result, OUTAGE_RUN.identities);
  expect(result.stackHealthy).toBe(true);
}

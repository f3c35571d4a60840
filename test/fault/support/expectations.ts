// The fault scenarios' sizes and the outcome each must have, shared by `npm test` (test/integration/ingest-*.test.ts)
// and the soak (test/fault/*.test.ts), so the two cannot drift apart. `npm test` runs each scenario once at a size
// that keeps the suite within its time (every kill and the outage still fall mid-run, with work in hand); the soak
// runs the full size, several rounds.
import { expect } from 'vitest';
import type { CrashOptions, OutageOptions, OutageResult, ScenarioResult } from './scenarios.ts';

type CrashRun = Omit<CrashOptions, 'log'>;
type OutageRun = Omit<OutageOptions, 'log'>;

export const CRASH_RUN = { findings: 4_000, identities: 200, kills: 3 } satisfies CrashRun;
export const CRASH_SOAK = { findings: 10_000, identities: 500, kills: 5 } satisfies CrashRun;
export const OUTAGE_RUN = { findings: 4_000, identities: 200, outageMs: 20_000 } satisfies OutageRun;
export const OUTAGE_SOAK = { findings: 10_000, identities: 500, outageMs: 30_000 } satisfies OutageRun;

/** Every identity holds exactly its findings, and the group has committed everything. */
function expectNothingLost(result: ScenarioResult, identities: number): void {
  expect(result.check.problems).toEqual([]);
  expect(result.check).toMatchObject({ complete: identities, missing: 0, unexpected: 0, duplicated: 0 });
  expect(result.uncommitted).toBe(0);
}

export function expectCrashSafe(result: ScenarioResult, run: CrashRun): void {
  expectNothingLost(result, run.identities);
  expect(result.notes).toContain('final consumer after SIGTERM: exit 0');
}

export function expectOutageSurvived(result: OutageResult, run: OutageRun): void {
  expect(result.pausedSeen).toBe(true);
  expect(result.uncommittedDuringOutage).toBeGreaterThan(0);
  expectNothingLost(result, run.identities);
  expect(result.stackHealthy).toBe(true);
}

// Crash soak: the crash scenario of `npm test` (test/integration/ingest-crash.test.ts) at full size repeated NHI_FAULT_ROUNDS
// times (default 3), each round with fresh topics and kill points: a rare window between handoff and commit gets
// more chances to show itself than one run gives it.
import { describe, it } from 'vitest';
import { CRASH_SOAK, expectCrashSafe } from './support/expectations.ts';
import { faultRounds } from './support/rounds.ts';
import { crashScenario } from './support/scenarios.ts';

describe('consumer crash safety (soak)', () => {
  for (const round of faultRounds()) {
    it(`round ${round}: 10,000 findings, the consumer SIGKILLed 5 times: 0 lost, 0 duplicated`, async () => {
      const log = (line: string) => process.stderr.write(`[fault crash ${round}] ${line}\n`);
      const result = await crashScenario({ ...CRASH_SOAK, log });
      log(`done in ${result.ms} ms; ${result.notes.join('; ')}`);
      expectCrashSafe(result, CRASH_SOAK);
    });
  }
});

// Outage soak: the Temporal-outage scenario of `npm test` (test/integration/ingest-temporal-outage.test.ts)
// repeated NHI_FAULT_ROUNDS times (default 3), the outage falling at a different point of the run each time.
import { describe, it } from 'vitest';
import { expectOutageSurvived, OUTAGE_SOAK } from './support/expectations.ts';
import { faultRounds } from './support/rounds.ts';
import { outageScenario } from './support/scenarios.ts';

describe('Temporal outage (soak)', () => {
  for (const round of faultRounds()) {
    it(`round ${round}: 10,000 findings, Temporal stopped for 30 s mid-run: paused, then complete with 0 lost`, async () => {
      const log = (line: string) => process.stderr.write(`[fault outage ${round}] ${line}\n`);
      const result = await outageScenario({ ...OUTAGE_SOAK, log });
      log(`done in ${result.ms} ms, ${result.retries} handoff retries; ${result.notes.join('; ')}`);
      expectOutageSurvived(result, OUTAGE_SOAK);
    });
  }
});

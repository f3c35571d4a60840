// Issue #22's fault test: 10,000 hostile messages (deep nesting, huge strings, 10 MB values, backtracking bait for
// every credential shape, invalid UTF-8 and UTF-16, __proto__ keys, truncated JSON, every adapter's shape with
// wrong types) interleaved with 1,000 good findings, published to a running pipeline: every good finding reaches
// its identity, every hostile message is in the DLQ with its reason, the consumer never crashes, restarts or
// rebalances, and no message holds its partition longer than its budget plus one retry (the consumer's own
// metric, with a generous bound). `npm run test:fault`; the 500-message version runs in `npm test`.
import { describe, it } from 'vitest';
import { expectHostileRunClean, hostileRun } from './support/hostile-run.ts';

describe('hostile input within a time budget (soak)', () => {
  it('10,000 hostile among 1,000 good', async () => {
    const log = (line: string) => process.stderr.write(`[fault hostile] ${line}\n`);
    const run = await hostileRun({
      hostile: 10_000,
      huge: 3,
      good: 1_000,
      identities: 100,
      timeoutMs: 12 * 60_000,
      log,
    });
    log(
      `done in ${run.ms} ms: ${run.dead.length} dead letters, slowest message ${Math.round(run.slowestMessageMs)} ms (budget ${run.budgetMs} ms), ${run.overBudget} over budget`,
    );
    expectHostileRunClean(run);
  });
});

// The hostile mix of issue #22, small: 500 hostile messages (deep nesting, huge strings and values, backtracking
// bait for every credential shape, invalid UTF-8 and UTF-16, __proto__ keys, truncated JSON, every adapter's shape
// with wrong types) among 100 good findings, on a running pipeline. The 10,000-message version is the fault soak
// (test/fault/ingest-hostile-budget.test.ts).
import { describe, it } from 'vitest';
import { expectHostileRunClean, hostileRun } from '../fault/support/hostile-run.ts';

describe('hostile input within a time budget', () => {
  it('500 hostile among 100 good: every good finding delivered, every hostile one dead-lettered with its reason, no crash, no rebalance', async () => {
    const log = (line: string) => process.stderr.write(`[hostile-budget] ${line}\n`);
    const run = await hostileRun({
      hostile: 500,
      huge: 1,
      good: 100,
      identities: 20,
      timeoutMs: 240_000,
      log,
    });
    log(
      `done in ${run.ms} ms: ${run.dead.length} dead letters, slowest message ${Math.round(run.slowestMessageMs)} ms, ${run.overBudget} over budget`,
    );
    expectHostileRunClean(run);
  }, 420_000);
});

// A time-skipping test server of its own, started again when it does not answer in time: the SDK gives its
// process 5 seconds to listen, which a loaded CI machine (several suites starting servers at once) can miss.
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { testServerPath } from '../../infra/install/index.ts';

const ATTEMPTS = 3;

export async function startTimeSkipping(): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: testServerPath() } },
      });
    } catch (error) {
      if (attempt >= ATTEMPTS || !/did not start within/.test(String(error))) throw error;
    }
  }
}

/**
 * Skips `ms` of time once `workflows` are idle (no workflow task or activity pending, twice in a row). The test
 * server fires the timers a skip reaches at once, even while a workflow task is still outstanding; a timer the
 * workflow cancels in that task then fires anyway and the workflow fails on replay ("Timer fired event did not have
 * expected timer id"), which a real server never does (it buffers the event). Waiting for quiet first keeps the
 * tests about our workflows, not that race.
 */
export async function skipWhenIdle(
  env: TestWorkflowEnvironment,
  workflows: Array<{
    describe(): Promise<{ raw: { pendingWorkflowTask?: unknown; pendingActivities?: unknown[] | null } }>;
  }>,
  ms: number,
): Promise<void> {
  const deadline = Date.now() + 30_000;
  let quietInARow = 0;
  while (quietInARow < 2) {
    const raws = await Promise.all(workflows.map(async (w) => (await w.describe()).raw));
    const quiet = raws.every((r) => !r.pendingWorkflowTask && !(r.pendingActivities?.length ?? 0));
    quietInARow = quiet ? quietInARow + 1 : 0;
    if (Date.now() > deadline) throw new Error('workflows still busy after 30 s: cannot skip time safely');
    if (quietInARow < 2) await new Promise((r) => setTimeout(r, 100));
  }
  await env.sleep(ms);
}

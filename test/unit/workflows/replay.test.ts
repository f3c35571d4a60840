// Recorded identity-workflow histories (test/fixtures/histories/, written by the identity-enforcement integration
// test) replayed against the current workflow code: a change that breaks determinism for running workflows fails
// here, without a server. Re-record deliberately with NHI_RECORD_HISTORIES=1 when a break is intended (and
// versioned with patched()).
import { readdirSync, readFileSync } from 'node:fs';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Runtime, Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { workflowBundle } from '../../../runtime/worker.ts';

const dir = new URL('../../fixtures/histories/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

const load = (file: string) => {
  const history = historyFromJSON(JSON.parse(readFileSync(new URL(file, dir), 'utf8')));
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  return { file, history, workflowType: started?.workflowType?.name };
};

const quiet = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never;

beforeAll(async () => {
  // The tampered history below makes the core log a warning; the result is what is checked.
  Runtime.install({
    logger: quiet,
    telemetryOptions: { logging: { filter: { core: 'ERROR', other: 'ERROR' }, forward: {} } },
  });
  await workflowBundle(); // bundling takes a few seconds: once, outside the per-test timeout
}, 120_000);

describe('identity workflow replay', () => {
  // The exception flow (signed requests answered by async update handlers) is replayed from its live history in
  // test/integration/identity-exception.test.ts; recorded as JSON it did not replay (the update's position in the
  // history did not survive the round trip), so it is not a fixture here.
  it('has recorded histories: re-delivery, an already taken id, continue-as-new, re-proposal, observe then auto', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'identity-already-started.json',
        'identity-continue-as-new.json',
        'identity-redelivery-key.json',
        'identity-redelivery-user.json',
        'identity-repropose.json',
        'identity-observe-then-auto.json',
      ]),
    );
    for (const f of files) expect(load(f).workflowType, f).toBe('identityWorkflow');
  });

  it.each(files)(
    '%s replays without a determinism error',
    async (file) => {
      const { history } = load(file);
      const results = [];
      for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, [
        { workflowId: file, history },
      ]))
        results.push(r);
      expect(results).toHaveLength(1);
      expect(results[0]?.error?.message).toBeUndefined();
    },
    30_000,
  );

  it('fails a history the code cannot have produced (the check is real)', async () => {
    const raw = JSON.parse(readFileSync(new URL('identity-redelivery-key.json', dir), 'utf8'));
    // Rename the child the workflow started: the code would start remediationWorkflow, not this.
    const child = raw.events.find(
      (e: { startChildWorkflowExecutionInitiatedEventAttributes?: unknown }) =>
        e.startChildWorkflowExecutionInitiatedEventAttributes,
    );
    expect(child).toBeDefined();
    child.startChildWorkflowExecutionInitiatedEventAttributes.workflowType = { name: 'someOtherWorkflow' };
    const tampered = historyFromJSON(raw);
    const results = [];
    for await (const r of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, [
      { workflowId: 'tampered', history: tampered },
    ]))
      results.push(r);
    expect(results[0]?.error).toBeDefined();
  }, 30_000);
});

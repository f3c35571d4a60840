// The circuit breaker on the time-skipping test server: failed acts open it (with an event that says why),
// automatic actions then need approval, and it closes by itself after its quiet period. The control workflow and
// the reservation activity are the real ones; the action is a stub that fails on purpose.
import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createControlActivities } from '../../activities/enforcement-control.ts';
import type { EventInput } from '../../activities/events/publish.ts';
import type { Activities } from '../../activities/index.ts';
import { createServiceSealActivities } from '../../activities/service-seals.ts';
import { testServerPath } from '../../infra/install/index.ts';
import { createWorker } from '../../runtime/worker.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { controlStatusQuery, controlWorkflowId } from '../../workflows/control/definitions.ts';
import {
  decideUpdate,
  type RemediationInput,
  type RemediationState,
  remediationQuery,
} from '../../workflows/remediation/definitions.ts';
import type { remediationWorkflow } from '../../workflows/remediation/workflow.ts';
import { person, sign, snapshotOf } from '../support/people.ts';
import { recordedEvents } from '../support/recorded-events.ts';
import { unusedAccessActivities } from '../support/unused-access.ts';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `breaker-${randomUUID().slice(0, 8)}`;
const published: EventInput[] = [];
// No approval block on an automatic rule: the brake asks the default approvers (security: 1).
const alice = person('alice@example.com', 'security');

const activities: Activities = {
  assessIdentity: async () => {
    throw new Error('not used');
  },
  resolveTeamAction: async () => ({ refused: 'no team actions here' }),
  ...recordedEvents(published),
  planRemediation: async (input) => ({
    action: input.action,
    identityKey: input.identity.key,
    steps: [{ api: 'test:Act', target: input.identity.key, detail: {} }],
  }),
  executeRemediation: async (plan) => {
    if (plan.identityKey.includes('/broken-'))
      throw ApplicationFailure.nonRetryable('AccessDenied: not allowed', 'AccessDenied');
    return { done: plan.identityKey };
  },
  verifyRemediation: async () => ({ ok: true, detail: 'stub' }),
  rollbackRemediation: async () => ({ done: true }),
  verifyRollback: async () => ({ ok: true, detail: 'stub' }),
  loadDirectory: async () => snapshotOf([alice]),
  exceptionContext: async () => {
    throw new Error('not used');
  },
  ...createControlActivities(),
  ...unusedAccessActivities,
  ...createServiceSealActivities(),
};

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath() } },
  });
  // The test environment's client has no payload codec: its worker must not encrypt either.
  worker = await createWorker(env.nativeConnection, activities, taskQueue, { dataConverter: {} });
  running = worker.run();
}, 120_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

const identity = (name: string): IdentityRef => ({
  key: `arn:aws:iam::123456789012:role/${name}`,
  type: 'aws-role',
  provider: 'aws',
  account: '123456789012',
  aliases: [],
});
const input = (name: string): RemediationInput => ({
  identity: identity(name),
  action: 'revoke-sessions',
  ruleId: 'test',
  mode: 'auto',
  reasons: ['test'],
  findingIds: [],
  brakes: {
    rateLimits: { overLimit: 'wait' },
    circuitBreaker: { failures: 2, windowMinutes: 60, quietMinutes: 30 },
    protected: ['arn:aws:iam::*:role/*break-glass*'],
  },
});
/**
 * The remediation's state once it reaches one of `statuses`. Polled by query: awaiting a result would let the test
 * server skip time, and the control's quiet-period timer with it.
 */
async function until(
  h: { query: (q: typeof remediationQuery) => Promise<RemediationState> },
  ...statuses: string[]
) {
  for (let i = 0; i < 600; i++) {
    const s = await h.query(remediationQuery).catch(() => undefined);
    if (s && statuses.includes(s.status)) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${statuses.join(' or ')}`);
}
const start = (name: string) =>
  env.client.workflow.start<typeof remediationWorkflow>('remediationWorkflow', {
    workflowId: `remediate/test/${name}/0`,
    taskQueue,
    args: [input(name)],
  });

describe('circuit breaker', () => {
  it('opens after 2 failures, turns automatic actions into approval-required, closes after the quiet period', async () => {
    for (const name of ['broken-1', 'broken-2']) {
      expect((await until(await start(name), 'failed')).status).toBe('failed');
    }
    const control = env.client.workflow.getHandle(controlWorkflowId(taskQueue));
    // The last failure's signal may still be on its way to the control.
    let status = await control.query(controlStatusQuery);
    for (let i = 0; i < 100 && !status.breaker; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await control.query(controlStatusQuery);
    }
    expect(status.breaker?.reason).toMatch(
      /^2 failures or verification misses within 60 min \(last: remediate\/test\/broken-2\/0: .*AccessDenied/,
    );

    // An automatic action now needs a signed approval from the default approvers (security), and says why.
    const held = await start('healthy-1');
    const state = await until(held, 'awaiting-approval');
    expect(state?.approvalReason).toBe(
      `circuit breaker open since ${status.breaker!.openedAt}: ${status.breaker!.reason}`,
    );
    expect(state.request?.round).toBe(1);
    const requested = published.find(
      (e) => e.type === 'approval.requested' && e.identityKey === identity('healthy-1').key,
    );
    expect(requested?.detail?.groups).toEqual({ security: 1 });
    expect(requested?.detail?.because).toBe(state.approvalReason);
    const unsigned = await held.executeUpdate(decideUpdate, { args: [{ by: 'alice' } as never] });
    expect(unsigned.accepted).toBe(false);
    const answer = await held.executeUpdate(decideUpdate, {
      args: [
        sign(alice, {
          workflowId: state.request!.workflowId,
          runId: state.request!.runId,
          planHash: state.planHash!,
          decision: 'approve',
          reason: 'checked by hand',
        }),
      ],
    });
    expect(answer.accepted).toBe(true);
    expect((await until(held, 'executed')).status).toBe('executed');

    // A protected role is refused even when started by hand.
    const guarded = await start('ops-break-glass');
    const refused = await until(guarded, 'refused');
    expect(refused.status).toBe('refused');
    expect(refused.refusal).toContain('protected pattern arn:aws:iam::*:role/*break-glass*');

    // The policy's brake approvers, with onTimeout auto: read as cancel, a brake never lets an action through alone.
    const waiting = await env.client.workflow.start<typeof remediationWorkflow>('remediationWorkflow', {
      workflowId: 'remediate/test/healthy-timeout/0',
      taskQueue,
      args: [
        {
          ...input('healthy-timeout'),
          approval: { groups: { security: 1 }, timeout: '10m', onTimeout: 'auto', reject: 'any' },
        },
      ],
    });
    expect((await until(waiting, 'awaiting-approval')).request?.round).toBe(1);

    // Quiet for 30 minutes: it closes by itself, and automatic actions act again.
    await env.sleep('31 minutes');
    expect((await until(waiting, 'expired', 'executed')).status).toBe('expired');
    const after = await control.query(controlStatusQuery);
    expect(after.breaker).toBeUndefined();
    expect((await until(await start('healthy-2'), 'executed')).status).toBe('executed');

    const types = published.map((e) => e.type);
    expect(types).toContain('enforcement.breaker-opened');
    expect(types).toContain('enforcement.breaker-closed');
    expect(types).toContain('remediation.refused');
    const opened = published.find((e) => e.type === 'enforcement.breaker-opened')!;
    expect(opened.detail?.reason).toBe(status.breaker!.reason);
  }, 120_000);
});

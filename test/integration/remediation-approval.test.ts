// The approval gate of the remediation workflow, on Temporal's time-skipping test server: a 72-hour approval
// window passes in well under a second. Activities are stand-ins: this is about the gate's logic.

import type { WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../activities/index.ts';
import { testServerPath } from '../../infra/install/index.ts';
import { installQuietRuntime, workflowBundle } from '../../runtime/worker.ts';
import {
  approveUpdate,
  type RemediationInput,
  type RemediationState,
  rejectUpdate,
  remediationQuery,
} from '../../workflows/remediation/definitions.ts';

let env: TestWorkflowEnvironment;
const executed: string[] = [];
const events: string[] = [];

const activities: Pick<
  Activities,
  'planRemediation' | 'executeRemediation' | 'verifyRemediation' | 'publishEnforcementEvent' | 'reserveAct'
> = {
  // The brakes always allow here (they have tests of their own: enforcement-*.test.ts).
  reserveAct: async () => ({ verdict: 'go' }),
  planRemediation: async (input) => ({
    action: input.action,
    identityKey: input.identity.key,
    steps: [{ api: 'iam:PutUserPolicy', target: 'ci', detail: {} }],
  }),
  executeRemediation: async (plan) => {
    executed.push(plan.identityKey);
    return { done: true };
  },
  verifyRemediation: async () => ({ ok: true, detail: 'in place' }),
  publishEnforcementEvent: async (e) => {
    events.push(`${e.identityKey}:${e.type}`);
    return 'id';
  },
};

beforeAll(async () => {
  installQuietRuntime();
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: testServerPath() } },
  });
});
afterAll(async () => env?.teardown());

const input = (key: string, required = 1): RemediationInput => ({
  identity: { key, type: 'aws-user', provider: 'aws', aliases: [], owner: 'claimed@elsewhere' },
  // The owner AWS names (tag or owners file): the one refused; a finding's claim is not.
  owner: 'owner@team',
  action: 'scope-down',
  ruleId: 'excess-privilege',
  mode: 'approval',
  approval: { required, approvers: ['security'] },
  reasons: ['score 85 ≥ 60'],
  findingIds: [],
});

/** Approvals are accepted only once the plan exists and the request is awaiting approval. */
async function awaitingApproval(handle: WorkflowHandle): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await handle.query(remediationQuery)).status === 'awaiting-approval') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('never awaited approval');
}

/** A refused update surfaces as WorkflowUpdateFailedError; the validator's reason is its cause. */
async function expectRefused(update: Promise<unknown>, reason: RegExp): Promise<void> {
  const error = await update.then(
    () => undefined,
    (e: Error & { cause?: Error }) => e,
  );
  expect(error?.cause?.message ?? error?.message).toMatch(reason);
}

async function withWorker<T>(fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `approval-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: activities as Activities,
  });
  return worker.runUntil(fn(taskQueue));
}

describe('remediation approval gate', () => {
  it('expires by itself when nobody decides within the window, acting on nothing', async () => {
    const state = await withWorker((taskQueue) =>
      env.client.workflow.execute('remediationWorkflow', {
        taskQueue,
        workflowId: 'expire-1',
        args: [input('arn:aws:iam::1:user/expire')],
      }),
    );
    expect((state as RemediationState).status).toBe('expired');
    expect(executed).not.toContain('arn:aws:iam::1:user/expire');
  });

  it('refuses the owner, counts distinct approvers, then acts', async () => {
    const key = 'arn:aws:iam::1:user/two';
    const state = await withWorker(async (taskQueue) => {
      const handle = await env.client.workflow.start('remediationWorkflow', {
        taskQueue,
        workflowId: 'two-approvals',
        args: [input(key, 2)],
      });
      await awaitingApproval(handle);
      await expectRefused(
        handle.executeUpdate(approveUpdate, { args: [{ by: 'owner@team', reason: 'mine' }] }),
        /owns the identity/,
      );
      await handle.executeUpdate(approveUpdate, { args: [{ by: 'alice@security', reason: 'ok' }] });
      await expectRefused(
        handle.executeUpdate(approveUpdate, { args: [{ by: 'alice@security', reason: 'again' }] }),
        /already approved/,
      );
      await expectRefused(
        handle.executeUpdate(approveUpdate, { args: [{ by: 'bob@security', reason: '' }] }),
        /reason/,
      );
      await handle.executeUpdate(approveUpdate, { args: [{ by: 'bob@security', reason: 'agreed' }] });
      return handle.result();
    });
    expect(state).toMatchObject({
      status: 'executed',
      approvals: [{ by: 'alice@security' }, { by: 'bob@security' }],
    });
    expect(executed).toContain(key);
    expect(events).toContain(`${key}:remediation.approved`);
  });

  it('a rejection ends it without acting', async () => {
    const key = 'arn:aws:iam::1:user/rejected';
    const state = await withWorker(async (taskQueue) => {
      const handle = await env.client.workflow.start('remediationWorkflow', {
        taskQueue,
        workflowId: 'rejected',
        args: [input(key)],
      });
      await awaitingApproval(handle);
      await handle.executeUpdate(rejectUpdate, {
        args: [{ by: 'carol@security', reason: 'break-glass account, owner notified' }],
      });
      return handle.result();
    });
    expect(state).toMatchObject({ status: 'rejected', rejection: { by: 'carol@security' } });
    expect(executed).not.toContain(key);
  });
});

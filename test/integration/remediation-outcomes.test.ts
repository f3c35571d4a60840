// Outcomes without an act are their own status and event, never `executed`: refused (an account the worker may
// not act in), not applicable (an identity type the action cannot act on), noop (the effect is already there).
// On Temporal's time-skipping test server; the plan is a stand-in, the workflow's logic is what is tested.

import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activities } from '../../activities/index.ts';
import { createServiceSealActivities } from '../../activities/service-seals.ts';
import { installQuietRuntime, workflowBundle } from '../../runtime/worker.ts';
import type { RemediationPlan, RemediationState } from '../../workflows/remediation/definitions.ts';
import { startTimeSkipping } from '../support/time-skipping.ts';

let env: TestWorkflowEnvironment;
const executed: string[] = [];
const events: Array<{ key: string; type: string; detail: Record<string, unknown> }> = [];
const plans: Record<string, Partial<RemediationPlan>> = {
  'arn:aws:iam::333333333333:user/far': {
    account: '333333333333',
    refused: 'account 333333333333 is not configured: …',
  },
  'secret:generic:abc': {
    notApplicable: 'scope-down does not act on secret (only aws-user, aws-role, aws-access-key)',
  },
  'arn:aws:iam::123456789012:user/done': {
    account: '123456789012',
    noop: 'no active access key to deactivate',
  },
};

const activities: Pick<
  Activities,
  'planRemediation' | 'executeRemediation' | 'verifyRemediation' | 'publishEnforcementEvent' | 'reserveAct'
> = {
  // The brakes always allow here (they have tests of their own: enforcement-*.test.ts).
  reserveAct: async () => ({ verdict: 'go' }),
  planRemediation: async (input) => ({
    action: input.action,
    identityKey: input.identity.key,
    steps: [],
    ...plans[input.identity.key],
  }),
  executeRemediation: async (plan) => {
    executed.push(plan.identityKey);
    return {};
  },
  verifyRemediation: async () => ({ ok: true, detail: 'in place' }),
  publishEnforcementEvent: async (e) => {
    events.push({ key: e.identityKey, type: e.type, detail: e.detail ?? {} });
    return 'id';
  },
};

beforeAll(async () => {
  installQuietRuntime();
  env = await startTimeSkipping();
});
afterAll(async () => env?.teardown());

async function run(key: string, type: string): Promise<RemediationState> {
  const taskQueue = `outcome-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities: { ...activities, ...createServiceSealActivities() } as Activities,
  });
  return worker.runUntil(
    env.client.workflow.execute('remediationWorkflow', {
      taskQueue,
      workflowId: `outcome-${key}`,
      args: [
        {
          identity: { key, type, provider: 'aws', aliases: [] },
          action: 'scope-down',
          ruleId: 'r',
          mode: 'auto',
          reasons: [],
          findingIds: [],
        },
      ],
    }),
  ) as Promise<RemediationState>;
}

describe('outcomes without an act', () => {
  it.each([
    ['arn:aws:iam::333333333333:user/far', 'aws-user', 'refused', 'account 333333333333 is not configured'],
    ['secret:generic:abc', 'secret', 'not-applicable', 'does not act on secret'],
    ['arn:aws:iam::123456789012:user/done', 'aws-user', 'noop', 'no active access key'],
  ])('%s (%s) ends %s, published with its reason, and acts on nothing', async (key, type, status, reason) => {
    const state = await run(key, type);
    expect(state.status).toBe(status);
    expect(executed).not.toContain(key);
    const mine = events.filter((e) => e.key === key);
    expect(mine.map((e) => e.type)).toEqual(['remediation.planned', `remediation.${status}`]);
    expect(String(mine[1]!.detail.reason)).toContain(reason);
  });
});

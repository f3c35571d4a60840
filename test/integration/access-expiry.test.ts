// The access-request workflow's clock, on Temporal's time-skipping test server: a grant ends by itself at its
// expiry (recorded, its unread handoff entry discarded), a request nobody approves times out with nothing issued,
// and a pause that starts while people decide refuses the grant after the approval. AWS is stood in for here: the
// grant's AWS side is tested against the emulator in access-grants.test.ts.

import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Activities } from '../../activities/index.ts';
import { createServiceSealActivities } from '../../activities/service-seals.ts';
import { accessRequestInput } from '../../cli/access-client.ts';
import { remediationDecision } from '../../cli/decisions.ts';
import { installQuietRuntime, workflowBundle } from '../../runtime/worker.ts';
import { type AccessGrant, type AccessTerms, accessWorkflowId } from '../../schemas/access.ts';
import { parsePolicy } from '../../schemas/policy.ts';
import { type AccessContext, type AccessState, accessQuery } from '../../workflows/access/definitions.ts';
import { decideUpdate } from '../../workflows/remediation/definitions.ts';
import { person, snapshotOf } from '../support/people.ts';
import { startTimeSkipping } from '../support/time-skipping.ts';

let env: TestWorkflowEnvironment;
const rita = person('rita@example.com', 'deployers');
const alice = person('alice@example.com', 'security');
const events: Array<{ type: string; detail: Record<string, unknown> }> = [];
const discarded: string[] = [];
let paused: AccessContext['paused'];

const policy = parsePolicy({
  version: 1,
  rules: [],
  protectedActions: [
    {
      name: 'read-users',
      actions: ['iam:ListUsers'],
      risk: 'medium',
      role: 'jit',
      maxDuration: '1h',
      requesters: { groups: ['deployers'] },
      riskCeiling: 50,
      approval: { groups: { security: 1 }, timeout: '2h' },
    },
    {
      name: 'plain',
      actions: ['iam:ListUsers'],
      risk: 'low',
      role: 'jit',
      maxDuration: '1h',
      requesters: { groups: ['deployers'] },
      riskCeiling: 50,
    },
  ],
});

const activities: Partial<Activities> = {
  accessContext: async ({ action, identityKey }) => ({
    ...(policy.protectedActions.find((a) => a.name === action)
      ? { action: policy.protectedActions.find((a) => a.name === action)! }
      : {}),
    catalogue: policy.protectedActions.map((a) => a.name),
    directory: snapshotOf([rita, alice]),
    identity: { key: identityKey, account: '123456789012', score: 10, owner: null, compromise: [] },
    ...(paused ? { paused } : {}),
    roleArn: 'arn:aws:iam::123456789012:role/jit',
  }),
  issueGrant: async (input): Promise<AccessGrant> => {
    const issuedAt = new Date();
    return {
      grantId: input.grantId,
      roleArn: input.roleArn,
      roleId: 'AROAEXAMPLEROLEID0001',
      sessionName: `nhi-${input.grantId}`,
      assumedRoleArn: `arn:aws:sts::123456789012:assumed-role/jit/nhi-${input.grantId}`,
      issuedAt: issuedAt.toISOString(),
      expiresAt: new Date(issuedAt.getTime() + input.durationSeconds * 1000).toISOString(),
      durationSeconds: input.durationSeconds,
      policyHash: 'h',
      sessionPolicy: input.sessionPolicy,
      handoffEntry: `nhi-enforce/access/${input.grantId}`,
    };
  },
  noteGrant: async () => {},
  discardHandoff: async ({ entry }) => {
    discarded.push(entry);
    return true;
  },
  revokeGrant: async () => ({ policyName: 'p', document: '{}' }),
  removeRevocation: async () => {},
  publishEnforcementEvent: async (e) => {
    events.push({ type: e.type, detail: e.detail ?? {} });
    return `e-${events.length}`;
  },
};

beforeAll(() => installQuietRuntime());
beforeEach(async () => {
  env = await startTimeSkipping();
});
afterEach(async () => env?.teardown());

const terms = (action: string, grantId: string): AccessTerms => ({
  action,
  identityKey: 'arn:aws:iam::123456789012:user/ci',
  duration: '15m',
  requester: rita.id,
  reason: `test ${grantId}`,
  recipientKey: 'a'.repeat(64),
});

async function run<T>(fn: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'access',
    workflowBundle: await workflowBundle(),
    activities: { ...activities, ...createServiceSealActivities() } as Activities,
  });
  return worker.runUntil(fn());
}

const start = (action: string, grantId: string) =>
  env.client.workflow.start('accessRequestWorkflow', {
    taskQueue: 'access',
    workflowId: accessWorkflowId(grantId),
    args: [
      accessRequestInput(grantId, terms(action, grantId), { person: rita.id, secretKey: rita.secretKey }),
    ],
  });

async function until(handle: { query: (q: typeof accessQuery) => Promise<AccessState> }, status: string) {
  for (let i = 0; i < 400; i++) {
    const s = await handle.query(accessQuery);
    if (s.status === status) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`never ${status}`);
}

describe('access-request workflow over time', () => {
  it('a grant expires by itself at its expiry: recorded, the unread handoff entry discarded', async () => {
    const state = await run(async () => {
      const handle = await start('plain', 'jit-000000000001');
      return handle.result();
    });
    expect(state.status).toBe('expired');
    expect(Date.parse(state.grant!.expiresAt) - Date.parse(state.grant!.issuedAt)).toBe(900_000);
    expect(discarded).toContain('nhi-enforce/access/jit-000000000001');
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'access.requested',
        'access.granted',
        'access.expired',
        'access.handoff-discarded',
      ]),
    );
  });

  it('nobody approves in time: timed out, nothing issued', async () => {
    const state = await run(async () => {
      const handle = await start('read-users', 'jit-000000000002');
      return handle.result();
    });
    expect(state).toMatchObject({ status: 'timed-out' });
    expect(state.grant).toBeUndefined();
    expect(events.some((e) => e.type === 'access.rejected' && e.detail.timedOut === true)).toBe(true);
  });

  it('a pause that starts while people decide refuses the grant after the approval', async () => {
    const state = await run(async () => {
      const handle = await start('read-users', 'jit-000000000003');
      const waiting = await until(handle, 'awaiting-approval');
      paused = { by: 'alice@example.com', reason: 'incident', at: new Date().toISOString() };
      const answer = await handle.executeUpdate(decideUpdate, {
        args: [
          remediationDecision(
            { person: alice.id, secretKey: alice.secretKey },
            waiting.request!,
            'approve',
            'ok',
          ),
        ],
      });
      expect(answer.accepted).toBe(true);
      return handle.result();
    });
    paused = undefined;
    expect(state).toMatchObject({
      status: 'refused',
      refusal: 'enforcement is paused by alice@example.com (incident): no new grants until it resumes',
    });
    expect(state.grant).toBeUndefined();
  });
});

// The approval gate of the remediation workflow, on Temporal's time-skipping test server: 72-hour windows pass in
// well under a second. People sign real Ed25519 decisions; the plan, execute and directory activities are
// stand-ins (this is about the gate's logic, not AWS), except for revoke-sessions, planned and executed against the
// emulator: a plan made from IAM again after the approval and after a hold must hash the same.
import { randomUUID } from 'node:crypto';
import { CreateUserCommand, GetUserPolicyCommand } from '@aws-sdk/client-iam';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodePolicyDocument } from '../../activities/actions/inline-deny.ts';
import { builtInActions } from '../../activities/actions/registry.ts';
import { createAccountClients } from '../../activities/aws/account-clients.ts';
import { awsClients } from '../../activities/aws/clients.ts';
import type { Activities } from '../../activities/index.ts';
import { createRemediationActivities } from '../../activities/remediation.ts';
import { createServiceSealActivities } from '../../activities/service-seals.ts';
import { installQuietRuntime, workflowBundle } from '../../runtime/worker.ts';
import type { Approval } from '../../schemas/policy.ts';
import { signSeal } from '../../schemas/service-seal.ts';
import { type DecisionKind, newKeyPair } from '../../schemas/signed-decision.ts';
import {
  brakesReleasedSignal,
  type DecisionResult,
  decideUpdate,
  exceptionSignal,
  findingsClosedSignal,
  type RemediationInput,
  type RemediationState,
  remediationQuery,
} from '../../workflows/remediation/definitions.ts';
import { person, sign, snapshotOf, type TestPerson } from '../support/people.ts';
import { sealed } from '../support/service-seal.ts';
import { startTimeSkipping } from '../support/time-skipping.ts';

let env: TestWorkflowEnvironment;
const executed: string[] = [];
const events: Array<{ key: string; type: string; detail: Record<string, unknown> }> = [];
/** The plan's version per identity key: a test bumps it to say "the identity changed meanwhile". */
const planVersion = new Map<string, string>();
/** Identity keys a stand-in kill switch holds until a test releases them (brakesReleased). */
const pausedKeys = new Set<string>();

const alice = person('alice@example.com', 'security');
const bob = person('bob@example.com', 'security');
const carol = person('carol@example.com', 'platform');
const owen = person('owen@example.com', 'security', 'team-payments'); // in the owning team
const rita = person('rita@example.com', 'security'); // asked for the remediation
const mallory = person('mallory@example.com', 'marketing');
const lead = person('lead@example.com', 'security-leads');
const stranger = person('stranger@example.com', 'security'); // not in the directory
const directory = snapshotOf([alice, bob, carol, owen, rita, mallory, lead]);

const activities: Pick<
  Activities,
  | 'planRemediation'
  | 'executeRemediation'
  | 'verifyRemediation'
  | 'publishEnforcementEvent'
  | 'loadDirectory'
  | 'reserveAct'
> = {
  // The brakes allow here unless a test pauses a key (they have tests of their own: enforcement-*.test.ts).
  reserveAct: async (r) =>
    pausedKeys.has(r.identityKey)
      ? { verdict: 'hold', reason: 'enforcement paused (test)' }
      : { verdict: 'go' },
  planRemediation: async (input) => {
    const version = planVersion.get(input.identity.key) ?? '1';
    return {
      action: input.action,
      identityKey: input.identity.key,
      steps: [{ api: 'iam:PutUserPolicy', target: 'ci', detail: { version } }],
    };
  },
  executeRemediation: async (plan) => {
    executed.push(plan.identityKey);
    return { done: true };
  },
  verifyRemediation: async () => ({ ok: true, detail: 'in place' }),
  publishEnforcementEvent: async (e) => {
    events.push({ key: e.identityKey, type: e.type, detail: e.detail ?? {} });
    return 'id';
  },
  loadDirectory: async () => directory,
};

// A time-skipping server of its own per test: skipped time is global to a server, so the workflows an earlier test
// left open (an executed remediation's follow-up re-checks, a request open for late decisions) would have their
// timers fired on queues whose worker is gone, and time skipping would wait for them.
beforeAll(() => installQuietRuntime());
beforeEach(async () => {
  env = await startTimeSkipping();
});
afterEach(async () => env?.teardown());

const input = (key: string, approval: Partial<Approval> = {}, extra: Partial<RemediationInput> = {}) =>
  ({
    identity: { key, type: 'aws-user', provider: 'aws', aliases: [] },
    action: 'scope-down',
    ruleId: 'excess-privilege',
    mode: 'approval',
    approval: { groups: { security: 1 }, timeout: '72h', onTimeout: 'cancel', reject: 'any', ...approval },
    owner: 'team-payments',
    reasons: ['score 85 ≥ 60'],
    findingIds: [],
    ...extra,
  }) satisfies RemediationInput;

async function awaitingApproval(handle: WorkflowHandle, round = 1): Promise<RemediationState> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const s = await handle.query(remediationQuery);
    if (s.status === 'awaiting-approval' && s.request?.round === round) return s;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`round ${round} never awaited approval`);
}

/** Sign as `who` over the request as the workflow reports it now (or with `claims` overridden). */
async function decide(
  handle: WorkflowHandle,
  who: TestPerson,
  decision: DecisionKind = 'approve',
  claims: Partial<{ planHash: string; runId: string }> = {},
): Promise<DecisionResult> {
  const s = await handle.query(remediationQuery);
  // Signed at the server's time: after env.sleep skipped hours, the wall clock is outside the decision skew.
  const signed = sign(who, {
    time: new Date(await env.currentTimeMs()).toISOString(),
    workflowId: s.request?.workflowId ?? handle.workflowId,
    runId: claims.runId ?? s.request?.runId ?? 'none',
    planHash: claims.planHash ?? s.planHash ?? '',
    decision,
    reason: `${who.id} says ${decision}`,
  });
  return handle.executeUpdate(decideUpdate, { args: [signed] });
}

/** `real`: activities that replace the stand-ins (the real plan/execute/verify against the emulator). */
async function withWorker<T>(fn: () => Promise<T>, real: Partial<Activities> = {}): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'approval',
    workflowBundle: await workflowBundle(),
    activities: { ...activities, ...real, ...createServiceSealActivities() } as Activities,
  });
  return worker.runUntil(fn());
}

const start = (id: string, args: RemediationInput) =>
  env.client.workflow.start('remediationWorkflow', { taskQueue: 'approval', workflowId: id, args: [args] });

/** Every payload of the workflow's history as text. */
async function historyText(handle: WorkflowHandle): Promise<string> {
  const history = await handle.fetchHistory();
  const parts: string[] = [];
  const walk = (v: unknown, depth = 0): void => {
    if (depth > 40 || v === null || typeof v !== 'object') return;
    if (v instanceof Uint8Array) parts.push(Buffer.from(v).toString('utf8'));
    else for (const inner of Object.values(v)) walk(inner, depth + 1);
  };
  walk(history);
  return parts.join('\n');
}

const eventsOf = (key: string, type: string) => events.filter((e) => e.key === key && e.type === type);
const statusOf = async (handle: WorkflowHandle) => (await handle.query(remediationQuery)).status;

async function expectRefused(result: Promise<DecisionResult>, reason: RegExp): Promise<string> {
  const r = await result;
  expect(r.accepted).toBe(false);
  expect(r.refusal).toMatch(reason);
  expect(r.refusal).not.toContain('\n');
  return r.refusal!;
}

describe('remediation approval gate', () => {
  it('refuses each bad decision with one line, records every attempt in history, then acts', async () => {
    const key = 'arn:aws:iam::111111111111:user/refusals';
    const { state, history, refusals } = await withWorker(async () => {
      const handle = await start(
        'refusals',
        input(key, { groups: { security: 2 } }, { requestedBy: 'rita@example.com' }),
      );
      const open = await awaitingApproval(handle);
      const refusals: string[] = [];
      const refuse = async (r: Promise<DecisionResult>, reason: RegExp) =>
        refusals.push(await expectRefused(r, reason));
      await refuse(decide(handle, stranger), /^unknown person stranger@example\.com \(not in the directory/);
      await refuse(
        decide(handle, mallory),
        /^mallory@example\.com is in none of the groups this rule names \(security\)$/,
      );
      // Bob's name on a decision signed with Alice's key: forged.
      const forged = {
        ...sign(alice, { ...claimsOf(open), decision: 'approve', reason: 'x' }),
        person: bob.id,
      };
      await refuse(
        handle.executeUpdate(decideUpdate, { args: [forged] }),
        /^bad signature: no key of bob@example\.com/,
      );
      await refuse(decide(handle, owen), /^owen@example\.com is the identity's owner \(team-payments\)/);
      await refuse(decide(handle, rita), /^rita@example\.com requested this remediation/);
      await refuse(
        decide(handle, alice, 'approve', { planHash: 'f'.repeat(64) }),
        /^stale plan hash f{12}: the current plan is /,
      );
      await refuse(decide(handle, alice, 'approve', { runId: 'another-run' }), /^signed for another request/);
      const first = await decide(handle, alice);
      expect(first).toMatchObject({ accepted: true, missing: { security: 1 } });
      await refuse(
        decide(handle, alice),
        /^alice@example\.com has already decided on this request \(approve\)$/,
      );
      expect(await statusOf(handle)).toBe('awaiting-approval');
      expect((await decide(handle, bob)).accepted).toBe(true);
      const state = (await handle.result()) as RemediationState;
      return { state, history: await historyText(handle), refusals };
    });
    expect(state.status).toBe('executed');
    expect(state.approvals.map((a) => a.by)).toEqual(['alice@example.com', 'bob@example.com']);
    expect(executed).toContain(key);
    // Every attempt, refused ones included: in the state and, with its reason, in the history.
    expect(state.attempts).toHaveLength(10);
    expect(state.attempts.filter((a) => !a.accepted)).toHaveLength(8);
    for (const refusal of refusals) expect(history).toContain(refusal);
    expect(history).toContain('stranger@example.com');
    expect(eventsOf(key, 'approval.decision')).toHaveLength(10);
  });

  it('2 of security AND 1 of platform acts only after all three', async () => {
    const key = 'arn:aws:iam::111111111111:user/quorum';
    const state = await withWorker(async () => {
      const handle = await start('quorum', input(key, { groups: { security: 2, platform: 1 } }));
      await awaitingApproval(handle);
      expect(await decide(handle, alice)).toMatchObject({
        accepted: true,
        missing: { security: 1, platform: 1 },
      });
      expect(await decide(handle, bob)).toMatchObject({ accepted: true, missing: { platform: 1 } });
      expect(await statusOf(handle)).toBe('awaiting-approval');
      expect(executed).not.toContain(key);
      expect(await decide(handle, carol)).toMatchObject({ accepted: true, missing: {} });
      return (await handle.result()) as RemediationState;
    });
    expect(state.status).toBe('executed');
    expect(executed).toContain(key);
  });

  it('a plan that changed before acting voids the approvals and opens a new request', async () => {
    const key = 'arn:aws:iam::111111111111:user/drift';
    const state = await withWorker(async () => {
      const handle = await start('drift', input(key));
      const first = await awaitingApproval(handle, 1);
      planVersion.set(key, '2'); // the identity changed after the request opened
      expect((await decide(handle, alice)).accepted).toBe(true);
      const second = await awaitingApproval(handle, 2);
      expect(second.planHash).not.toBe(first.planHash);
      expect(second.approvals).toEqual([]);
      expect(second.voided.map((v) => v.by)).toEqual(['alice@example.com']);
      // The old hash no longer counts; a decision over the new one does.
      expect((await decide(handle, bob, 'approve', { planHash: first.planHash })).refusal).toMatch(
        /^stale plan hash/,
      );
      expect((await decide(handle, alice)).accepted).toBe(true);
      return (await handle.result()) as RemediationState;
    });
    expect(state.status).toBe('executed');
    expect(eventsOf(key, 'approval.voided')).toHaveLength(1);
    expect(executed.filter((k) => k === key)).toHaveLength(1);
  });

  it('an automatic action held by the kill switch makes its plan again when released, and acts on the new one', async () => {
    const key = 'arn:aws:iam::111111111111:user/held-auto';
    pausedKeys.add(key);
    const state = await withWorker(async () => {
      const handle = await start('held-auto', input(key, {}, { mode: 'auto' }));
      const deadline = Date.now() + 60_000;
      while ((await handle.query(remediationQuery)).status !== 'held' && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      planVersion.set(key, '2'); // the identity changed while it was held
      pausedKeys.delete(key);
      await handle.signal(brakesReleasedSignal);
      return (await handle.result()) as RemediationState;
    });
    expect(state.status).toBe('executed');
    expect(state.plan?.steps[0]?.detail.version).toBe('2');
    expect(eventsOf(key, 'remediation.planned').map((e) => e.detail.replannedAfter)).toEqual([
      undefined,
      'enforcement paused (test)',
    ]);
    expect(executed.filter((k) => k === key)).toHaveLength(1);
  });

  it('revoke-sessions planned from IAM is approved once and acts: re-plans after the approval and a hold void nothing', async () => {
    const aws = awsClients();
    const name = `approve-rs-${randomUUID().slice(0, 8)}`;
    const key = (await aws.iam.send(new CreateUserCommand({ UserName: name }))).User!.Arn!;
    const { planRemediation, executeRemediation, verifyRemediation } = createRemediationActivities(
      aws,
      createAccountClients(aws, () => ({})),
      builtInActions,
    );
    pausedKeys.add(key); // a kill switch holds it once approved: released, it plans again
    const state = await withWorker(
      async () => {
        const handle = await start(`approve-rs-${name}`, input(key, {}, { action: 'revoke-sessions' }));
        await awaitingApproval(handle);
        expect((await decide(handle, alice)).accepted).toBe(true);
        const deadline = Date.now() + 60_000;
        while ((await statusOf(handle)) !== 'held' && Date.now() < deadline)
          await new Promise((r) => setTimeout(r, 50));
        pausedKeys.delete(key);
        await handle.signal(brakesReleasedSignal);
        return (await handle.result()) as RemediationState;
      },
      { planRemediation, executeRemediation, verifyRemediation },
    );
    expect(state.status).toBe('executed');
    expect(state.request?.round).toBe(1);
    expect(state.voided).toEqual([]);
    expect(state.planCheck).toMatchObject({ after: 'approval', voided: false });
    expect(eventsOf(key, 'approval.voided')).toEqual([]);
    // The executed policy denies sessions issued before the moment it acted, the time its outcome records.
    const issuedBefore = state.outcome?.issuedBefore as string;
    expect(Date.parse(issuedBefore)).not.toBeNaN();
    const landed = await aws.iam.send(
      new GetUserPolicyCommand({ UserName: name, PolicyName: 'nhi-enforce-revoke-sessions' }),
    );
    expect(decodePolicyDocument(landed.PolicyDocument!)).toMatchObject({
      Statement: [{ Effect: 'Deny', Condition: { DateLessThan: { 'aws:TokenIssueTime': issuedBefore } } }],
    });
    expect(state.verification).toMatchObject({ ok: true });
  });

  it('timeout cancel: expires acting on nothing, and a late decision is refused and recorded', async () => {
    const key = 'arn:aws:iam::111111111111:user/expire';
    const { state, history } = await withWorker(async () => {
      const handle = await start(
        'expire',
        input(key, { timeout: '72h', onTimeout: 'cancel', remindEvery: '24h' }),
      );
      await awaitingApproval(handle);
      await env.sleep(72 * 3600_000 + 10 * 60_000); // past the deadline, within the late-decision window
      expect(await statusOf(handle)).toBe('expired');
      const late = await expectRefused(
        decide(handle, alice),
        /^the request expired at .*: nothing was done$/,
      );
      const state = (await handle.result()) as RemediationState;
      expect(await historyText(handle)).toContain(late);
      return { state, history: late };
    });
    expect(state.status).toBe('expired');
    expect(state.attempts).toMatchObject([{ by: 'alice@example.com', accepted: false, refusal: history }]);
    expect(executed).not.toContain(key);
    expect(eventsOf(key, 'approval.reminder').length).toBeGreaterThanOrEqual(2);
    expect(eventsOf(key, 'approval.expired')).toMatchObject([{ detail: { onTimeout: 'cancel' } }]);
  });

  it('timeout escalate: the escalation group may then approve alone', async () => {
    const key = 'arn:aws:iam::111111111111:user/escalate';
    const state = await withWorker(async () => {
      const handle = await start(
        'escalate',
        input(key, { groups: { security: 2 }, timeout: '4h', onTimeout: { escalate: 'security-leads' } }),
      );
      await awaitingApproval(handle);
      expect((await decide(handle, lead)).refusal).toMatch(
        /in none of the groups this rule names \(security\)/,
      );
      await env.sleep('5h');
      expect((await handle.query(remediationQuery)).request?.escalatedTo).toBe('security-leads');
      expect(await decide(handle, lead)).toMatchObject({ accepted: true, missing: {} });
      return (await handle.result()) as RemediationState;
    });
    expect(state.status).toBe('executed');
    expect(eventsOf(key, 'approval.escalated')).toMatchObject([{ detail: { to: 'security-leads' } }]);
  });

  it('timeout auto: acts without approvals when the policy says so', async () => {
    const key = 'arn:aws:iam::111111111111:user/auto';
    const state = await withWorker(async () =>
      env.client.workflow.execute('remediationWorkflow', {
        taskQueue: 'approval',
        workflowId: 'auto',
        args: [input(key, { timeout: '1h', onTimeout: 'auto' })],
      }),
    );
    expect((state as RemediationState).status).toBe('executed');
    expect(eventsOf(key, 'approval.expired')).toMatchObject([{ detail: { onTimeout: 'auto' } }]);
  });

  it('rejection rules: one rejection by an approving group, or a quorum of rejections', async () => {
    const anyKey = 'arn:aws:iam::111111111111:user/reject-any';
    const quorumKey = 'arn:aws:iam::111111111111:user/reject-quorum';
    const [any, quorum] = await withWorker(async () => {
      const a = await start('reject-any', input(anyKey));
      await awaitingApproval(a);
      expect((await decide(a, mallory, 'reject')).refusal).toMatch(/in none of the groups/);
      expect((await decide(a, bob, 'reject')).accepted).toBe(true);
      const q = await start('reject-quorum', input(quorumKey, { groups: { security: 2 }, reject: 'quorum' }));
      await awaitingApproval(q);
      expect((await decide(q, alice, 'reject')).accepted).toBe(true);
      expect(await statusOf(q)).toBe('awaiting-approval');
      expect((await decide(q, bob, 'reject')).accepted).toBe(true);
      return [(await a.result()) as RemediationState, (await q.result()) as RemediationState];
    });
    expect(any).toMatchObject({ status: 'rejected', rejection: { by: 'bob@example.com' } });
    expect(quorum.status).toBe('rejected');
    expect(executed).not.toContain(anyKey);
    expect(executed).not.toContain(quorumKey);
  });

  it('an exception granted meanwhile pauses the request; when it ends a fresh request opens', async () => {
    const key = 'arn:aws:iam::111111111111:user/paused';
    const state = await withWorker(async () => {
      const handle = await start('paused', input(key));
      await awaitingApproval(handle);
      await handle.signal(
        exceptionSignal,
        sealed(
          handle.workflowId,
          exceptionSignal,
          { exceptionId: 'exc-1', active: true, until: '2099-01-01T00:00:00Z' },
          { at: new Date(await env.currentTimeMs()) },
        ),
      );
      const deadline = Date.now() + 60_000;
      while ((await statusOf(handle)) !== 'paused' && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      expect((await decide(handle, alice)).refusal).toMatch(/^the request is paused by exception exc-1/);
      expect(executed).not.toContain(key);
      await handle.signal(
        exceptionSignal,
        sealed(
          handle.workflowId,
          exceptionSignal,
          { exceptionId: 'exc-1', active: false },
          { at: new Date(await env.currentTimeMs()) },
        ),
      );
      await awaitingApproval(handle, 2);
      expect((await decide(handle, alice)).accepted).toBe(true);
      return (await handle.result()) as RemediationState;
    });
    expect(state.status).toBe('executed');
    expect(eventsOf(key, 'approval.paused')).toHaveLength(1);
  });
});

describe('remediation approval gate: forged notices', () => {
  // Both notices come only from the identity workflow, sealed by the worker: unsealed or sealed with a key no worker
  // holds, they are recorded and change nothing (the payload-key cases are in forged-service-messages.test.ts).
  it('a forged exception grant pauses nothing and a forged closure cancels nothing; the approval then acts', async () => {
    const key = 'arn:aws:iam::111111111111:user/forged-notices';
    const state = await withWorker(async () => {
      const handle = await start('forged-notices', input(key, {}, { findingIds: ['f_1'] }));
      await awaitingApproval(handle);
      const pause = { exceptionId: 'exc-9', active: true, until: '2099-01-01T00:00:00Z' };
      const closed = { reason: 'every finding it was started on was closed: f_1', findingIds: ['f_1'] };
      const attacker = newKeyPair().secretKey;
      const at = new Date(await env.currentTimeMs()).toISOString();
      const attackerSeal = (message: string, body: unknown) =>
        signSeal(
          { workflowId: handle.workflowId, message, body, service: 'worker', nonce: message, at },
          attacker,
        );
      await handle.signal(exceptionSignal, pause);
      await handle.signal(exceptionSignal, { ...pause, seal: attackerSeal('exception', pause) });
      await handle.signal(findingsClosedSignal, closed);
      await handle.signal(findingsClosedSignal, { ...closed, seal: attackerSeal('findingsClosed', closed) });
      const deadline = Date.now() + 60_000;
      let s = await handle.query(remediationQuery);
      while ((s.refusedMessages?.length ?? 0) < 4 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        s = await handle.query(remediationQuery);
      }
      expect(s.refusedMessages?.map((r) => `${r.message}: ${r.reason}`)).toEqual([
        'exception: not sealed by a service identity',
        expect.stringMatching(/^exception: the worker service's signature does not verify/),
        'findingsClosed: not sealed by a service identity',
        expect.stringMatching(/^findingsClosed: the worker service's signature does not verify/),
      ]);
      expect(s.status).toBe('awaiting-approval');
      expect(s.pausedBy).toBeUndefined();
      expect((await decide(handle, alice)).accepted).toBe(true);
      return (await handle.result()) as RemediationState;
    });
    expect(state.status).toBe('executed');
    expect(executed).toContain(key);
  });
});

describe('remediation approval gate: the findings it was started on are closed', () => {
  it('a request awaiting approval ends cancelled with the reason; a late approval is refused and acts on nothing', async () => {
    const key = 'arn:aws:iam::111111111111:user/closed';
    const reason = 'every finding it was started on was closed: f_1';
    const state = await withWorker(async () => {
      const handle = await start('closed', input(key, {}, { findingIds: ['f_1'] }));
      await awaitingApproval(handle);
      await handle.signal(
        findingsClosedSignal,
        sealed(
          handle.workflowId,
          findingsClosedSignal,
          { reason, findingIds: ['f_1'] },
          { at: new Date(await env.currentTimeMs()) },
        ),
      );
      const deadline = Date.now() + 60_000;
      while ((await statusOf(handle)) !== 'cancelled' && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const late = await expectRefused(
        decide(handle, alice),
        /^the request was cancelled \(the findings it was started on were closed\): nothing was done$/,
      );
      expect(await historyText(handle)).toContain(late);
      return (await handle.result()) as RemediationState;
    });
    expect(state.status).toBe('cancelled');
    expect(state.cancelled?.reason).toBe(reason);
    expect(executed).not.toContain(key);
    expect(eventsOf(key, 'remediation.cancelled')).toMatchObject([
      { detail: { reason, closedFindingIds: ['f_1'], round: 1 } },
    ]);
  });
});

function claimsOf(s: RemediationState) {
  return { workflowId: s.request!.workflowId, runId: s.request!.runId, planHash: s.planHash! };
}

// Time-boxed exceptions on the time-skipping test server: while an exception is live the action is not started;
// when it expires, enforcement resumes by itself — no new finding, no human. Seven days pass in seconds.
// Activities are stubs (the assessment is fixed): this is about the workflow's clock, not AWS.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assessment } from '../../activities/assess-identity.ts';
import type { EventInput } from '../../activities/events/publish.ts';
import type { Activities } from '../../activities/index.ts';
import { loadPolicy } from '../../activities/policy-source.ts';
import { createServiceSealActivities } from '../../activities/service-seals.ts';
import { exceptionDecision, exceptionRequest } from '../../cli/decisions.ts';
import type { ExceptionSummary } from '../../evidence/exception-summary.ts';
import { exportEvidence } from '../../evidence/export.ts';
import { verifyExport } from '../../evidence/verify.ts';
import { remediationWorkflowId } from '../../risk/decide.ts';
import { createWorker } from '../../runtime/worker.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import {
  decideExceptionUpdate,
  type ExceptionTerms,
  findingsSignal,
  identityQuery,
  identityWorkflowId,
  requestExceptionUpdate,
  revokeExceptionUpdate,
} from '../../workflows/identity/definitions.ts';
import type { IdentityRecord } from '../../workflows/identity/state.ts';
import type { identityWorkflow } from '../../workflows/identity/workflow.ts';
import { remediationQuery } from '../../workflows/remediation/definitions.ts';
import { recordExceptionFixtures, testSigner } from '../support/evidence.ts';
import { person, snapshotOf, type TestPerson } from '../support/people.ts';
import { recordedEvents } from '../support/recorded-events.ts';
import { sealed } from '../support/service-seal.ts';
import { skipWhenIdle, startTimeSkipping } from '../support/time-skipping.ts';
import { unusedAccessActivities } from '../support/unused-access.ts';
import { finding, replay } from './identity-support.ts';

const DAY = 86_400_000;
/**
 * The time-skipping server's time: what the workflows' Date.now() says once days have been skipped. Decisions are
 * signed, and messages sealed, at this time, or the freshness checks rightly refuse them as days old.
 */
const serverNow = async () => new Date(await env.currentTimeMs());
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `id-exc-${randomUUID().slice(0, 8)}`;
const published: EventInput[] = [];
let assessments = 0;
let assessFails = false;

const bob = person('bob@example.com', 'payments'); // asks for exceptions
const alice = person('alice@example.com', 'security'); // approves them
const carl = person('carl@example.com', 'security', 'team-ci'); // security, but in the owning team
const directory = snapshotOf([bob, alice, carl]);

// A user that can reach admin and has an excess-privilege finding: the default policy's scope-down rule fires.
const activities: Activities = {
  assessIdentity: async ({ findings }) => {
    assessments++;
    if (assessFails)
      throw ApplicationFailure.nonRetryable('iam:GetAccountAuthorizationDetails: AccessDenied');
    const score = findings.length ? 72 : 50;
    return {
      assessedAt: new Date().toISOString(),
      policy: loadPolicy(),
      owner: 'team-ci',
      credentials: {},
      roles: [],
      capabilities: [],
      risk: {
        score,
        total: score,
        factors: [
          {
            id: 'capability',
            points: 100,
            weight: 0.5,
            contribution: 50,
            reason: 'holds it directly: full-admin',
          },
          ...(findings.length
            ? [
                {
                  id: 'posture' as const,
                  points: 100,
                  weight: 0.22,
                  contribution: 22,
                  reason: 'excess-privilege',
                },
              ]
            : []),
        ],
      },
    } satisfies Assessment;
  },
  ...recordedEvents(published),
  loadDirectory: async () => directory,
  exceptionContext: async () => ({
    directory,
    limits: loadPolicy().exceptions,
    ruleActions: loadPolicy().rules.map((r) => r.action),
  }),
  planRemediation: async (input) => ({ action: input.action, identityKey: input.identity.key, steps: [] }),
  executeRemediation: async () => ({ done: true }),
  verifyRemediation: async () => ({ ok: true, detail: 'stub' }),
  rollbackRemediation: async () => ({ done: true }),
  verifyRollback: async () => ({ ok: true, detail: 'stub' }),
  reserveAct: async () => ({ verdict: 'go' }),
  resolveTeamAction: async () => ({ refused: 'no team actions here' }),
  ...unusedAccessActivities,
  ...createServiceSealActivities(),
};

async function startEnvironment() {
  env = await startTimeSkipping();
  // The test environment's client has no payload codec: its worker must not encrypt either.
  worker = await createWorker(env.nativeConnection, activities, taskQueue, { dataConverter: {} });
  running = worker.run();
}

async function stopEnvironment() {
  worker?.shutdown();
  await running;
  await env?.teardown();
}

beforeAll(async () => {
  // Before the environment creates the default runtime: the failing-assessment case logs warnings on purpose.
  Runtime.install({ logger: new DefaultLogger(process.env.DBG ? 'WARN' : 'ERROR') });
  await startEnvironment();
}, 120_000);

afterAll(stopEnvironment);

const identity: IdentityRef = {
  key: 'arn:aws:iam::123456789012:user/nightly-batch',
  type: 'aws-user',
  provider: 'aws',
  account: '123456789012',
  aliases: [],
};
const terms = (key: string, days: number, extra: Partial<ExceptionTerms> = {}): ExceptionTerms => ({
  identityKey: key,
  action: 'scope-down',
  for: `${days}d`,
  ticket: 'CHG-1234',
  ...extra,
});

/** Bob asks (signed), the answer says whether it opened. */
const ask = async (handle: WorkflowHandle, key: string, days: number, extra: Partial<ExceptionTerms> = {}) =>
  handle.executeUpdate(requestExceptionUpdate, {
    args: [
      exceptionRequest(
        { person: bob.id, secretKey: bob.secretKey },
        terms(key, days, extra),
        'batch job needs its access until the migration lands',
        (await serverNow()).toISOString(),
      ),
    ],
  });

async function decideException(
  handle: WorkflowHandle,
  key: string,
  who: TestPerson,
  id: string,
  decision: 'approve' | 'reject' | 'revoke',
) {
  const r = await handle.query(identityQuery);
  const hash = r.exceptionRequests.find((x) => x.id === id)?.termsHash ?? '';
  const signed = exceptionDecision(
    { person: who.id, secretKey: who.secretKey },
    key,
    id,
    hash,
    decision,
    `${who.id}: ${decision}`,
    (await serverNow()).toISOString(),
  );
  return handle.executeUpdate(decision === 'revoke' ? revokeExceptionUpdate : decideExceptionUpdate, {
    args: [signed],
  });
}

const startIdentity = (who: IdentityRef) =>
  env.client.workflow.start<typeof identityWorkflow>('identityWorkflow', {
    workflowId: identityWorkflowId(who.key),
    taskQueue,
    args: [{ identity: who }],
  });

/** An excess-privilege finding delivered as the consumer does (sealed): it crosses the scope-down rule. */
async function sendPrivilegeFinding(handle: WorkflowHandle, who: IdentityRef, seed: string): Promise<void> {
  await handle.signal(
    findingsSignal,
    sealed(
      handle.workflowId,
      findingsSignal,
      { identity: who, findings: [finding(who, 'excess-privilege', { seed })] },
      { at: await serverNow() },
    ),
  );
}

describe('exceptions as requests', () => {
  it('refuses a self-approval; an approved one holds the action; expiry resumes enforcement by itself', async () => {
    const workflowId = identityWorkflowId(identity.key);
    const handle = await startIdentity(identity);
    const remediationId = remediationWorkflowId(identity.key, 'scope-down', 0);

    // Refused requests: longer than the policy allows, an action that does not apply to a user.
    expect((await ask(handle, identity.key, 31)).refusal).toMatch(/^an exception may last at most 30 days/);
    expect((await ask(handle, identity.key, 7, { action: 'rotate-secret' })).refusal).toMatch(
      /^rotate-secret does not apply to aws-user identities/,
    );
    expect((await ask(handle, identity.key, 7, { action: 'payments/no-such' })).refusal).toMatch(
      /^no action payments\/no-such in the policy/,
    );
    const opened = await ask(handle, identity.key, 7);
    expect(opened).toMatchObject({ accepted: true, id: 'exc-1', status: 'open' });

    // Bob cannot approve his own request; a non-member cannot either.
    expect((await decideException(handle, identity.key, bob, 'exc-1', 'approve')).refusal).toBe(
      'bob@example.com requested this exception and cannot approve it',
    );
    const granted = await decideException(handle, identity.key, alice, 'exc-1', 'approve');
    expect(granted).toMatchObject({ accepted: true, status: 'granted' });
    expect((await decideException(handle, identity.key, alice, 'exc-1', 'approve')).refusal).toMatch(
      /already decided \(approved\)/,
    );

    // The finding that crosses the policy arrives while the exception is live: assessed, not acted on.
    await handle.signal(
      findingsSignal,
      sealed(
        handle.workflowId,
        findingsSignal,
        {
          identity,
          findings: [finding(identity, 'excess-privilege', { seed: 'exc/priv' })],
        },
        { at: await serverNow() },
      ),
    );
    const assessed = await waitForRecord(handle, (r) => r.assessment?.risk.score === 72);
    expect(assessed.remediations).toEqual([]);
    expect(assessed.exceptions[0]).toMatchObject({
      id: 'exc-1',
      requestedBy: bob.id,
      approvedBy: alice.id,
      ticket: 'CHG-1234',
    });
    // Once assessed, the owner tag (team-ci) is known: a member of the owning team cannot approve.
    const second = await ask(handle, identity.key, 3);
    expect((await decideException(handle, identity.key, carl, second.id!, 'approve')).refusal).toMatch(
      /^carl@example\.com is the identity's owner \(team-ci\)/,
    );
    await expect(env.client.workflow.getHandle(remediationId).describe()).rejects.toThrow();

    await skipWhenIdle(env, [handle], 6 * DAY);
    expect((await handle.query(identityQuery)).remediations).toEqual([]);
    const before = assessments;

    // A day later the exception has run out: the workflow's own timer wakes it, it assesses again and acts.
    await skipWhenIdle(env, [handle], DAY + 3_600_000);
    const after = await waitForRecord(handle, (r) => r.remediations.length > 0);
    expect(after.remediations).toEqual([
      expect.objectContaining({
        action: 'scope-down',
        ruleId: 'excess-privilege',
        workflowId: remediationId,
      }),
    ]);
    expect(after.findingIds).toHaveLength(1); // no new finding was needed
    expect(after.exceptions[0]?.expiredAt).toBeDefined();
    expect(after.exceptionRequests.find((r) => r.id === second.id)?.status).toBe('expired');
    expect(assessments).toBe(before + 1);
    const remediation = await waitFor(async () => {
      const state = await env.client.workflow.getHandle(remediationId).query(remediationQuery);
      return state.status === 'awaiting-approval' ? state : undefined;
    });
    expect(remediation.input.reasons[0]).toBe('risk score 72 ≥ 60');
    expect(remediation.input.owner).toBe('team-ci');
    const types = published.filter((e) => e.identityKey === identity.key).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'exception.requested',
        'exception.decision',
        'exception.granted',
        'exception.expired',
        'remediation.started',
      ]),
    );
    expect(types.indexOf('exception.expired')).toBeLessThan(types.indexOf('remediation.started'));

    await env.client.workflow.getHandle(remediationId).terminate('test over');
    await handle.terminate('test over');
    const history = await handle.fetchHistory();
    expect(await replay([{ workflowId, history }])).toEqual([]);
  }, 120_000);

  it('a grant pauses a matching remediation that awaits approval', async () => {
    const user: IdentityRef = { ...identity, key: 'arn:aws:iam::123456789012:user/pause' };
    const handle = await startIdentity(user);
    await sendPrivilegeFinding(handle, user, 'pause/priv');
    const started = await waitForRecord(handle, (r) => r.remediations.length > 0);
    const remediation = env.client.workflow.getHandle(started.remediations[0]!.workflowId);
    await waitFor(async () =>
      (await remediation.query(remediationQuery)).status === 'awaiting-approval' ? 1 : undefined,
    );
    const opened = await ask(handle, user.key, 2);
    await decideException(handle, user.key, alice, opened.id!, 'approve');
    const paused = await waitFor(async () => {
      const s = await remediation.query(remediationQuery);
      return s.status === 'paused' ? s : undefined;
    });
    expect(paused.pausedBy).toMatchObject({ exceptionId: opened.id });
    // Two days later the exception ends by itself and the request opens again, with a fresh round.
    await skipWhenIdle(env, [handle, remediation], 2 * DAY + 60_000);
    const reopened = await waitFor(async () => {
      const s = await remediation.query(remediationQuery);
      return s.status === 'awaiting-approval' && (s.request?.round ?? 0) >= 2 ? s : undefined;
    });
    expect(reopened.pausedBy).toBeUndefined();
    await remediation.terminate('test over');
    await handle.terminate('test over');
  }, 60_000);
  it('revoke ends an exception at once and enforcement resumes', async () => {
    const user: IdentityRef = { ...identity, key: 'arn:aws:iam::123456789012:user/revoked' };
    const handle = await startIdentity(user);
    const opened = await ask(handle, user.key, 7);
    await decideException(handle, user.key, alice, opened.id!, 'approve');
    await sendPrivilegeFinding(handle, user, 'rev/priv');
    const held = await waitForRecord(handle, (r) => r.assessment?.risk.score === 72);
    expect(held.remediations).toEqual([]);
    // Someone outside the request and the approver groups may not end it.
    const mallory = person('mallory@example.com', 'marketing');
    expect((await decideException(handle, user.key, mallory, opened.id!, 'revoke')).refusal).toMatch(
      /^unknown person/,
    );
    expect(await decideException(handle, user.key, bob, opened.id!, 'revoke')).toMatchObject({
      accepted: true,
      status: 'revoked',
    });
    const resumed = await waitForRecord(handle, (r) => r.remediations.length > 0);
    expect(resumed.exceptions[0]).toMatchObject({ revokedBy: bob.id, expiredAt: expect.any(String) });
    expect(resumed.remediations.map((r) => r.action)).toEqual(['scope-down']);
    const remediation = env.client.workflow.getHandle(resumed.remediations[0]!.workflowId);
    await waitFor(async () =>
      (await remediation.query(remediationQuery)).status === 'awaiting-approval' ? 1 : undefined,
    );
    await remediation.terminate('test over');
    await handle.terminate('test over');
  }, 60_000);

  it('a grant made before the first finding (update-with-start) holds', async () => {
    const user: IdentityRef = { ...identity, key: 'arn:aws:iam::123456789012:user/pregrant' };
    const { WithStartWorkflowOperation } = await import('@temporalio/client');
    const startOp = new WithStartWorkflowOperation<typeof identityWorkflow>('identityWorkflow', {
      workflowId: identityWorkflowId(user.key),
      taskQueue,
      args: [{ identity: user }],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    const opened = await env.client.workflow.executeUpdateWithStart(requestExceptionUpdate, {
      args: [
        exceptionRequest(
          { person: bob.id, secretKey: bob.secretKey },
          terms(user.key, 7),
          'before go-live',
          (await serverNow()).toISOString(),
        ),
      ],
      startWorkflowOperation: startOp,
    });
    expect(opened).toMatchObject({ accepted: true, id: 'exc-1' });
    const handle = await startOp.workflowHandle();
    await decideException(handle, user.key, alice, 'exc-1', 'approve');
    await sendPrivilegeFinding(handle, user, 'pre/priv');
    const held = await waitForRecord(handle, (r) => r.assessment?.risk.score === 72);
    expect(held.remediations).toEqual([]);
    expect(held.exceptions).toMatchObject([{ id: 'exc-1', action: 'scope-down' }]);
    await handle.terminate('test over');
  }, 60_000);

  it('each exception request is its own evidence case: derived from the history, verified, in the report', async () => {
    const batch = identity.key;
    const revokedKey = 'arn:aws:iam::123456789012:user/revoked';
    const out = join(mkdtempSync(join(tmpdir(), 'nhi-exc-evidence-')), 'export');
    const progress: string[] = [];
    const result = await exportEvidence(env.client, {
      outDir: out,
      signer: testSigner(),
      workflowIds: [identityWorkflowId(batch), identityWorkflowId(revokedKey)],
      progress: (l) => progress.push(l),
    });
    expect(progress).toContain('evidence: 6 other case(s) (exception)');
    const byId = new Map(result.cases.map((c) => [c.id, c as ExceptionSummary]));
    expect([...byId.keys()]).toEqual([
      `refused-1@${batch}`,
      `refused-2@${batch}`,
      `refused-3@${batch}`,
      `exc-1@${batch}`,
      `exc-2@${batch}`,
      `exc-1@${revokedKey}`,
    ]);
    expect(byId.get(`refused-1@${batch}`)).toMatchObject({
      status: 'refused',
      requestedBy: bob.id,
      refusal: expect.stringMatching(/^an exception may last at most 30 days/),
    });
    // Granted by alice after bob's own approval was refused; ran out seven days later by its own timer.
    const granted = byId.get(`exc-1@${batch}`)!;
    expect(granted).toMatchObject({
      status: 'ended',
      action: 'scope-down',
      for: '7d',
      ticket: 'CHG-1234',
      requestedBy: bob.id,
      approvedBy: alice.id,
      expiresAt: expect.any(String),
      endedAt: expect.any(String),
      policy: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/), exceptions: { maxDurationDays: 30 } },
      enforcement: {
        action: 'exception: pause scope-down for 7d',
        identity: batch,
        target: [batch],
        approvers: [alice.id],
        refusedBy: [],
        controls: ['AU-10', 'CM-3'],
      },
    });
    expect(granted.enforcement.policyDecision).toMatch(/^exception ended; policy allows at most 30 day\(s\)/);
    expect(granted.decisions.map((d) => [d.kind, d.by, d.outcome, d.signatureValid])).toEqual([
      ['request', bob.id, 'accepted', true],
      ['approval', bob.id, 'refused', true],
      ['approval', alice.id, 'accepted', true],
      ['approval', alice.id, 'refused', true],
    ]);
    expect(granted.decisions[1]!.failure).toBe(
      'bob@example.com requested this exception and cannot approve it',
    );
    // The owner's approval refused; nobody else decided in time.
    expect(byId.get(`exc-2@${batch}`)?.status).toBe('expired');
    expect(byId.get(`exc-2@${batch}`)?.approvedBy).toBeUndefined();
    // Revoked by its requester after an unknown person's attempt was refused.
    const revoked = byId.get(`exc-1@${revokedKey}`)!;
    expect(revoked).toMatchObject({
      status: 'revoked',
      revoked: { by: bob.id, reason: `${bob.id}: revoke` },
    });
    expect(revoked.decisions.filter((d) => d.kind === 'revocation').map((d) => [d.by, d.outcome])).toEqual([
      ['mallory@example.com', 'refused'],
      [bob.id, 'accepted'],
    ]);

    const verified = verifyExport(out);
    expect(verified.problems).toEqual([]);
    recordExceptionFixtures(out, result.manifest);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain(`exception exc-1@${batch}`);
    expect(html).toContain('Approved by: alice@example.com. Rejected by: (nobody).');

    // A summary edited to claim another approver is named against its history (and the manifest hash breaks).
    const path = result.manifest.cases.find((c) => c.kind === 'exception' && c.id === `exc-1@${batch}`)!;
    const file = join(out, (path as { summary: string }).summary);
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        '"approvedBy": "alice@example.com"',
        '"approvedBy": "carl@example.com"',
      ),
    );
    const tampered = verifyExport(out);
    expect(tampered.ok).toBe(false);
    expect(tampered.problems.map((p) => p.problem)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^changed \(sha256/),
        'differs from its history at approvedBy: history says "alice@example.com", file says "carl@example.com"',
      ]),
    );
  }, 60_000);
});

describe('an assessment that keeps failing', () => {
  it('keeps every finding, keeps the workflow running and retries with backoff until it succeeds', async () => {
    // A time-skipping server of its own: workflows the cases above left waiting (follow-up re-checks of an executed
    // action) would otherwise keep the server from skipping the minutes this case sleeps.
    await stopEnvironment();
    await startEnvironment();
    const user: IdentityRef = { ...identity, key: 'arn:aws:iam::123456789012:user/flaky' };
    const handle = await env.client.workflow.start<typeof identityWorkflow>('identityWorkflow', {
      workflowId: identityWorkflowId(user.key),
      taskQueue,
      args: [{ identity: user }],
    });
    assessFails = true;
    const first = finding(user, 'excess-privilege', { seed: 'flaky/1' });
    await handle.signal(
      findingsSignal,
      sealed(
        handle.workflowId,
        findingsSignal,
        { identity: user, findings: [first] },
        { at: await serverNow() },
      ),
    );
    const failed = await waitForRecord(handle, (r) => r.assessmentError !== undefined);
    expect(failed.assessmentError).toMatchObject({
      failures: 1,
      message: expect.stringContaining('AccessDenied'),
    });
    expect(failed.assessment).toBeUndefined();

    // More findings while it is failing: merged at once, nothing lost.
    const second = finding(user, 'misconfiguration', { seed: 'flaky/2' });
    await handle.signal(
      findingsSignal,
      sealed(
        handle.workflowId,
        findingsSignal,
        { identity: user, findings: [second] },
        { at: await serverNow() },
      ),
    );
    await waitForRecord(handle, (r) => r.findingIds.length === 2);

    // The first retry comes a minute later (and fails again); backoff doubles.
    await skipWhenIdle(env, [handle], 61_000);
    const again = await waitForRecord(handle, (r) => (r.assessmentError?.failures ?? 0) >= 2);
    expect(Date.parse(again.assessmentError!.retryAt) - Date.parse(again.assessmentError!.at)).toBe(120_000);

    // AWS is back: the next retry succeeds and the policy acts on everything that arrived meanwhile.
    assessFails = false;
    await skipWhenIdle(env, [handle], 121_000);
    const ok = await waitForRecord(handle, (r) => r.assessment !== undefined && r.remediations.length > 0);
    expect(ok.assessmentError).toBeUndefined();
    expect(ok.findingIds).toEqual([first.id, second.id]);
    expect(ok.remediations.map((r) => r.action)).toEqual(['scope-down']);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await env.client.workflow.getHandle(ok.remediations[0]!.workflowId).terminate('test over');
    await handle.terminate('test over');
  }, 180_000);
});

async function waitFor<T>(probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((res) => setTimeout(res, 100));
  }
}

const waitForRecord = (handle: WorkflowHandle, ok: (r: IdentityRecord) => boolean) =>
  waitFor(async () => {
    const r = await handle.query(identityQuery);
    return ok(r) ? r : undefined;
  });

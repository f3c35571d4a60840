// Time-boxed exceptions on the time-skipping test server: while an exception is live the action is not started;
// when it expires, enforcement resumes by itself — no new finding, no human. Seven days pass in seconds.
// Activities are stubs (the assessment is fixed): this is about the workflow's clock, not AWS.
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Assessment } from '../../activities/assess-identity.ts';
import type { EventInput } from '../../activities/events/publish.ts';
import type { Activities } from '../../activities/index.ts';
import { loadPolicy } from '../../activities/policy-source.ts';
import { testServerPath } from '../../infra/install/index.ts';
import { remediationWorkflowId } from '../../risk/decide.ts';
import { createWorker } from '../../runtime/worker.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import {
  type ExceptionRequest,
  findingsSignal,
  grantExceptionUpdate,
  identityQuery,
  identityWorkflowId,
} from '../../workflows/identity/definitions.ts';
import type { IdentityRecord } from '../../workflows/identity/state.ts';
import type { identityWorkflow } from '../../workflows/identity/workflow.ts';
import { remediationQuery } from '../../workflows/remediation/definitions.ts';
import { finding, recordFixture, replay } from './identity-support.ts';

const DAY = 86_400_000;
let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `id-exc-${randomUUID().slice(0, 8)}`;
const published: EventInput[] = [];
let assessments = 0;
let assessFails = false;

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
  publishEnforcementEvent: async (event) => {
    published.push(event);
    return `event-${published.length}`;
  },
  identityVisibility: async () => ({ searchAttributes: [], memo: false }),
  archiveEvidence: async () => {
    throw new Error('not part of this test');
  },
  planRemediation: async (input) => ({ action: input.action, identityKey: input.identity.key, steps: [] }),
  executeRemediation: async () => ({ done: true }),
  verifyRemediation: async () => ({ ok: true, detail: 'stub' }),
  rollbackRemediation: async () => ({ done: true }),
  verifyRollback: async () => ({ ok: true, detail: 'stub' }),
  reserveAct: async () => ({ verdict: 'go' }),
};

beforeAll(async () => {
  // Before the environment creates the default runtime: the failing-assessment case logs warnings on purpose.
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

const identity: IdentityRef = {
  key: 'arn:aws:iam::123456789012:user/nightly-batch',
  type: 'aws-user',
  provider: 'aws',
  account: '123456789012',
  aliases: [],
};
const request = (days: number, extra: Partial<ExceptionRequest> = {}): ExceptionRequest => ({
  action: 'scope-down',
  expiresAt: new Date(Date.now() + days * DAY).toISOString(), // replaced below with the server's clock
  requestedBy: 'bob@payments',
  approvedBy: 'alice@security',
  reason: 'batch job needs its access until the migration lands',
  ...extra,
});

describe('exception expiry', () => {
  it('pauses the action while live and starts it by itself when the exception expires', async () => {
    const workflowId = identityWorkflowId(identity.key);
    const handle = await env.client.workflow.start<typeof identityWorkflow>('identityWorkflow', {
      workflowId,
      taskQueue,
      args: [{ identity }],
    });
    const remediationId = remediationWorkflowId(identity.key, 'scope-down', 0);

    // Refused: approving one's own request, a longer exception than the policy allows.
    const refusal = (r: ExceptionRequest) =>
      handle.executeUpdate(grantExceptionUpdate, { args: [r] }).then(
        () => 'granted',
        (e: Error) => String((e.cause as Error | undefined)?.message ?? e.message),
      );
    expect(await refusal(request(7, { approvedBy: 'bob@payments' }))).toContain('cannot approve their own');
    expect(await refusal(request(31))).toContain('at most 30 days');

    const granted = await handle.executeUpdate(grantExceptionUpdate, { args: [request(7)] });
    expect(granted).toMatchObject({ action: 'scope-down', approvedBy: 'alice@security' });

    // The finding that crosses the policy arrives while the exception is live: assessed, not acted on.
    await handle.signal(findingsSignal, {
      identity,
      findings: [finding(identity, 'excess-privilege', { seed: 'exc/priv' })],
    });
    const assessed = await waitForRecord(handle, (r) => r.assessment?.risk.score === 72);
    expect(assessed.remediations).toEqual([]);
    // Once assessed, the owner tag is known: the owner cannot approve either.
    expect(await refusal(request(3, { approvedBy: 'team-ci' }))).toContain('owns the identity');
    await expect(env.client.workflow.getHandle(remediationId).describe()).rejects.toThrow();

    await env.sleep(6 * DAY);
    expect((await handle.query(identityQuery)).remediations).toEqual([]);
    const before = assessments;

    // A day later the exception has run out: the workflow's own timer wakes it, it assesses again and acts.
    await env.sleep(DAY + 3_600_000);
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
    expect(assessments).toBe(before + 1);
    // scope-down is an approval-mode rule: the remediation now waits for a reviewer.
    const remediation = await waitFor(async () => {
      const state = await env.client.workflow.getHandle(remediationId).query(remediationQuery);
      return state.status === 'awaiting-approval' ? state : undefined;
    });
    expect(remediation.input.reasons[0]).toBe('risk score 72 ≥ 60');
    expect(published.map((e) => e.type)).toEqual([
      'exception.granted',
      'identity.assessed',
      'exception.expired',
      'identity.assessed',
      'remediation.started',
      'remediation.planned',
    ]);

    await env.client.workflow.getHandle(remediationId).terminate('test over');
    await handle.terminate('test over');
    const history = await handle.fetchHistory();
    expect(await replay([{ workflowId, history }])).toEqual([]);
    recordFixture('identity-exception-expiry', history);
  }, 120_000);
});

describe('an assessment that keeps failing', () => {
  it('keeps every finding, keeps the workflow running and retries with backoff until it succeeds', async () => {
    const user: IdentityRef = { ...identity, key: 'arn:aws:iam::123456789012:user/flaky' };
    const handle = await env.client.workflow.start<typeof identityWorkflow>('identityWorkflow', {
      workflowId: identityWorkflowId(user.key),
      taskQueue,
      args: [{ identity: user }],
    });
    assessFails = true;
    const first = finding(user, 'excess-privilege', { seed: 'flaky/1' });
    await handle.signal(findingsSignal, { identity: user, findings: [first] });
    const failed = await waitForRecord(handle, (r) => r.assessmentError !== undefined);
    expect(failed.assessmentError).toMatchObject({
      failures: 1,
      message: expect.stringContaining('AccessDenied'),
    });
    expect(failed.assessment).toBeUndefined();

    // More findings while it is failing: merged at once, nothing lost.
    const second = finding(user, 'misconfiguration', { seed: 'flaky/2' });
    await handle.signal(findingsSignal, { identity: user, findings: [second] });
    await waitForRecord(handle, (r) => r.findingIds.length === 2);

    // The first retry comes a minute later (and fails again); backoff doubles.
    await env.sleep(61_000);
    const again = await waitForRecord(handle, (r) => (r.assessmentError?.failures ?? 0) >= 2);
    expect(Date.parse(again.assessmentError!.retryAt) - Date.parse(again.assessmentError!.at)).toBe(120_000);

    // AWS is back: the next retry succeeds and the policy acts on everything that arrived meanwhile.
    assessFails = false;
    await env.sleep(121_000);
    const ok = await waitForRecord(handle, (r) => r.assessment !== undefined && r.remediations.length > 0);
    expect(ok.assessmentError).toBeUndefined();
    expect(ok.findingIds).toEqual([first.id, second.id]);
    expect(ok.remediations.map((r) => r.action)).toEqual(['scope-down']);
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await env.client.workflow.getHandle(ok.remediations[0]!.workflowId).terminate('test over');
    await handle.terminate('test over');
  }, 60_000);
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

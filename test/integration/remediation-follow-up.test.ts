// After acting, through the pipeline's path (a finding delivered as the consumer does → identity workflow →
// remediation → follow-up): drift is detected by the re-check and enforced again; `nhi rollback` restores the
// pre-state, verified, recorded and published; scope-down is planned from the identity's CloudTrail activity;
// revoke-sessions is put back with its first execution's cut-off, not a new one.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  DeleteUserPolicyCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodePolicyDocument } from '../../activities/actions/inline-deny.ts';
import { actionNamed } from '../../activities/actions/registry.ts';
import { awsClients } from '../../activities/aws/clients.ts';
import { remediationWorkflowId } from '../../risk/decide.ts';
import { RESIDUAL_POINTS } from '../../risk/residual.ts';
import type { Finding } from '../../schemas/finding.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import {
  type FollowUpState,
  followUpQuery,
  followUpWorkflowId,
  type RemediationPlan,
  type RemediationState,
} from '../../workflows/remediation/definitions.ts';
import { remediationFollowUpWorkflow } from '../../workflows/remediation/follow-up.ts';
import { collect } from '../support/kafka.ts';
import { directoryFile, keyFiles, person, sign } from '../support/people.ts';
import {
  deliver,
  finding,
  seedAdminUser,
  startTestWorker,
  type TestWorker,
  waitFor,
} from './identity-support.ts';
import { denied, workload } from './workload-support.ts';

const nhi = fileURLToPath(new URL('../../bin/nhi.js', import.meta.url));
const run = promisify(execFile);

const policy = `version: 1
remediation:
  recheckEverySeconds: [2]
  onDrift: reenforce
  rollbackWindowHours: 0.2
rules:
  - id: leaked-key
    when: { minScore: 0, kinds: [exposed-secret], identityTypes: [aws-access-key] }
    action: deactivate-key
    mode: auto
  - id: scope-down-now
    when: { minScore: 0, kinds: [excess-privilege], identityTypes: [aws-user] }
    action: scope-down
    mode: auto
`;

let worker: TestWorker;
// Automatic rules are rolled back by security (the policy names no rollback groups); bob is in platform.
const alice = person('alice@example.com', 'security');
const bob = person('bob@example.com', 'platform');

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'nhi-follow-up-'));
  writeFileSync(join(dir, 'policy.yaml'), policy);
  process.env.NHI_POLICY_FILE = join(dir, 'policy.yaml');
  process.env.NHI_DIRECTORY_FILE = directoryFile([alice, bob], dir);
  process.env.NHI_KEYS_DIR = keyFiles([alice, bob], join(dir, 'keys'));
  worker = await startTestWorker('follow-up');
});
afterAll(async () => {
  await worker?.stop();
});

async function executed(workflowId: string): Promise<RemediationState> {
  const state = (await waitFor(`${workflowId} to finish`, async () =>
    worker.client.workflow.getHandle(workflowId).result(),
  )) as RemediationState;
  expect(state.status).toBe('executed');
  worker.terminateAtStop.push(state.followUpWorkflowId!);
  return state;
}

const followUp = (id: string) => worker.client.workflow.getHandle(id).query(followUpQuery);

/** A follow-up started by hand for an action this test executed itself (no remediation workflow before it). */
async function startFollowUp(o: {
  remediationId: string;
  plan: RemediationPlan;
  outcome: Record<string, unknown>;
  key: IdentityRef;
  action: string;
  onDrift: 'alert' | 'reenforce';
  actedAt?: string;
}): Promise<string> {
  const id = followUpWorkflowId(o.remediationId);
  worker.terminateAtStop.push(id);
  await worker.client.workflow.start(remediationFollowUpWorkflow, {
    workflowId: id,
    taskQueue: worker.taskQueue,
    args: [
      {
        remediationId: o.remediationId,
        plan: o.plan,
        outcome: o.outcome,
        ...(o.actedAt ? { actedAt: o.actedAt } : {}),
        input: {
          identity: o.key,
          action: o.action,
          ruleId: 'manual',
          mode: 'auto',
          reasons: [],
          findingIds: [],
          followUp: { recheckEverySeconds: [2], onDrift: o.onDrift, rollbackWindowHours: 0.2 },
        },
      },
    ],
  });
  return id;
}

async function rollback(remediationId: string, ...extra: string[]) {
  return run(
    process.execPath,
    [nhi, 'rollback', remediationId, '--as', alice.id, '--reason', 'false positive', ...extra],
    {
      env: process.env,
    },
  ).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

describe('follow-up after a remediation', () => {
  it('deactivate-key: drift (key re-activated by hand) is enforced again; nhi rollback makes it Active', async () => {
    const name = `fu-${randomUUID().slice(0, 8)}`;
    const { key } = await seedAdminUser(name);
    await deliver(worker.client, worker.taskQueue, key, [finding(key, 'exposed-secret')]);
    const id = remediationWorkflowId(key.key, 'deactivate-key', 0);
    const state = await executed(id);
    expect(state.plan?.rollback).toEqual({ possible: true, how: 'sets the deactivated key(s) Active again' });
    const status = async () =>
      (await awsClients().iam.send(new ListAccessKeysCommand({ UserName: name }))).AccessKeyMetadata?.[0]
        ?.Status;
    expect(await status()).toBe('Inactive');
    // Contained: the key scores what an inactive key can do, naming the remediation (risk/residual.ts).
    const identityRecord = () =>
      worker.client.workflow.getHandle(identityWorkflowId(key.key)).query(identityQuery);
    const residual = await waitFor('the residual score', async () => {
      const risk = (await identityRecord()).assessment?.risk;
      return risk?.factors[0]?.id === 'residual' ? risk : undefined;
    });
    expect(residual.score).toBe(RESIDUAL_POINTS);
    expect(residual.factors[0]!.reason).toContain(`deactivated by ${id} at `);

    await awsClients().iam.send(
      new UpdateAccessKeyCommand({ UserName: name, AccessKeyId: key.name, Status: 'Active' }),
    );
    const drifted = await waitFor('the re-check to notice and re-enforce', async () => {
      const s = await followUp(state.followUpWorkflowId!);
      return s.rechecks.some((r) => r.reenforced) ? s : undefined;
    });
    expect(drifted.drifts).toBeGreaterThanOrEqual(1);
    expect(drifted.rechecks.find((r) => !r.ok)?.detail).toMatch(/is Active/);
    expect(await status()).toBe('Inactive');

    // Forged, as an attacker with only a Temporal connection would send it: refused and recorded, the key stays.
    const handle = worker.client.workflow.getHandle(state.followUpWorkflowId!);
    const forged = (args: unknown) =>
      handle.executeUpdate('rollback', { args: [args] }).then(
        () => 'accepted',
        (e: Error) => (e instanceof WorkflowUpdateFailedError ? String(e.cause?.message) : e.message),
      );
    expect(await forged({ by: 'totally-not-a-person', reason: 'trust me' })).toMatch(
      /rollback refused: the request must be signed by a person/,
    );
    expect(
      await forged({
        ...sign(alice, { workflowId: 'x', runId: 'y', planHash: 'z', decision: 'rollback', reason: 'r' }),
        person: 'constructor',
      }),
    ).toMatch(/unknown person constructor/);
    const open = await followUp(state.followUpWorkflowId!);
    const terms = { workflowId: state.followUpWorkflowId!, runId: open.runId!, planHash: open.termsHash! };
    // Signed, but an hour old: refused against the workflow's time.
    const stale = new Date(Date.now() - 3600_000).toISOString();
    expect(await forged(sign(alice, { ...terms, decision: 'rollback', reason: 'r', time: stale }))).toMatch(
      /signed at .* before the workflow's time/,
    );
    // Signed by a person outside the groups that may roll an automatic rule back.
    expect(await forged(sign(bob, { ...terms, decision: 'rollback', reason: 'r' }))).toMatch(
      /bob@example.com is in none of the groups that may roll this rule back \(security\)/,
    );
    const refusedState = await followUp(state.followUpWorkflowId!);
    expect(refusedState.status).toBe('watching');
    expect(refusedState.refusedMessages?.map((r) => r.claimedBy)).toEqual([
      'totally-not-a-person',
      'constructor',
      alice.id,
      bob.id,
    ]);
    expect(await status()).toBe('Inactive');

    const out = await rollback(id, '--json');
    expect(out.code).toBe(0);
    const after = JSON.parse(out.stdout) as FollowUpState;
    expect(after).toMatchObject({
      status: 'rolled-back',
      rollback: { by: alice.id, reason: 'false positive', verification: { ok: true } },
    });
    expect(after.rollback?.signature).toMatch(/^[0-9a-f]{128}$/);
    expect(await status()).toBe('Active');
    // Rolled back while the leak stays open: the rule is armed again, not "already executed" for ever.
    const rearmed = await waitFor('the identity to re-arm the rolled-back rule', async () => {
      const r = await worker.client.workflow.getHandle(identityWorkflowId(key.key)).query(identityQuery);
      const entry = r.remediations.find((x) => x.workflowId === id);
      return entry?.ended?.status === 'rolled-back' && entry.rearmedAt ? entry : undefined;
    });
    expect(rearmed.rearmedAt).toBeDefined();
    // Proposed again once the policy's cool-down (default 24h) after the rollback has passed.
    const skipped = await waitFor('the re-armed rule to wait for its cool-down', async () => {
      const r = await worker.client.workflow.getHandle(identityWorkflowId(key.key)).query(identityQuery);
      return r.skipped?.find((x) => /rolled-back at .*cool-down until/.test(x.reason));
    });
    expect(skipped.ruleId).toBe('leaked-key');
    // Rolled back (the key active again): the full score is back, no residual factor.
    const restored = (await identityRecord()).assessment!.risk;
    expect(restored.factors.map((f) => f.id)).not.toContain('residual');
    expect(restored.score).toBeGreaterThan(RESIDUAL_POINTS);
    // A reviewer sees it: the remediation executed, its follow-up rolled it back (who, why, verified).
    const shown = await run(process.execPath, [nhi, 'identity', key.key], { env: process.env });
    expect(shown.stdout).toMatch(
      /follow-up: rolled-back; rolled back by alice@example.com at \S+: false positive \(1 key\(s\) active\), drift seen \d+×/,
    );
    // A second rollback is refused with one line that says it was rolled back already: by whom, when, why.
    const again = await rollback(id);
    expect(again.code).toBe(1);
    expect(again.stderr.trim().split('\n')).toHaveLength(1);
    expect(again.stderr).toMatch(
      /already rolled back by alice@example\.com at \S+ \(false positive\); nothing left to undo \(nhi identity \S+ shows it\)/,
    );

    const events = await collect(worker.eventsTopic, (m) =>
      m.some((x) => JSON.parse(x.value!.toString()).type === 'remediation.rolled-back'),
    );
    const types = events.map((m) => JSON.parse(m.value!.toString()) as { type: string; identityKey: string });
    expect(types.filter((e) => e.identityKey === key.key).map((e) => e.type)).toEqual(
      expect.arrayContaining(['remediation.executed', 'remediation.drifted', 'remediation.rolled-back']),
    );
  });

  it('scope-down from the activity the identity record holds; rolled back, the inline policy is gone', async () => {
    const { name, ref: user, uses } = await workload(`fu-sd-${randomUUID().slice(0, 8)}`);
    const activity = (eventSource: string, eventName: string): Finding => ({
      ...finding(user, 'activity', { format: 'cloudtrail' }),
      evidence: { eventSource, eventName },
    });
    await deliver(worker.client, worker.taskQueue, user, [
      activity('s3.amazonaws.com', 'GetObject'),
      activity('sqs.amazonaws.com', 'SendMessage'),
      finding(user, 'excess-privilege'),
    ]);
    const id = remediationWorkflowId(user.key, 'scope-down', 0);
    const state = await executed(id);
    expect(state.plan?.explanation).toEqual(
      expect.arrayContaining([
        { action: 's3:GetObject', verdict: 'keep', why: 'used: seen in its CloudTrail activity' },
        { action: 'sqs:SendMessage', verdict: 'keep', why: 'used: seen in its CloudTrail activity' },
      ]),
    );
    expect(state.verification?.detail).toMatch(/content as planned/);
    // With its own key: what it used still works, its unused admin reach is denied.
    expect(await denied(uses.getObject)).toBe(false);
    expect(await denied(uses.sendMessage)).toBe(false);
    expect(await denied(uses.createUser)).toBe(true);
    expect(await denied(uses.createKey)).toBe(true);
    const rolledBackAt = new Date().toISOString();
    const out = await rollback(id);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/rolled-back — pre-state of nhi-enforce-scope-down restored/);
    // The identity is assessed again after the rollback, without a new finding.
    await waitFor('the user to be re-assessed after the rollback', async () => {
      const r = await worker.client.workflow.getHandle(identityWorkflowId(user.key)).query(identityQuery);
      return r.assessment && r.assessment.assessedAt > rolledBackAt ? r : undefined;
    });
    await expect(
      awsClients().iam.send(
        new GetUserPolicyCommand({ UserName: name, PolicyName: 'nhi-enforce-scope-down' }),
      ),
    ).rejects.toThrow(/NoSuchEntity|cannot be found|not found/i);
    expect(await denied(uses.createUser)).toBe(false);
  });

  it('onDrift: alert publishes the drift and leaves the state as it found it', async () => {
    // The policy of this file re-enforces; the alert variant is started directly with its own follow-up settings.
    const name = `fu-alert-${randomUUID().slice(0, 8)}`;
    const { key, account } = await seedAdminUser(name);
    const action = actionNamed('deactivate-key');
    // The account is what planRemediation adds (the activities act only in the plan's account).
    const plan = { ...(await action.plan(key, awsClients())), account };
    const remediationId = `test-alert/${randomUUID()}`;
    const outcome = await action.execute(plan, awsClients(), { remediationId, step() {} });
    const id = await startFollowUp({
      remediationId,
      plan,
      outcome,
      key,
      action: 'deactivate-key',
      onDrift: 'alert',
    });
    await awsClients().iam.send(
      new UpdateAccessKeyCommand({ UserName: name, AccessKeyId: key.name, Status: 'Active' }),
    );
    const drifted = await waitFor('the re-check to notice the drift', async () => {
      const s = await followUp(id);
      return s.rechecks.some((r) => !r.ok) ? s : undefined;
    });
    expect(drifted.rechecks.at(-1)).toMatchObject({ ok: false });
    expect(drifted.rechecks.at(-1)?.reenforced).toBeUndefined();
    const keys = await awsClients().iam.send(new ListAccessKeysCommand({ UserName: name }));
    expect(keys.AccessKeyMetadata?.[0]?.Status).toBe('Active');
    await collect(worker.eventsTopic, (m) =>
      m.some((x) => {
        const e = JSON.parse(x.value!.toString()) as {
          type: string;
          identityKey: string;
          detail: { reenforced?: boolean };
        };
        return e.type === 'remediation.drifted' && e.identityKey === key.key && e.detail.reenforced === false;
      }),
    );
  });

  it('revoke-sessions removed by hand is put back with the cut-off of its first execution', async () => {
    const name = `fu-rs-${randomUUID().slice(0, 8)}`;
    const { key, account } = await seedAdminUser(name);
    const action = actionNamed('revoke-sessions');
    const plan = { ...(await action.plan(key, awsClients())), account };
    const remediationId = `test-rs/${randomUUID()}`;
    const actedAt = new Date().toISOString();
    const outcome = await action.execute(plan, awsClients(), { remediationId, step() {}, actingAt: actedAt });
    const id = await startFollowUp({
      remediationId,
      plan,
      outcome,
      key,
      action: 'revoke-sessions',
      onDrift: 'reenforce',
      actedAt,
    });
    const policy = { UserName: name, PolicyName: 'nhi-enforce-revoke-sessions' };
    await awsClients().iam.send(new DeleteUserPolicyCommand(policy));
    const reenforced = await waitFor('the re-check to put it back', async () => {
      const s = await followUp(id);
      return s.rechecks.some((r) => r.reenforced !== undefined) ? s : undefined;
    });
    expect(reenforced.rechecks.find((r) => r.reenforced !== undefined)).toMatchObject({ reenforced: true });
    const landed = await awsClients().iam.send(new GetUserPolicyCommand(policy));
    expect(decodePolicyDocument(landed.PolicyDocument!)).toMatchObject({
      Statement: [{ Condition: { DateLessThan: { 'aws:TokenIssueTime': actedAt } } }],
    });
  });
});

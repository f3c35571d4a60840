// Just-in-time access against the real stack: Temporal runs the access-request workflow, moto (IAM enforcement on)
// issues and refuses the credentials, Kafka carries the events. What moto enforces is tested by its effect: the role's
// trust policy (only the worker may assume it), the credentials working, and the session-scoped Deny refusing them
// after a revocation. What it does not enforce (session policies, the Deny's aws:userid condition, expiry) is asserted
// on the exact request sent to STS and the exact policy put on the role.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRolePolicyCommand, ListRolesCommand, ListUsersCommand } from '@aws-sdk/client-iam';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { AssumeRoleSpy } from '../../activities/access/grant.ts';
import { awsClients, awsClientsFor } from '../../activities/aws/clients.ts';
import { awaitGrant, collectCredentials, requestAccess } from '../../cli/access-client.ts';
import { remediationDecision } from '../../cli/decisions.ts';
import { pendingRequests } from '../../cli/requests-source.ts';
import { directoryYaml } from '../../demo/people.ts';
import { exportEvidence } from '../../evidence/export.ts';
import { verifyExport } from '../../evidence/verify.ts';
import { endpoints } from '../../infra/endpoints.ts';
import {
  accessWorkflowId,
  revokePolicyName,
  sessionDenyOf,
  sessionPolicyText,
} from '../../schemas/access.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { signDecision } from '../../schemas/signed-decision.ts';
import { type AccessState, accessQuery, revokeAccessUpdate } from '../../workflows/access/definitions.ts';
import { cancelRefusalReason } from '../../workflows/cancel-refusal-reason.ts';
import { identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { decideUpdate } from '../../workflows/remediation/definitions.ts';
import { recordAccessFixtures, testSigner } from '../support/evidence.ts';
import { historyText } from '../support/history.ts';
import { createAssumableRole, createTestUser } from '../support/iam-principals.ts';
import { collect } from '../support/kafka.ts';
import { brakeAs, person } from '../support/people.ts';
import {
  deliver,
  finalHistory,
  finding,
  replay,
  startTestWorker,
  type TestWorker,
  waitFor,
} from './identity-support.ts';
import { denied } from './workload-support.ts';

const prefix = `jit-${randomUUID().slice(0, 6)}`;
const alice = person('alice@example.com', 'security');
const rita = person('rita@example.com', 'deployers', 'security'); // asks, and may approve others' requests
const dave = person('dave@example.com', 'marketing'); // may not ask
const sent: Array<Parameters<AssumeRoleSpy>[0]> = [];
let worker: TestWorker;
let account: string;
let users: Record<'low' | 'admin' | 'compromised' | 'agent' | 'watched', IdentityRef>;

const roleArn = (name: string) => `arn:aws:iam::${account}:role/${prefix}-${name}`;
const createRole = (name: string, trusted: string) => createAssumableRole(`${prefix}-${name}`, trusted);
const createUser = (name: string, admin = false) => createTestUser(`${prefix}-${name}`, account, admin);

const asks = (
  action: string,
  identity: IdentityRef,
  requester: string,
  duration = '15m',
): Parameters<typeof requestAccess>[1]['terms'] => ({
  action,
  identityKey: identity.key,
  duration,
  requester,
  reason: 'release 42',
  ticket: 'CHG-1',
});

async function ask(
  terms: Parameters<typeof requestAccess>[1]['terms'],
  signer?: { id: string; secretKey: string },
) {
  const out = await requestAccess(worker.client, {
    terms,
    taskQueue: worker.taskQueue,
    ...(signer ? { signer: { person: signer.id, secretKey: signer.secretKey } } : {}),
  });
  const state = await awaitGrant(worker.client, out.grantId, {
    deadline: Date.now() + 120_000,
    untilAwaiting: true,
  });
  return { ...out, state };
}

async function approve(state: AccessState, who: typeof alice) {
  return worker.client.workflow.getHandle(accessWorkflowId(state.grantId)).executeUpdate(decideUpdate, {
    args: [
      remediationDecision({ person: who.id, secretKey: who.secretKey }, state.request!, 'approve', 'ok'),
    ],
  });
}

async function settled(grantId: string, statuses: AccessState['status'][]) {
  return waitFor(
    `grant ${grantId} to be ${statuses.join('/')}`,
    async () => {
      const s = await awaitGrant(worker.client, grantId, { deadline: 0 });
      return statuses.includes(s.status) ? s : undefined;
    },
    120_000,
  );
}

/** The approved (then revoked) grant of the first test: exported as evidence with the last one's. */
let approvedGrantId = '';
const keysDir = join(tmpdir(), `${prefix}-keys`);

interface Run {
  code: number;
  out: string[];
  err: string[];
}
/** `node bin/nhi.js …` as a user runs it, with this test's keys and task queue. */
function nhi(args: string[], timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      'node',
      ['bin/nhi.js', ...args],
      {
        env: { ...process.env, NHI_KEYS_DIR: keysDir, NHI_TASK_QUEUE: worker.taskQueue },
        timeout: timeoutMs,
      },
      (error, stdout, stderr) => {
        const lines = (t: string) => t.split('\n').filter((l) => l !== '');
        resolve({
          code: error ? Number((error as { code?: number }).code ?? 1) : 0,
          out: lines(stdout),
          err: lines(stderr),
        });
      },
    );
  });
}

const credentialsOf = (c: { accessKeyId: string; secretAccessKey: string; sessionToken: string }) =>
  awsClientsFor({
    accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey,
    sessionToken: c.sessionToken,
  });
/** Works: the call succeeds (not merely "was not denied"). */
const works = async (fn: () => Promise<unknown>) => {
  await fn();
  return true;
};

beforeAll(async () => {
  const base = awsClients();
  const caller = (await base.sts.send(new GetCallerIdentityCommand({}))).Arn!;
  account = caller.split(':')[4]!;
  await createRole('read-users', caller);
  await createRole('list-users', caller);
  await createRole('agent', caller);
  // One role per test: the emulator ignores the Deny's aws:userid condition, so a revocation there denies every
  // session of the role (on AWS, only the revoked one).
  await createRole('cli', caller);
  await createRole('watch', caller);
  users = {
    low: await createUser('ci'),
    admin: await createUser('admin', true),
    compromised: await createUser('cmp'),
    agent: await createUser('agent'),
    watched: await createUser('watch'),
  };
  const dir = join(tmpdir(), `${prefix}-policy`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'directory.yaml'), directoryYaml([alice, rita, dave]));
  process.env.NHI_DIRECTORY_FILE = join(dir, 'directory.yaml');
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  for (const p of [alice, rita])
    writeFileSync(
      join(keysDir, `${p.id}.key`),
      JSON.stringify({ person: p.id, publicKey: p.publicKey, secretKey: p.secretKey }),
      { mode: 0o600 },
    );
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(
    policyFile,
    stringify({
      version: 1,
      directory: 'directory.yaml',
      rules: [],
      protectedActions: [
        {
          name: 'read-users',
          description: 'read IAM users (one approval from security)',
          actions: ['iam:ListUsers', 'iam:GetUser'],
          resources: ['*'],
          risk: 'medium',
          role: `${prefix}-read-users`,
          maxDuration: '1h',
          requesters: { groups: ['deployers'] },
          riskCeiling: 40,
          approval: { groups: { security: 1 }, timeout: '1h' },
        },
        {
          name: 'list-users',
          actions: ['iam:ListUsers'],
          risk: 'low',
          role: `${prefix}-list-users`,
          maxDuration: '30m',
          requesters: { groups: ['deployers'], identities: [users.low.key] },
          riskCeiling: 40,
        },
        {
          name: 'cli-read',
          actions: ['iam:ListUsers'],
          risk: 'high',
          role: `${prefix}-cli`,
          maxDuration: '1h',
          requesters: { groups: ['deployers'] },
          riskCeiling: 40,
          approval: { groups: { security: 1 }, timeout: '1h' },
        },
        {
          name: 'watch-list',
          actions: ['iam:ListUsers'],
          risk: 'low',
          role: `${prefix}-watch`,
          maxDuration: '30m',
          requesters: { groups: ['deployers'] },
          riskCeiling: 40,
        },
        {
          name: 'agent-list',
          actions: ['iam:ListUsers'],
          risk: 'low',
          role: `${prefix}-agent`,
          maxDuration: '30m',
          requesters: { identities: [users.agent.key] },
          riskCeiling: 40,
          // An identity's own (unsigned) request is granted only after a person approves it.
          approval: { groups: { security: 1 }, timeout: '1h' },
        },
      ],
    }),
  );
  worker = await startTestWorker('access', { policyFile, assumeRoleSpy: (r) => sent.push(r) });
}, 120_000);

afterAll(async () => {
  // Every workflow of this test's queue (the CLI's requests too): a revoked grant waits for its session's expiry.
  if (worker)
    for await (const e of worker.client.workflow.list({
      query: `ExecutionStatus = 'Running' AND TaskQueue = '${worker.taskQueue}'`,
    }))
      await worker.client.workflow
        .getHandle(e.workflowId, e.runId)
        .terminate('test over')
        .catch(() => {});
  for (const u of Object.values(users ?? {}))
    await worker?.client.workflow
      .getHandle(identityWorkflowId(u.key))
      .terminate('test over')
      .catch(() => {});
  await worker?.stop();
}, 60_000);

describe('just-in-time access', () => {
  it('grants the catalogued action after a signed approval (not the requester’s own); revoke refuses it', async () => {
    const { grantId, recipient, state: waiting } = await ask(asks('read-users', users.low, rita.id), rita);
    expect(waiting.status).toBe('awaiting-approval');
    expect(waiting.checks).toMatchObject({ requester: rita.id, riskCeiling: 40, paused: false });
    // The requester cannot approve their own request.
    const self = await approve(waiting, rita);
    expect(self).toMatchObject({
      accepted: false,
      refusal: 'rita@example.com requested this access grant and cannot decide on it',
    });
    expect(await approve(waiting, alice)).toMatchObject({ accepted: true });
    const state = await settled(grantId, ['active', 'failed']);
    expect(state.status).toBe('active');
    approvedGrantId = grantId;
    const grant = state.grant!;

    // Exactly the catalogued actions, on the catalogued resources, for the asked duration.
    const request = sent.find((r) => r.RoleSessionName === `nhi-${grantId}`)!;
    expect(request).toEqual({
      RoleArn: roleArn('read-users'),
      RoleSessionName: `nhi-${grantId}`,
      Policy: sessionPolicyText({ actions: ['iam:ListUsers', 'iam:GetUser'], resources: ['*'] }),
      DurationSeconds: 900,
    });
    expect(JSON.parse(request.Policy)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['iam:ListUsers', 'iam:GetUser'], Resource: ['*'] }],
    });
    expect(grant).toMatchObject({ sessionName: `nhi-${grantId}`, durationSeconds: 900 });
    expect(Date.parse(grant.expiresAt) - Date.parse(grant.issuedAt)).toBeLessThanOrEqual(900_000 + 5_000);

    // The credentials come out of the one-time entry, sealed to the requester's key; the entry is gone after.
    const creds = await collectCredentials(awsClients().secretsManager, state, recipient.privateKey);
    await expect(
      awsClients().secretsManager.send(new GetSecretValueCommand({ SecretId: grant.handoffEntry })),
    ).rejects.toThrow(/ResourceNotFound|can't find|not find/i);
    const session = credentialsOf(creds);
    expect(await works(() => session.iam.send(new ListUsersCommand({})))).toBe(true);
    const who = await session.sts.send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe(grant.assumedRoleArn);

    // CloudTrail saw the session at work: the finding lands on the role's identity workflow, naming the session.
    const role: IdentityRef = {
      key: roleArn('read-users'),
      type: 'aws-role',
      provider: 'aws',
      account,
      aliases: [grant.assumedRoleArn],
    };
    const use = finding(role, 'activity', { severity: 10 });
    use.evidence = { eventSource: 'iam.amazonaws.com', eventName: 'ListUsers' };
    await deliver(worker.client, worker.taskQueue, role, [use]);
    const used = await waitFor('the use to be recorded', async () => {
      const s = await awaitGrant(worker.client, grantId, { deadline: 0 });
      return s.uses.length ? s : undefined;
    });
    expect(used.uses).toEqual([{ findingId: use.id, at: use.time, api: 'iam:ListUsers' }]);

    // Revoked early by a signed decision: a Deny on the role for this session only, and the credentials refused.
    const revoke = signDecision(
      {
        workflowId: accessWorkflowId(grantId),
        runId: grantId,
        planHash: grant.policyHash,
        decision: 'revoke',
        person: alice.id,
        reason: 'done early',
        time: new Date().toISOString(),
      },
      alice.secretKey,
    );
    const handle = worker.client.workflow.getHandle(accessWorkflowId(grantId));
    expect(await handle.executeUpdate(revokeAccessUpdate, { args: [revoke] })).toMatchObject({
      accepted: true,
      status: 'revoked',
    });
    const put = await awsClients().iam.send(
      new GetRolePolicyCommand({ RoleName: `${prefix}-read-users`, PolicyName: revokePolicyName(grantId) }),
    );
    expect(JSON.parse(decodeURIComponent(put.PolicyDocument!))).toEqual(
      sessionDenyOf(grant.roleId, grant.sessionName),
    );
    expect(sessionDenyOf(grant.roleId, grant.sessionName).Statement[0]!.Condition).toEqual({
      StringEquals: { 'aws:userid': `${grant.roleId}:nhi-${grantId}` },
    });
    expect(await denied(() => session.iam.send(new ListUsersCommand({})))).toBe(true);

    // A second revoke is refused with one line.
    expect(await handle.executeUpdate(revokeAccessUpdate, { args: [revoke] })).toMatchObject({
      accepted: false,
      refusal: expect.stringMatching(/is revoked, not active/),
    });
  });

  it('refuses with one line, and records: over the maximum, not a requester, above the ceiling, compromised, paused', async () => {
    const tooLong = await ask(asks('list-users', users.low, rita.id, '2h'), rita);
    expect(tooLong.state).toMatchObject({
      status: 'refused',
      refusal: "duration 2h is over list-users's maximum of 30m",
    });
    const stranger = await ask(asks('list-users', users.low, dave.id), dave);
    expect(stranger.state.refusal).toBe(
      `dave@example.com may not request list-users (requesters: group deployers, identity ${users.low.key})`,
    );
    const forOther = await ask(asks('list-users', users.admin, users.low.key));
    expect(forOther.state.refusal).toBe(
      `${users.low.key} may request list-users only for itself, not for ${users.admin.key}`,
    );
    const risky = await ask(asks('list-users', users.admin, rita.id), rita);
    expect(risky.state.refusal).toMatch(
      new RegExp(`^${users.admin.key} has risk score \\d+, at or above list-users's ceiling of 40$`),
    );
    await deliver(worker.client, worker.taskQueue, users.compromised, [
      finding(users.compromised, 'compromise-indicator', {
        severity: 70,
        title: 'GuardDuty: credential exfiltration',
      }),
    ]);
    const compromised = await waitFor('a refusal naming the compromise finding', async () => {
      const r = await ask(asks('list-users', users.compromised, rita.id), rita);
      return /compromise/.test(r.state.refusal ?? '') ? r : undefined;
    });
    expect(compromised.state.refusal).toMatch(
      /has an open compromise finding \(GuardDuty: credential exfiltration; f_[0-9a-f]{32}\)$/,
    );

    await brakeAs(worker.client, worker.taskQueue, alice, 'pause', 'incident 7');
    const paused = await ask(asks('list-users', users.low, rita.id), rita);
    expect(paused.state.refusal).toBe(
      'enforcement is paused by alice@example.com (incident 7): no new grants until it resumes',
    );
    await brakeAs(worker.client, worker.taskQueue, alice, 'resume', 'over');

    // Nothing was issued for any of them, and each refusal is an event with its reason.
    for (const r of [tooLong, stranger, forOther, risky, compromised, paused]) {
      expect(r.state.grant).toBeUndefined();
      expect(sent.some((s) => s.RoleSessionName === `nhi-${r.grantId}`)).toBe(false);
    }
    const refusals = await collect(worker.eventsTopic, (ms) =>
      [tooLong, stranger, forOther, risky, paused].every((r) =>
        ms.some((m) => {
          const e = JSON.parse(String(m.value));
          return e.type === 'access.refused' && e.detail.grantId === r.grantId;
        }),
      ),
    );
    expect(refusals.length).toBeGreaterThan(0);
  });

  it('a critical finding on the identity during a live grant revokes it; an identity asks for itself', async () => {
    const asked = await ask(asks('agent-list', users.agent, users.agent.key));
    const { grantId, recipient } = asked;
    // Reaching Temporal proves nothing about who asks: the identity's own request waits for a person's approval.
    expect(asked.state.status).toBe('awaiting-approval');
    expect(await approve(asked.state, alice)).toMatchObject({ accepted: true });
    const state = await settled(grantId, ['active', 'failed']);
    expect(state.status).toBe('active');
    const creds = await collectCredentials(awsClients().secretsManager, state, recipient.privateKey);
    const session = credentialsOf(creds);
    expect(await works(() => session.iam.send(new ListUsersCommand({})))).toBe(true);
    // The emulator does not enforce session policies: iam:ListRoles (outside it) still works there. Asserted, so an
    // emulator that starts enforcing them shows up here; the policy sent to STS is asserted in the first test.
    expect(await works(() => session.iam.send(new ListRolesCommand({})))).toBe(true);

    await deliver(worker.client, worker.taskQueue, users.agent, [
      finding(users.agent, 'exposed-secret', { severity: 95, title: 'key in public repo' }),
    ]);
    const revoked = await settled(grantId, ['revoked', 'failed']);
    expect(revoked.status).toBe('revoked');
    expect(revoked.revocation).toMatchObject({
      by: 'nhi-enforce',
      reason: `critical finding on ${users.agent.key}: key in public repo`,
      findingId: expect.stringMatching(/^f_/),
      policyName: revokePolicyName(grantId),
    });
    expect(await denied(() => session.iam.send(new ListUsersCommand({})))).toBe(true);

    // Canary: the issued secret key and session token are nowhere in a history, event, or this worker's output.
    const texts = [
      await historyText(worker.client, accessWorkflowId(grantId)),
      await historyText(worker.client, identityWorkflowId(users.agent.key)),
      await historyText(worker.client, identityWorkflowId(roleArn('agent'))),
    ];
    const events = await collect(worker.eventsTopic, (ms) =>
      ms.some((m) => JSON.parse(String(m.value)).type === 'access.revoked'),
    );
    texts.push(events.map((m) => String(m.value)).join('\n'));
    for (const text of texts) {
      expect(text).not.toContain(creds.secretAccessKey);
      expect(text).not.toContain(creds.sessionToken);
      expect(text).not.toContain(creds.accessKeyId);
    }
    // Evidence: both grants exported, verified, summarised; no credential in any file of the export.
    const out = join(tmpdir(), `${prefix}-evidence`);
    const exported = await exportEvidence(worker.client, {
      outDir: out,
      signer: testSigner(),
      workflowIds: [accessWorkflowId(approvedGrantId), accessWorkflowId(grantId)],
    });
    expect(verifyExport(out).problems).toEqual([]);
    // Named by id: each workflow's histories, and the access case derived from them (evidence/case-kinds.ts).
    expect(exported.manifest.cases.map((c) => c.kind)).toEqual(['workflow', 'workflow', 'access', 'access']);
    recordAccessFixtures(out, exported.manifest);
    const summaryOf = (id: string) =>
      JSON.parse(
        readFileSync(
          join(
            out,
            (
              exported.manifest.cases.find(
                (c) => c.kind === 'access' && c.workflowId === accessWorkflowId(id),
              ) as {
                summary: string;
              }
            ).summary,
          ),
          'utf8',
        ),
      );
    expect(summaryOf(approvedGrantId)).toMatchObject({
      action: 'read-users',
      identity: { key: users.low.key },
      requester: rita.id,
      duration: '15m',
      target: roleArn('read-users'),
      approvers: [alice.id],
      // Every refused attempt is evidence too: the self-approval, and the second revoke.
      refusedDecisions: [
        { by: rita.id, refusal: expect.stringMatching(/requested this access grant/) },
        { by: alice.id, refusal: expect.stringMatching(/is revoked, not active/) },
      ],
      policyDecision: { checks: { riskCeiling: 40, paused: false, approvalRequired: true } },
      grant: { sessionName: `nhi-${approvedGrantId}`, durationSeconds: 900 },
      uses: [{ api: 'iam:ListUsers', findingId: expect.stringMatching(/^f_/) }],
      outcome: 'revoked',
      revocation: { by: alice.id, reason: 'done early' },
    });
    expect(summaryOf(approvedGrantId).controls.map((c: { id: string }) => c.id)).toEqual([
      'NHI5',
      'NHI7',
      'AC-2(6)',
      'AC-6',
      'AU-10',
      'CC6.2',
    ]);
    expect(summaryOf(grantId)).toMatchObject({
      outcome: 'revoked',
      revocation: { by: 'nhi-enforce', findingId: expect.stringMatching(/^f_/) },
    });
    expect(summaryOf(grantId).controls.map((c: { id: string }) => c.id)).toContain('IR-4');
    // Selected by query (no ids): access workflows are found through Temporal's visibility, and --action and
    // --identity apply to the cases derived from them.
    const selected = await exportEvidence(worker.client, {
      outDir: join(tmpdir(), `${prefix}-evidence-query`),
      signer: testSigner(),
      query: { action: 'read-users', identity: users.low.key },
    });
    expect(selected.cases.map((c) => [c.kind, c.workflowId])).toEqual([
      ['access', accessWorkflowId(approvedGrantId)],
    ]);
    expect(verifyExport(selected.dir).problems).toEqual([]);
    for (const file of exported.manifest.files.map((f) => f.path))
      texts.push(readFileSync(join(out, file), 'utf8'));
    for (const text of texts) expect(text).not.toContain(creds.secretAccessKey);
    expect(texts[0]).toContain(`nhi-${grantId}`);

    // The histories replay against the current code (the approved grant's updates, the identity's grant signal).
    const replayed = [];
    for (const id of [
      accessWorkflowId(approvedGrantId),
      accessWorkflowId(grantId),
      identityWorkflowId(users.agent.key),
    ])
      replayed.push({ workflowId: id, history: await finalHistory(worker.client, id) });
    expect(await replay(replayed)).toEqual([]); // the grant is recorded, by its session name
  });

  it('a cancel request from a bare client is refused and the grant lives on; a severity-75 compromise finding revokes it', async () => {
    const { grantId } = await ask(asks('watch-list', users.watched, rita.id), rita);
    expect((await settled(grantId, ['active', 'failed'])).status).toBe('active');
    const handle = worker.client.workflow.getHandle(accessWorkflowId(grantId));

    // No payload key, no signing key: the cancel is refused, recorded, and the grant keeps its expiry and revocation.
    const bare = new Client({
      connection: worker.client.connection,
      namespace: endpoints().temporalNamespace,
    });
    await bare.workflow.getHandle(accessWorkflowId(grantId)).cancel();
    const refusal = await waitFor('the cancel to be recorded', async () =>
      (await handle.query(accessQuery)).refusedMessages?.find((m) => m.message === 'cancel'),
    );
    expect(refusal).toMatchObject({
      claimedBy: 'a Temporal client (unsigned)',
      reason: cancelRefusalReason('access request'),
    });
    expect((await handle.query(accessQuery)).status).toBe('active');

    // The attack in issue #21: a compromise finding under the critical severity. It would refuse a new request, so
    // it revokes the live grant.
    await deliver(worker.client, worker.taskQueue, users.watched, [
      finding(users.watched, 'compromise-indicator', {
        severity: 75,
        title: 'GuardDuty: credential exfiltration',
      }),
    ]);
    const revoked = await settled(grantId, ['revoked', 'failed']);
    expect(revoked.status).toBe('revoked');
    expect(revoked.revocation).toMatchObject({
      by: 'nhi-enforce',
      reason: expect.stringMatching(
        new RegExp(
          `^${users.watched.key} has an open compromise finding \\(GuardDuty: credential exfiltration; f_[0-9a-f]{32}\\)$`,
        ),
      ),
      findingId: expect.stringMatching(/^f_/),
      policyName: revokePolicyName(grantId),
    });
    expect((await handle.describe()).status.name).toBe('RUNNING'); // waits for the session's expiry, then cleans up
    // The same words refuse a new request now.
    const again = await ask(asks('watch-list', users.watched, rita.id), rita);
    expect(again.state.refusal).toBe(revoked.revocation!.reason);

    // The histories (the cancel request, the revocation) replay against the current code.
    const replayed = [];
    for (const id of [accessWorkflowId(grantId), identityWorkflowId(users.watched.key)])
      replayed.push({ workflowId: id, history: await finalHistory(worker.client, id) });
    expect(await replay(replayed)).toEqual([]);
  });

  it('from the command line: nhi request waits, nhi pending lists it, nhi approve grants it, nhi revoke ends it', async () => {
    const bad = await nhi([
      'request',
      'read-users',
      '--for',
      users.low.key,
      '--duration',
      'soon',
      '--as',
      rita.id,
      '--reason',
      'r',
    ]);
    expect(bad).toMatchObject({ code: 2, out: [] });
    expect(bad.err).toEqual([expect.stringMatching(/--duration D is required, e.g. 15m or 1h/)]);

    const requesting = nhi(
      [
        'request',
        'cli-read',
        '--for',
        users.low.key,
        '--duration',
        '15m',
        '--as',
        rita.id,
        '--reason',
        'hotfix',
        '--ticket',
        'INC-9',
        '--output',
        'json',
      ],
      300_000,
    );
    // Waited for in-process (cheap), then listed once by the command.
    const source = { client: worker.client, address: '', close: async () => {} };
    await waitFor('the request to await approval', async () =>
      (await pendingRequests(source, Date.now())).find(
        (p) => p.kind === 'access' && p.state.terms.reason === 'hotfix',
      ),
    );
    const pending = await waitFor('the request in nhi pending', async () => {
      const run = await nhi(['pending', '--json']);
      const access = run.out
        .map((l) => JSON.parse(l))
        .find((p) => p.kind === 'access' && p.state.terms.reason === 'hotfix');
      return access as { id: string; missing: Record<string, number> } | undefined;
    });
    expect(pending.missing).toEqual({ security: 1 });
    const self = await nhi(['approve', pending.id, '--as', rita.id, '--reason', 'mine', '--yes']);
    expect(self.code).toBe(1);
    expect(self.err.at(-1)).toBe(
      `nhi approve: refused: ${rita.id} requested this access grant and cannot decide on it`,
    );
    expect(self.err[0]).toMatch(/^access request access\/jit-/); // the reviewer saw what they decide
    const ok = await nhi(['approve', pending.id, '--as', alice.id, '--reason', 'hotfix ok', '--yes']);
    expect(ok.code).toBe(0);

    const granted = await requesting;
    expect(granted.err.at(-1)).toMatch(/^granted jit-/);
    expect(granted.code).toBe(0);
    expect(granted.out).toHaveLength(1);
    const out = JSON.parse(granted.out[0]!);
    expect(out.grantId).toMatch(/^jit-[0-9a-f]{12}$/);
    const session = credentialsOf(out.credentials);
    expect(await works(() => session.iam.send(new ListUsersCommand({})))).toBe(true);
    // Progress went to stderr, and never the secret.
    expect(granted.err.join('\n')).not.toContain(out.credentials.secretAccessKey);

    const revoked = await nhi(['revoke', out.grantId, '--as', alice.id, '--reason', 'hotfix done']);
    expect(revoked.code).toBe(0);
    expect(await denied(() => session.iam.send(new ListUsersCommand({})))).toBe(true);
  }, 420_000);
});

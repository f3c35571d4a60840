// Where an action lands, decided by the cloud and not by findings — each case driven by a finding delivered as the
// consumer delivers it (signal-with-start), through the identity and remediation workflows, against moto:
// - an identity in an account the worker is not configured for: refused, with the reason, in `nhi identity` and
//   on enforcement.events; nothing changes in the worker's own account;
// - a configured account: the action lands there (through the configured role), not in the worker's own account;
// - a forged owner on a key's finding changes no target: the key's user in IAM is acted on, once, whichever of
//   the key's and the user's workflows proposed it;
// - an exception on a user holds against a compromise finding on its access key;
// - after a scope-down the identity is re-assessed at once: `nhi identity` shows the new score;
// - a refusal for an unconfigured account re-arms once the account is configured (the policy's hash changed): the
//   next leak is proposed again and acts there; `nhi remediation retry` re-proposes a refused one, signed.
import { createHash, randomUUID } from 'node:crypto';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreatePolicyCommand,
  CreateUserCommand,
  GetUserPolicyCommand,
  type IAMClient,
  ListUserPoliciesCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountClients } from '../../activities/aws/account-clients.ts';
import { awsClients } from '../../activities/aws/clients.ts';
import { main } from '../../cli/main.ts';
import { remediationWorkflowId } from '../../risk/decide.ts';
import { EnforcementEvent } from '../../schemas/enforcement-event.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import type { IdentityRecord } from '../../workflows/identity/state.ts';
import type { RemediationState } from '../../workflows/remediation/definitions.ts';
import { collect } from '../support/kafka.ts';
import { openAccount } from '../support/moto-accounts.ts';
import { directoryFile, grantException, keyFiles, person } from '../support/people.ts';
import { deliver, finding, startTestWorker, type TestWorker, waitFor } from './identity-support.ts';

const prefix = `tgt-${randomUUID().slice(0, 8)}`;
const OTHER = '222222222222';
const UNCONFIGURED = '333333333333';
/** Configured only in the middle of a test: a refusal made before re-arms. */
const LATER = '444444444444';
let laterRole: string;
let laterIam: IAMClient;
let otherRole: string;
let w: TestWorker;
let home: string;
let otherIam: IAMClient;
let policyFile: string;
/** A user without owner tags, whose owner the owners file names. */
let listed: string;
const hashOf = (file: string) => `sha256:${createHash('sha256').update(readFileSync(file)).digest('hex')}`;

/** Low thresholds: the cases are about where an action lands, not about scores. */
const policyText = (roleArn: string, later?: string) => `version: 1
ownership: { file: owners.yaml }
accounts:
  "${OTHER}": { roleArn: "${roleArn}" }${later ? `\n  "${LATER}": { roleArn: "${later}" }` : ''}
rules:
  - id: compromised-sessions
    when: { minScore: 1, kinds: [compromise-indicator], identityTypes: [aws-user, aws-role, aws-access-key] }
    action: revoke-sessions
    mode: auto
  - id: excess-privilege
    when: { minScore: 1, kinds: [excess-privilege], identityTypes: [aws-user, aws-role] }
    action: scope-down
    mode: auto
`;

async function nhi(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const userRef = (arn: string): IdentityRef => ({
  key: arn,
  type: 'aws-user',
  provider: 'aws',
  name: arn.split('/').at(-1)!,
  aliases: [],
});

async function createUser(iam: IAMClient, name: string) {
  const user = (await iam.send(new CreateUserCommand({ UserName: name }))).User!;
  return user.Arn!;
}

async function inlinePolicies(iam: IAMClient, userName: string): Promise<string[]> {
  return (await iam.send(new ListUserPoliciesCommand({ UserName: userName }))).PolicyNames ?? [];
}

const query = (key: string) => w.client.workflow.getHandle(identityWorkflowId(key)).query(identityQuery);

async function remediationResult(workflowId: string): Promise<RemediationState> {
  w.terminateAtStop.push(workflowId);
  await waitFor(`remediation ${workflowId}`, async () =>
    (await w.client.workflow.getHandle(workflowId).describe()).status.name === 'COMPLETED' ? 1 : undefined,
  );
  return (await w.client.workflow.getHandle(workflowId).result()) as RemediationState;
}

beforeAll(async () => {
  const roleArn = await openAccount(OTHER, `${prefix}-nhi`);
  otherRole = roleArn;
  laterRole = await openAccount(LATER, `${prefix}-nhi`);
  const dir = mkdtempSync(join(tmpdir(), 'nhi-targets-'));
  policyFile = join(dir, 'policy.yaml');
  const base = awsClients();
  listed = await createUser(base.iam, `${prefix}-listed`);
  writeFileSync(join(dir, 'owners.yaml'), `"${listed}": team-listed\n`);
  writeFileSync(policyFile, policyText(roleArn));
  home = (await createAccountClients(base, () => ({})).homeAccount()) as string;
  otherIam = (await createAccountClients(base, () => ({ [OTHER]: { roleArn } })).clientsForAccount(OTHER))
    .iam;
  laterIam = (
    await createAccountClients(base, () => ({ [LATER]: { roleArn: laterRole } })).clientsForAccount(LATER)
  ).iam;
  w = await startTestWorker('id-tgt', { policyFile });
});

afterAll(async () => {
  await w?.stop();
});

describe('account binding', () => {
  it('refuses an identity in an unconfigured account, with the reason, and changes nothing at home', async () => {
    const name = `${prefix}-far`;
    await createUser(awsClients().iam, name); // same name at home: must stay untouched
    const far = userRef(`arn:aws:iam::${UNCONFIGURED}:user/${name}`);
    w.terminateAtStop.push(identityWorkflowId(far.key));
    await deliver(w.client, w.taskQueue, far, [finding(far, 'compromise-indicator', { severity: 90 })]);

    const id = remediationWorkflowId(far.key, 'revoke-sessions', 0);
    const state = await remediationResult(id);
    expect(state.status).toBe('refused');
    expect(state.plan?.refused).toContain(`account ${UNCONFIGURED} is not configured`);
    expect(state.plan?.steps).toEqual([]);
    expect(await inlinePolicies(awsClients().iam, name)).toEqual([]);

    const events = (
      await collect(w.eventsTopic, (ms) =>
        ms.some((m) => m.value?.toString().includes('"remediation.refused"')),
      )
    ).map((m) => EnforcementEvent.parse(JSON.parse(m.value!.toString())));
    const refused = events.find((e) => e.type === 'remediation.refused' && e.identityKey === far.key);
    expect(refused?.detail.reason).toContain(`account ${UNCONFIGURED} is not configured`);
    expect(events.some((e) => e.type === 'remediation.executed' && e.identityKey === far.key)).toBe(false);

    const { code, out } = await nhi('identity', far.key);
    expect(code).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(/revoke-sessions\s+refused/);
    expect(text).toContain(`account ${UNCONFIGURED} is not configured`);
  });

  it('acts in a configured account through its role, and not in its own', async () => {
    const name = `${prefix}-there`;
    const there = userRef(await createUser(otherIam, name));
    await createUser(awsClients().iam, name);
    expect(there.key).toContain(`::${OTHER}:`);
    w.terminateAtStop.push(identityWorkflowId(there.key));
    await deliver(w.client, w.taskQueue, there, [finding(there, 'compromise-indicator', { severity: 90 })]);

    const state = await remediationResult(remediationWorkflowId(there.key, 'revoke-sessions', 0));
    expect(state.status).toBe('executed');
    expect(state.plan?.account).toBe(OTHER);
    const landed = await otherIam.send(
      new GetUserPolicyCommand({ UserName: name, PolicyName: 'nhi-enforce-revoke-sessions' }),
    );
    expect(decodeURIComponent(landed.PolicyDocument!)).toContain('aws:TokenIssueTime');
    expect(await inlinePolicies(awsClients().iam, name)).toEqual([]);
    // Assessed through the same role: its IAM read of that account found the user.
    const assessment = (await query(there.key)).assessment;
    expect(assessment?.account).toBe(OTHER);
    expect(assessment?.principal).toBe(there.key);
  });
});

describe('refusals that depended on configuration', () => {
  it('a refusal for an unconfigured account re-arms once the account is configured: the next leak acts there', async () => {
    const name = `${prefix}-later`;
    const later = userRef(await createUser(laterIam, name));
    w.terminateAtStop.push(identityWorkflowId(later.key));
    await deliver(w.client, w.taskQueue, later, [finding(later, 'compromise-indicator', { severity: 90 })]);
    const first = await remediationResult(remediationWorkflowId(later.key, 'revoke-sessions', 0));
    expect(first.status).toBe('refused');
    expect(first.plan?.refused).toContain(`account ${LATER} is not configured`);
    const refused = await waitFor('the refusal on the record', async () => {
      const r = (await query(later.key)).remediations[0];
      return r?.ended ? r : undefined;
    });
    expect(refused.ended).toMatchObject({ status: 'refused', cause: 'configuration' });
    expect(refused.configHash).toMatch(/^config:/);

    // The operator configures the account; the worker reads the policy again at the next assessment.
    writeFileSync(policyFile, policyText(otherRole, laterRole));
    await deliver(w.client, w.taskQueue, later, [finding(later, 'compromise-indicator', { severity: 90 })]);
    const second = await remediationResult(remediationWorkflowId(later.key, 'revoke-sessions', 1));
    expect(second.status).toBe('executed');
    expect(second.plan?.account).toBe(LATER);
    expect(await inlinePolicies(laterIam, name)).toEqual(['nhi-enforce-revoke-sessions']);
    const record = await query(later.key);
    expect(record.remediations.map((r) => [r.epoch, r.configHash === refused.configHash])).toEqual([
      [0, true],
      [1, false],
    ]);
  }, 120_000);

  it('nhi remediation retry re-proposes a refused remediation, signed by security; a person outside decisions.retriers is refused', async () => {
    const alice = person('alice@example.com', 'security');
    const mallory = person('mallory@example.com', 'marketing');
    const dir = mkdtempSync(join(tmpdir(), 'nhi-retry-'));
    process.env.NHI_DIRECTORY_FILE = directoryFile([alice, mallory], dir);
    process.env.NHI_KEYS_DIR = keyFiles([alice, mallory], join(dir, 'keys'));
    const far = userRef(`arn:aws:iam::${UNCONFIGURED}:user/${prefix}-retry`);
    w.terminateAtStop.push(identityWorkflowId(far.key));
    await deliver(w.client, w.taskQueue, far, [finding(far, 'compromise-indicator', { severity: 90 })]);
    const id = remediationWorkflowId(far.key, 'revoke-sessions', 0);
    expect((await remediationResult(id)).status).toBe('refused');
    await waitFor('the refusal on the record', async () => (await query(far.key)).remediations[0]?.ended);

    // nhi identity says what comes next, with the command to run.
    const shown = await nhi('identity', far.key);
    expect(shown.out.join('\n')).toContain(`or now: nhi remediation retry ${id} --as WHO --reason R`);
    const reason = 'the account role is being set up; try again';
    const refusedRetry = await nhi('remediation', 'retry', id, '--as', mallory.id, '--reason', reason);
    expect(refusedRetry.code).toBe(1);
    expect(refusedRetry.err).toEqual([
      `nhi remediation: ${id}: refused: ${mallory.id} is in none of the groups that may retry a remediation (security: policy decisions.retriers)`,
    ]);
    const next = remediationWorkflowId(far.key, 'revoke-sessions', 1);
    const retried = await nhi('remediation', 'retry', id, '--as', alice.id, '--reason', reason);
    expect(retried).toMatchObject({
      code: 0,
      out: [`retried ${id} as ${alice.id}: proposed again as ${next} (nhi identity ${far.key} follows it)`],
    });
    // Proposed again, and refused again: the account is still not configured (the retry does not bypass it).
    expect((await remediationResult(next)).status).toBe('refused');
    const record = await query(far.key);
    expect(record.remediations[0]?.retry).toMatchObject({ by: alice.id, reason, round: 1 });
    expect(record.refusedMessages?.map((r) => [r.message, r.claimedBy])).toEqual([
      ['retryRemediation', mallory.id],
    ]);
    // The same remediation again: no longer the latest proposal.
    const again = await nhi('remediation', 'retry', id, '--as', alice.id, '--reason', reason);
    expect(again.err[0]).toContain(
      `is not the latest proposal of revoke-sessions (${next} is): retry that one`,
    );
    const events = (
      await collect(w.eventsTopic, (ms) =>
        ms.some((m) => m.value?.toString().includes('"remediation.retried"')),
      )
    ).map((m) => EnforcementEvent.parse(JSON.parse(m.value!.toString())));
    expect(
      events.find((e) => e.type === 'remediation.retried' && e.identityKey === far.key)?.detail,
    ).toMatchObject({ remediationId: id, by: alice.id, reason, round: 1, proposed: next });
  }, 120_000);
});

describe('targets come from the cloud', () => {
  it("a forged owner on a key's finding changes no target; key and user share one remediation", async () => {
    const { iam } = awsClients();
    const realName = `${prefix}-real`;
    const victimName = `${prefix}-victim`;
    const real = userRef(await createUser(iam, realName));
    const victim = await createUser(iam, victimName);
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: realName }))).AccessKey!;
    const forged: IdentityRef = {
      key: `aws:access-key:${key.AccessKeyId}`,
      type: 'aws-access-key',
      provider: 'aws',
      account: UNCONFIGURED, // claims too: neither the owner nor the account is taken from a finding
      name: key.AccessKeyId!,
      aliases: [],
      owner: victim,
    };
    for (const k of [forged.key, real.key]) w.terminateAtStop.push(identityWorkflowId(k));
    await deliver(w.client, w.taskQueue, forged, [finding(forged, 'compromise-indicator', { severity: 90 })]);
    await deliver(w.client, w.taskQueue, real, [finding(real, 'compromise-indicator', { severity: 90 })]);

    const id = remediationWorkflowId(real.key, 'revoke-sessions', 0);
    const state = await remediationResult(id);
    expect(state.status).toBe('executed');
    expect(state.plan?.steps.map((s) => s.target)).toEqual([realName]);
    expect(state.plan?.steps[0]?.detail.effect).toContain('long-term access keys are not affected');
    expect(await inlinePolicies(iam, realName)).toEqual(['nhi-enforce-revoke-sessions']);
    expect(await inlinePolicies(iam, victimName)).toEqual([]);

    // Both workflows name the one remediation keyed by the user; the claim is kept for reviewers only.
    const [keyRecord, userRecord] = await waitFor('both decisions', async () => {
      const records = [await query(forged.key), await query(real.key)];
      return records.every((r) => r.remediations.length) ? records : undefined;
    });
    for (const r of [keyRecord!, userRecord!]) expect(r.remediations.map((x) => x.workflowId)).toEqual([id]);
    expect(keyRecord!.remediations[0]!.target).toBe(real.key);
    expect(keyRecord!.remediations[0]!.policyHash).toBe(hashOf(policyFile));
    expect(keyRecord!.identity.owner).toBeUndefined();
    expect(keyRecord!.claims?.owners).toEqual([victim]);
    expect(keyRecord!.assessment?.principal).toBe(real.key);
    expect(keyRecord!.assessment?.account).toBe(home);
    let runs = 0;
    for await (const _ of w.client.workflow.list({ query: `WorkflowId = '${id}'` })) runs++;
    expect(runs).toBe(1);
    const { out } = await nhi('identity', forged.key);
    expect(out.join('\n')).toMatch(
      /claimed owner\s+.*victim \(what findings said; not used to act or score\)/,
    );
  });

  it('an exception on a user for revoke-sessions holds against a compromise finding on its access key', async () => {
    const { iam } = awsClients();
    const name = `${prefix}-excepted`;
    const user = userRef(await createUser(iam, name));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    const keyRef: IdentityRef = {
      key: `aws:access-key:${key.AccessKeyId}`,
      type: 'aws-access-key',
      provider: 'aws',
      name: key.AccessKeyId!,
      aliases: [],
    };
    for (const k of [keyRef.key, user.key]) w.terminateAtStop.push(identityWorkflowId(k));
    // The user's workflow exists (a finding no rule acts on) and holds the exception.
    await deliver(w.client, w.taskQueue, user, [finding(user, 'misconfiguration', { severity: 30 })]);
    await waitFor('the user assessed', async () => ((await query(user.key)).assessment ? 1 : undefined));
    const granted = await grantException(
      w.client,
      user.key,
      { action: 'revoke-sessions', for: '7d' },
      'batch job migrating off this user; sessions must survive until Friday',
    );
    expect(granted).toMatchObject({ accepted: true, status: 'granted' });

    const compromise = finding(keyRef, 'compromise-indicator', { severity: 90 });
    await deliver(w.client, w.taskQueue, keyRef, [compromise]);
    const record = await waitFor('the key assessed with its compromise finding', async () => {
      const r = await query(keyRef.key);
      return r.assessment && r.findingIds.includes(compromise.id) && r.assessment.principal ? r : undefined;
    });
    expect(record.assessment?.principalExceptions).toEqual([
      expect.objectContaining({ action: 'revoke-sessions' }),
    ]);
    expect(record.remediations).toEqual([]);
    expect((await query(user.key)).remediations).toEqual([]);
    expect(await inlinePolicies(iam, name)).toEqual([]);
  });
});

describe('re-assessment after an action', () => {
  it('after a scope-down, nhi identity shows the new score without another finding', async () => {
    const { iam } = awsClients();
    // Its only reach is IAM itself (privilege escalation), which scope-down denies.
    const name = `${prefix}-escalator`;
    const admin = userRef(await createUser(iam, name));
    const policy = (
      await iam.send(
        new CreatePolicyCommand({
          PolicyName: `${name}-all`,
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }],
          }),
        }),
      )
    ).Policy!;
    await iam.send(new AttachUserPolicyCommand({ UserName: name, PolicyArn: policy.Arn }));
    // Its access key is tracked too (a finding no rule acts on): it acts with the user's permissions.
    const created = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
    const keyRef: IdentityRef = {
      key: `aws:access-key:${created.AccessKeyId}`,
      type: 'aws-access-key',
      provider: 'aws',
      aliases: [],
    };
    for (const k of [admin.key, keyRef.key]) w.terminateAtStop.push(identityWorkflowId(k));
    await deliver(w.client, w.taskQueue, keyRef, [finding(keyRef, 'misconfiguration', { severity: 30 })]);
    const keyBefore = await waitFor('the key assessed', async () => (await query(keyRef.key)).assessment);
    await deliver(w.client, w.taskQueue, admin, [finding(admin, 'excess-privilege', { severity: 80 })]);

    const id = remediationWorkflowId(admin.key, 'scope-down', 0);
    const state = await remediationResult(id);
    expect(state.status).toBe('executed');
    // Assessed after the remediation started: only its re-assess signal asks for that (no finding came since).
    const started = (await w.client.workflow.getHandle(id).describe()).startTime.getTime();
    const decidedAt = (await query(admin.key)).remediations[0]!.score;
    const after: IdentityRecord = await waitFor('the re-assessment', async () => {
      const r = await query(admin.key);
      return r.assessment && Date.parse(r.assessment.assessedAt) > started ? r : undefined;
    });
    expect(after.assessment!.risk.score).toBeLessThan(decidedAt);
    expect(after.assessment!.blocked?.map((b) => b.by.join()).join()).toContain('nhi-enforce-scope-down');
    expect(after.findingIds).toHaveLength(1);
    const { out } = await nhi('identity', admin.key);
    expect(out.join('\n')).toMatch(new RegExp(`risk score\\s+${after.assessment!.risk.score} of 100`));
    // The key, which proposed nothing, is re-assessed too.
    expect(state.plan?.affects).toEqual([keyRef.key]);
    const keyAfter = await waitFor('the key re-assessed', async () => {
      const a = (await query(keyRef.key)).assessment;
      return a && Date.parse(a.assessedAt) > started ? a : undefined;
    });
    expect(keyAfter.risk.score).toBeLessThan(keyBefore.risk.score);
  });
});

describe('the policy in force', () => {
  it('a change to the file applies at the next assessment, without a restart, and is recorded by its hash; the owners file names owners', async () => {
    const before = hashOf(policyFile);
    appendFileSync(policyFile, '# edited while the worker runs\n');
    const after = hashOf(policyFile);
    expect(after).not.toBe(before);
    const user = userRef(listed);
    w.terminateAtStop.push(identityWorkflowId(user.key));
    await deliver(w.client, w.taskQueue, user, [finding(user, 'misconfiguration', { severity: 30 })]);
    const record = await waitFor('the assessment', async () => (await query(user.key)).assessment);
    expect(record.policyHash).toBe(after);
    expect(record).toMatchObject({ owner: 'team-listed', ownerFrom: 'owners file' });
    const events = (
      await collect(w.eventsTopic, (ms) => ms.some((m) => m.value?.toString().includes(after)))
    ).map((m) => EnforcementEvent.parse(JSON.parse(m.value!.toString())));
    expect(
      events.find((e) => e.type === 'identity.assessed' && e.identityKey === user.key)?.detail.policyHash,
    ).toBe(after);
  });
});

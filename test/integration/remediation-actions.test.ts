// Each remediation action against the AWS emulator: plan (read-only), execute, verify — and, where the emulator
// enforces it, proof that the identity is really denied afterwards, not just that our call returned 200.
import { randomUUID } from 'node:crypto';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetRolePolicyCommand,
  ListAccessKeysCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import type { ActionContext } from '../../activities/actions/action.ts';
import { decodePolicyDocument, EXECUTION_TIME } from '../../activities/actions/inline-deny.ts';
import { actionNamed } from '../../activities/actions/registry.ts';
import { rotatedSecretName } from '../../activities/actions/rotate-secret.ts';
import { awsClients, awsClientsFor } from '../../activities/aws/clients.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import { planHash } from '../../workflows/remediation/plan-hash.ts';

const aws = () => awsClients();
const ctx = (): ActionContext => ({ remediationId: `test/${randomUUID()}`, step() {} });
const allow = (actions: string[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: '*' }] });

async function userWithKey(actions = ['iam:ListUsers', 'iam:ListAccessKeys']) {
  const { iam } = aws();
  const name = `rem-${randomUUID().slice(0, 8)}`;
  const user = (await iam.send(new CreateUserCommand({ UserName: name }))).User!;
  await iam.send(
    new PutUserPolicyCommand({ UserName: name, PolicyName: 'work', PolicyDocument: allow(actions) }),
  );
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  const userRef: IdentityRef = { key: user.Arn!, type: 'aws-user', provider: 'aws', name, aliases: [] };
  const keyRef: IdentityRef = {
    key: `aws:access-key:${key.AccessKeyId}`,
    type: 'aws-access-key',
    provider: 'aws',
    name: key.AccessKeyId!,
    aliases: [],
    owner: user.Arn!,
  };
  const as = awsClientsFor({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
  return { name, userRef, keyRef, key, as };
}

const denied = async (fn: () => Promise<unknown>) =>
  fn().then(
    () => false,
    (e: Error) => /AccessDenied/.test(e.name),
  );

describe('remediation actions against the AWS emulator', () => {
  it('deactivate-key plans, deactivates, verifies, and is a no-op the second time', async () => {
    const { keyRef, key, name } = await userWithKey();
    const action = actionNamed('deactivate-key');
    const plan = await action.plan(keyRef, aws());
    expect(plan.steps).toEqual([
      { api: 'iam:UpdateAccessKey', target: key.AccessKeyId, detail: { userName: name } },
    ]);
    await action.execute(plan, aws(), ctx());
    expect(await action.verify(plan, aws())).toMatchObject({ ok: true });
    const keys = await aws().iam.send(new ListAccessKeysCommand({ UserName: name }));
    expect(keys.AccessKeyMetadata?.[0]?.Status).toBe('Inactive');
    expect((await action.plan(keyRef, aws())).noop).toMatch(/no active access key/);
  });

  it('rotate-secret stores a working new key in Secrets Manager and deactivates the exposed one', async () => {
    const { keyRef, key, name } = await userWithKey();
    const action = actionNamed('rotate-secret');
    const plan = await action.plan(keyRef, aws());
    const outcome = (await action.execute(plan, aws(), ctx())) as {
      rotated: Array<{ old: string; new: string; secretArn: string }>;
    };
    expect(outcome.rotated[0]?.old).toBe(key.AccessKeyId);
    // The new secret is in Secrets Manager, not in the outcome (which goes into workflow history).
    expect(JSON.stringify(outcome)).not.toMatch(/secretAccessKey/i);
    const stored = await aws().secretsManager.send(
      new GetSecretValueCommand({ SecretId: rotatedSecretName(name) }),
    );
    const fresh = JSON.parse(stored.SecretString!) as { accessKeyId: string; secretAccessKey: string };
    expect(fresh.accessKeyId).toBe(outcome.rotated[0]?.new);
    const works = await awsClientsFor(fresh).iam.send(new ListUsersCommand({}));
    expect(works.Users?.length).toBeGreaterThan(0);
    expect(await action.verify(plan, aws())).toMatchObject({ ok: true });
  });

  it('quarantine denies everything the key could do before', async () => {
    const { userRef, as } = await userWithKey();
    await as.iam.send(new ListUsersCommand({}));
    const action = actionNamed('quarantine');
    const plan = await action.plan(userRef, aws());
    await action.execute(plan, aws(), ctx());
    expect(await action.verify(plan, aws())).toMatchObject({ ok: true });
    expect(await denied(() => as.iam.send(new ListUsersCommand({})))).toBe(true);
  });

  it('scope-down through the access key identity acts on its user; with nothing sensitive to take, a no-op', async () => {
    const { keyRef } = await userWithKey();
    const plan = await actionNamed('scope-down').plan(keyRef, aws());
    expect(plan.steps).toEqual([]);
    expect(plan.noop).toMatch(/every sensitive action it holds was used/);
  });

  it('revoke-sessions plans the same twice; executed, the TokenIssueTime deny holds the execution time', async () => {
    const { iam } = aws();
    const roleName = `rem-role-${randomUUID().slice(0, 8)}`;
    const role = (
      await iam.send(
        new CreateRoleCommand({
          RoleName: roleName,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
          }),
        }),
      )
    ).Role!;
    const action = actionNamed('revoke-sessions');
    const ref: IdentityRef = { key: role.Arn!, type: 'aws-role', provider: 'aws', aliases: [] };
    const plan = await action.plan(ref, aws());
    await new Promise((r) => setTimeout(r, 20));
    // A re-plan a moment later (after an approval, after a hold) is the same plan: the approval stands.
    expect(planHash(await action.plan(ref, aws()))).toBe(planHash(plan));
    expect(plan.steps[0]).toMatchObject({ api: 'iam:PutRolePolicy', target: roleName });
    expect(plan.steps[0]?.detail.document).toContain(`"aws:TokenIssueTime":"${EXECUTION_TIME}"`);
    expect(plan.steps[0]?.detail.effect).toMatch(/issued before the moment it executes/);
    const actingAt = new Date().toISOString();
    const outcome = await action.execute(plan, aws(), { ...ctx(), actingAt });
    expect(outcome.issuedBefore).toBe(actingAt);
    const landed = await iam.send(
      new GetRolePolicyCommand({ RoleName: roleName, PolicyName: 'nhi-enforce-revoke-sessions' }),
    );
    expect(decodePolicyDocument(landed.PolicyDocument!)).toMatchObject({
      Statement: [{ Effect: 'Deny', Condition: { DateLessThan: { 'aws:TokenIssueTime': actingAt } } }],
    });
    expect(await action.verify(plan, aws(), outcome)).toMatchObject({
      ok: true,
      detail: expect.stringContaining(`sessions issued before ${actingAt} denied`),
    });
    // Another cut-off in place is not what was executed; nor can a check without the outcome's time pass.
    expect(
      await action.verify(plan, aws(), { ...outcome, issuedBefore: '2000-01-01T00:00:00.000Z' }),
    ).toMatchObject({ ok: false });
    expect((await action.verify(plan, aws())).detail).toMatch(/records no execution time/);
  });

  it('an action that does not exist is a clear error', () => {
    expect(() => actionNamed('launch-missiles')).toThrow(
      /no remediation action 'launch-missiles'.*deactivate-key/,
    );
  });
});

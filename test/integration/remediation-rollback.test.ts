// Every reversible action, executed and then rolled back in the emulator: the recorded pre-state is back and the
// rollback's own check says so. (Through the workflows and `nhi rollback`: remediation-follow-up.test.ts.)
import { randomUUID } from 'node:crypto';
import {
  CreateAccessKeyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  ListAccessKeysCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { ActionContext } from '../../activities/actions/action.ts';
import { actionNamed } from '../../activities/actions/registry.ts';
import { awsClients, awsClientsFor } from '../../activities/aws/clients.ts';
import type { IdentityRef } from '../../schemas/identity.ts';

const aws = () => awsClients();
const ctx = (): ActionContext => ({ remediationId: `test/${randomUUID()}`, step() {} });
const gone = (p: Promise<unknown>) =>
  p.then(
    () => false,
    (e: Error) => /NoSuchEntity/.test(e.name),
  );

async function userWithKey() {
  const name = `rb-${randomUUID().slice(0, 8)}`;
  const user = (await aws().iam.send(new CreateUserCommand({ UserName: name }))).User!;
  await aws().iam.send(
    new PutUserPolicyCommand({
      UserName: name,
      PolicyName: 'work',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: ['iam:ListUsers', 'iam:CreateAccessKey'], Resource: '*' }],
      }),
    }),
  );
  const key = (await aws().iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey!;
  const keyRef: IdentityRef = {
    key: `aws:access-key:${key.AccessKeyId}`,
    type: 'aws-access-key',
    provider: 'aws',
    name: key.AccessKeyId!,
    aliases: [],
    owner: user.Arn!,
  };
  const userRef: IdentityRef = { key: user.Arn!, type: 'aws-user', provider: 'aws', name, aliases: [] };
  const as = awsClientsFor({ accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey! });
  return { name, keyRef, userRef, as };
}

async function executeThenRollBack(actionName: string, identity: IdentityRef) {
  const action = actionNamed(actionName);
  const plan = await action.plan(identity, aws());
  expect(plan.rollback?.possible ?? true).toBe(true);
  const outcome = await action.execute(plan, aws(), ctx());
  expect(await action.verify(plan, aws(), outcome)).toMatchObject({ ok: true });
  await action.rollback!(plan, outcome, aws(), ctx());
  expect(await action.verifyRollback!(plan, outcome, aws())).toMatchObject({ ok: true });
  return { plan, outcome };
}

const statusOf = async (name: string, keyId: string) =>
  (await aws().iam.send(new ListAccessKeysCommand({ UserName: name }))).AccessKeyMetadata?.find(
    (k) => k.AccessKeyId === keyId,
  )?.Status;

describe('rollback restores the pre-state', () => {
  it('deactivate-key: the key is Active again', async () => {
    const { name, keyRef } = await userWithKey();
    await executeThenRollBack('deactivate-key', keyRef);
    expect(await statusOf(name, keyRef.name!)).toBe('Active');
  });

  it('rotate-secret (access key): the old key is Active again, the new one stays', async () => {
    const { name, keyRef } = await userWithKey();
    const { outcome } = await executeThenRollBack('rotate-secret', keyRef);
    expect(await statusOf(name, keyRef.name!)).toBe('Active');
    const fresh = (outcome.rotated as Array<{ new: string }>)[0]!.new;
    expect(await statusOf(name, fresh)).toBe('Active');
  });

  it('quarantine: the Deny-all is gone and the key works again', async () => {
    const { name, userRef, as } = await userWithKey();
    await executeThenRollBack('quarantine', userRef);
    expect(
      await gone(
        aws().iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: 'nhi-enforce-quarantine' })),
      ),
    ).toBe(true);
    expect((await as.iam.send(new ListUsersCommand({}))).Users?.length).toBeGreaterThan(0);
  });

  it('revoke-sessions on a role: the TokenIssueTime Deny is gone', async () => {
    const roleName = `rb-role-${randomUUID().slice(0, 8)}`;
    const role = (
      await aws().iam.send(
        new CreateRoleCommand({
          RoleName: roleName,
          AssumeRolePolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sts:AssumeRole' }],
          }),
        }),
      )
    ).Role!;
    await executeThenRollBack('revoke-sessions', {
      key: role.Arn!,
      type: 'aws-role',
      provider: 'aws',
      aliases: [],
    });
    expect(
      await gone(
        aws().iam.send(
          new GetRolePolicyCommand({ RoleName: roleName, PolicyName: 'nhi-enforce-revoke-sessions' }),
        ),
      ),
    ).toBe(true);
  });

  it('scope-down: the Deny is gone and the unused action works again', async () => {
    const { name, userRef, as } = await userWithKey();
    const { plan } = await executeThenRollBack('scope-down', userRef);
    expect(plan.steps[0]?.detail.document).toContain('iam:CreateAccessKey');
    expect(
      await gone(
        aws().iam.send(new GetUserPolicyCommand({ UserName: name, PolicyName: 'nhi-enforce-scope-down' })),
      ),
    ).toBe(true);
    expect(
      (await as.iam.send(new CreateAccessKeyCommand({ UserName: name }))).AccessKey?.AccessKeyId,
    ).toBeDefined();
  });
});

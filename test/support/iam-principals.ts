// IAM principals the end-to-end tests make in the AWS emulator: users (optionally admin), a role only a given
// principal may assume, and an access key's status as IAM reports it.
import {
  AttachUserPolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  ListAccessKeysCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { awsClients } from '../../activities/aws/clients.ts';
import type { IdentityRef } from '../../schemas/identity.ts';

/**
 * A role only `trusted` may assume. Its Allow is `iam:*` on `*` (the emulator denies resource-scoped Allows): the
 * session policy of a grant is what narrows it.
 */
export async function createAssumableRole(roleName: string, trusted: string): Promise<void> {
  const { iam } = awsClients();
  await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { AWS: trusted }, Action: 'sts:AssumeRole' }],
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: 'envelope',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'iam:*', Resource: '*' }],
      }),
    }),
  );
}

/** A user in `account`, as an identity; `admin` attaches an Allow-everything policy. */
export async function createTestUser(userName: string, account: string, admin = false): Promise<IdentityRef> {
  const { iam } = awsClients();
  const user = (await iam.send(new CreateUserCommand({ UserName: userName }))).User!;
  if (admin) {
    const policy = (
      await iam.send(
        new CreatePolicyCommand({
          PolicyName: `${userName}-admin`,
          PolicyDocument: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
          }),
        }),
      )
    ).Policy!;
    await iam.send(new AttachUserPolicyCommand({ UserName: user.UserName, PolicyArn: policy.Arn }));
  }
  return { key: user.Arn!, type: 'aws-user', provider: 'aws', account, name: user.UserName!, aliases: [] };
}

/** `Active` or `Inactive`, as IAM lists the user's key (undefined when it has no such key). */
export const accessKeyStatus = async (userName: string, keyId: string): Promise<string | undefined> =>
  (await awsClients().iam.send(new ListAccessKeysCommand({ UserName: userName }))).AccessKeyMetadata?.find(
    (k) => k.AccessKeyId === keyId,
  )?.Status;

// Which user an access key belongs to: IAM's answer (iam:GetAccessKeyLastUsed) in the key's own account, never
// what a finding claims.
import { GetAccessKeyLastUsedCommand } from '@aws-sdk/client-iam';
import type { IdentityRef } from '../../schemas/identity.ts';
import type { AwsClients } from '../aws/clients.ts';
import { accessKeyIdOf } from '../aws/identity-account.ts';

/** `aws` must act in the key's account (activities/aws/account-clients.ts). */
export async function accessKeyOwner(identity: IdentityRef, aws: AwsClients): Promise<string | undefined> {
  const keyId = accessKeyIdOf(identity);
  if (!keyId) return undefined;
  try {
    const out = await aws.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }));
    return out.UserName;
  } catch (error) {
    if ((error as { name?: string }).name?.startsWith('NoSuchEntity')) return undefined;
    throw error;
  }
}

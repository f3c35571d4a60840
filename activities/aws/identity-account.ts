// Which AWS account an identity lives in, from the cloud: the account field of its ARN, or for an access key
// sts:GetAccessKeyInfo (AWS answers for any key id). A finding's `account` claim is never used.
import { GetAccessKeyInfoCommand } from '@aws-sdk/client-sts';
import type { IdentityRef } from '../../schemas/identity.ts';
import type { AwsClients } from './clients.ts';

export const accessKeyIdOf = (identity: IdentityRef): string =>
  identity.key.startsWith('aws:access-key:')
    ? identity.key.slice('aws:access-key:'.length)
    : (identity.name ?? '');

/** The 12-digit account of an AWS identity, or undefined when it is not an AWS IAM identity. */
export async function identityAccount(identity: IdentityRef, base: AwsClients): Promise<string | undefined> {
  if (identity.type === 'aws-access-key') {
    const keyId = accessKeyIdOf(identity);
    if (!keyId) return undefined;
    try {
      const out = await base.sts.send(new GetAccessKeyInfoCommand({ AccessKeyId: keyId }));
      return out.Account;
    } catch (error) {
      // Not a key id AWS accepts: no account, so nothing is read or acted on. Anything else is retried.
      if ((error as { name?: string }).name === 'ValidationError') return undefined;
      throw error;
    }
  }
  const match = /^arn:aws[a-z-]*:iam::(\d{12}):/.exec(identity.key);
  return match?.[1];
}

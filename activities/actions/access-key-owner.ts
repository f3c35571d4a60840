// Which user an access key belongs to: from the finding when it said, else from IAM.
import { GetAccessKeyLastUsedCommand } from '@aws-sdk/client-iam';
import type { IdentityRef } from '../../schemas/identity.ts';
import type { AwsClients } from '../aws/clients.ts';
import { userNameFromArn } from './action.ts';

export async function accessKeyOwner(identity: IdentityRef, aws: AwsClients): Promise<string | undefined> {
  if (identity.owner?.includes(':user/')) return userNameFromArn(identity.owner);
  const keyId = identity.name ?? identity.key.replace(/^aws:access-key:/, '');
  try {
    const out = await aws.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: keyId }));
    return out.UserName;
  } catch (error) {
    if ((error as { name?: string }).name?.startsWith('NoSuchEntity')) return undefined;
    throw error;
  }
}

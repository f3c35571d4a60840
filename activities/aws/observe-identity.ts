// What AWS says about an identity right now: for a user, its access keys; for a key, who owns it and when it
// was last used. Read-only. A principal that does not exist is an answer, not an error.
import { GetAccessKeyLastUsedCommand, type IAMClient, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import type { IdentityRef } from '../../schemas/identity.ts';

export interface AccessKeySummary {
  accessKeyId: string;
  status: string;
  createdAt?: string;
}

export interface IdentityObservation {
  [key: string]: unknown;
  exists?: boolean;
  accessKeys?: AccessKeySummary[];
  owner?: string;
  lastUsedAt?: string;
  lastUsedService?: string;
}

const userNameOf = (arn: string) => arn.split('/').at(-1) ?? arn;

function isNoSuchEntity(error: unknown): boolean {
  return (
    (error as { name?: string })?.name === 'NoSuchEntity' ||
    (error as { name?: string })?.name === 'NoSuchEntityException'
  );
}

export async function observeAwsIdentity(
  iam: IAMClient,
  identity: IdentityRef,
): Promise<IdentityObservation> {
  try {
    if (identity.type === 'aws-user') {
      const out = await iam.send(new ListAccessKeysCommand({ UserName: userNameOf(identity.key) }));
      return {
        exists: true,
        accessKeys: (out.AccessKeyMetadata ?? []).map((k) => ({
          accessKeyId: k.AccessKeyId ?? '',
          status: k.Status ?? 'Unknown',
          createdAt: k.CreateDate?.toISOString(),
        })),
      };
    }
    if (identity.type === 'aws-access-key' && identity.name) {
      const out = await iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: identity.name }));
      return {
        exists: Boolean(out.UserName),
        owner: out.UserName,
        lastUsedAt: out.AccessKeyLastUsed?.LastUsedDate?.toISOString(),
        lastUsedService: out.AccessKeyLastUsed?.ServiceName,
      };
    }
    return {};
  } catch (error) {
    if (isNoSuchEntity(error)) return { exists: false };
    throw error;
  }
}

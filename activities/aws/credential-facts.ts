// Hygiene facts about an identity's credentials: key age, days unused, the key's user. Read-only; `aws` acts in
// the identity's account.
import {
  GetAccessKeyLastUsedCommand,
  ListAccessKeysCommand,
  type ListAccessKeysCommandOutput,
} from '@aws-sdk/client-iam';
import type { IdentityRef } from '../../schemas/identity.ts';
import { accessKeyOwner } from '../actions/access-key-owner.ts';
import type { AwsClients } from './clients.ts';
import { accessKeyIdOf } from './identity-account.ts';

export interface CredentialFacts {
  keyAgeDays?: number;
  unusedDays?: number;
  lastUsedAt?: string;
  userName?: string;
}

const DAY = 86_400_000;
const days = (from: Date, now: Date) => Math.max(0, Math.floor((now.getTime() - from.getTime()) / DAY));

export async function credentialFacts(
  identity: IdentityRef,
  aws: AwsClients,
  now = new Date(),
): Promise<CredentialFacts> {
  if (identity.type !== 'aws-access-key' && identity.type !== 'aws-user') return {};
  const userName =
    identity.type === 'aws-user' ? identity.key.split('/').at(-1) : await accessKeyOwner(identity, aws);
  if (!userName) return {};
  let keys: ListAccessKeysCommandOutput;
  try {
    keys = await aws.iam.send(new ListAccessKeysCommand({ UserName: userName }));
  } catch (error) {
    if ((error as { name?: string }).name?.startsWith('NoSuchEntity')) return {};
    throw error;
  }
  const active = (keys.AccessKeyMetadata ?? []).filter((k) => k.Status === 'Active');
  const keyId = accessKeyIdOf(identity);
  const relevant =
    identity.type === 'aws-access-key' ? active.filter((k) => k.AccessKeyId === keyId) : active;
  // The oldest active key is the one hygiene is about.
  const oldest = relevant.sort((a, b) => (a.CreateDate?.getTime() ?? 0) - (b.CreateDate?.getTime() ?? 0))[0];
  if (!oldest?.AccessKeyId || !oldest.CreateDate) return { userName };
  const used = await aws.iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: oldest.AccessKeyId }));
  const lastUsed = used.AccessKeyLastUsed?.LastUsedDate;
  return {
    userName,
    keyAgeDays: days(oldest.CreateDate, now),
    unusedDays: days(lastUsed ?? oldest.CreateDate, now),
    lastUsedAt: lastUsed?.toISOString(),
  };
}

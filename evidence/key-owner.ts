// Whether an access-key remediation belongs to an IAM user, for `nhi evidence export --identity USER`: a
// remediation of one of the user's keys changes that user's credentials, so it is part of the user's evidence.
// The link is the user name the remediation's plan read from AWS (each step's detail.userName), in the key's
// account when the key names one; a finding's owner claim is never used (anyone can claim one). A plan that acted on nothing (the key
// was already gone) names no user, so that remediation is not linked.
import type { RemediationSummary } from './summary.ts';

const USER_ARN = /^arn:aws[\w-]*:iam::(\d{12}):user\/(?:[^/]+\/)*([^/]+)$/;

/** The account and user name of an IAM user ARN, or undefined for any other identity key. */
export function iamUser(key: string): { account: string; userName: string } | undefined {
  const m = USER_ARN.exec(key);
  return m ? { account: m[1]!, userName: m[2]! } : undefined;
}

export const isAccessKeyIdentity = (key: string): boolean => key.startsWith('aws:access-key:');

/** The user names a remediation's plan acted for (empty when it planned nothing). */
function plannedUserNames(plan: RemediationSummary['plan']): string[] {
  const steps = (plan?.value as { steps?: unknown } | undefined)?.steps;
  if (!Array.isArray(steps)) return [];
  return steps
    .map((s) => (s as { detail?: { userName?: unknown } } | null)?.detail?.userName)
    .filter((u): u is string => typeof u === 'string');
}

/** Whether this remediation acts on an access key of the user `userKey` names (an IAM user ARN). */
export function remediatesKeyOf(
  summary: Pick<RemediationSummary, 'identity' | 'plan'>,
  userKey: string,
): boolean {
  const user = iamUser(userKey);
  if (!user || !isAccessKeyIdentity(summary.identity.key)) return false;
  if (summary.identity.account && summary.identity.account !== user.account) return false;
  return plannedUserNames(summary.plan).includes(user.userName);
}

// Are the AWS ids a finding names real ids? A tool's claim can carry a malformed id (a 13-digit account, an ARN
// with a 14-digit account, a 17-character key id) or a documentation placeholder (AKIAIOSFODNN7EXAMPLE): neither
// may become an identity, or a workflow would be started, scored and maybe acted on for an id that names nothing
// (or, for a placeholder, for a key that every tutorial prints: deactivating "AKIAIOSFODNN7EXAMPLE" acts on
// nothing and would be reported as done). Such an id stays on the finding as a warning in its evidence
// (`idWarnings`, `sampleIds`) and as a resource, where a reviewer sees it; the finding itself goes on.
// Pure: adapters stay lenient in what they recognise, and the boundary (normalize.ts) checks every finding here.
import type { IdentityRef } from './identity.ts';

/** An AWS account id: exactly 12 digits. */
export const isAwsAccountId = (id: string): boolean => /^\d{12}$/.test(id);

/**
 * AWS unique-id prefixes (IAM "unique identifiers"): access keys (AKIA long-term, ASIA temporary, ABIA STS bearer
 * tokens, ACCA context-specific) and the ids of groups, users, roles, policies, certificates, public keys. Every
 * one is 20 characters: the prefix and 16 upper-case letters or digits.
 */
const UNIQUE_ID = /^(AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|APKA|AIPA|ASCA)[A-Z0-9]{16}$/;
const ACCESS_KEY_PREFIX = /^(AKIA|ASIA|ABIA|ACCA)/;

/** A well-formed AWS access key id (the public half of a key pair). */
export const isWellFormedAccessKeyId = (id: string): boolean =>
  UNIQUE_ID.test(id) && ACCESS_KEY_PREFIX.test(id);

/**
 * AWS's documentation keys (`AKIAIOSFODNN7EXAMPLE`, `AKIAI44QH8DHBEXAMPLE`, `ASIAIOSFODNN7EXAMPLE`) and anything of
 * their make: a key id ending in EXAMPLE is a sample, never a live key. The account 123456789012 is not treated so:
 * the documentation uses it too, but so does every emulator (moto's default account), and a finding about an
 * emulated account is real to the emulator.
 */
export const isSampleAccessKeyId = (id: string): boolean =>
  ACCESS_KEY_PREFIX.test(id) && id.endsWith('EXAMPLE');

const ARN_ACCOUNT = /^arn:aws[a-z-]*:(?:iam|sts)::([^:]*):/;

/** Why this identity's id is not one AWS could have issued; undefined when it is fine (or not an AWS id). */
export function awsIdProblem(identity: IdentityRef): string | undefined {
  if (identity.type === 'aws-access-key') {
    const id = identity.name ?? identity.key.replace(/^aws:access-key:/, '');
    if (!isWellFormedAccessKeyId(id))
      return `malformed access key id ${id.slice(0, 24)} (${id.length} characters; AKIA/ASIA… ids have 20)`;
  }
  const arnAccount = ARN_ACCOUNT.exec(identity.key)?.[1];
  if (arnAccount !== undefined && !isAwsAccountId(arnAccount))
    return `malformed ARN ${identity.key.slice(0, 80)}: account '${arnAccount.slice(0, 20)}' is not 12 digits`;
  if (identity.provider === 'aws' && identity.account !== undefined && !isAwsAccountId(identity.account))
    return `malformed account id '${identity.account.slice(0, 20)}' of ${identity.key.slice(0, 80)}: not 12 digits`;
  return undefined;
}

export interface AwsIdCheck {
  /** The identities that name well-formed ids (the same array when all do). */
  identities: IdentityRef[];
  /** One line per identity left out because its id is malformed. */
  warnings: string[];
  /** Documentation placeholder key ids, left out too: a sample never acts (see isSampleAccessKeyId). */
  samples: string[];
}

export function checkAwsIds(identities: IdentityRef[]): AwsIdCheck {
  const warnings: string[] = [];
  const samples: string[] = [];
  const kept = identities.filter((identity) => {
    const problem = awsIdProblem(identity);
    if (problem) {
      warnings.push(problem);
      return false;
    }
    if (identity.type === 'aws-access-key' && identity.name && isSampleAccessKeyId(identity.name)) {
      samples.push(identity.name);
      return false;
    }
    return true;
  });
  return { identities: kept.length === identities.length ? identities : kept, warnings, samples };
}

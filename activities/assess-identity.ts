// What an identity can do and how risky that makes it: AWS reads (cached with a TTL) feeding the pure risk
// module. The result, with the policy in force, is recorded in the identity workflow's history, so a replay
// never re-reads AWS and a policy change applies from the next assessment on.
import { computeReach, type ReachResult } from '../risk/reach.ts';
import { type IdentitySummary, type RiskScore, scoreIdentity } from '../risk/score.ts';
import type { IdentityRef } from '../schemas/identity.ts';
import type { Policy } from '../schemas/policy.ts';
import type { FindingSummary } from '../workflows/identity/state.ts';
import { type AccountSnapshot, readAccountSnapshot } from './aws/account-snapshot.ts';
import type { AwsClients } from './aws/clients.ts';
import { type CredentialFacts, credentialFacts } from './aws/credential-facts.ts';
import { loadPolicy } from './policy-source.ts';

export interface AssessInput {
  identity: IdentityRef;
  findings: FindingSummary[];
}

export interface Assessment {
  assessedAt: string;
  risk: RiskScore;
  policy: Policy;
  /** The principal whose policies were evaluated (an access key's owner), when AWS knows it. */
  principal?: string;
  owner?: string | null;
  credentials: CredentialFacts;
  roles: Array<{ key: string; path: string[]; hops: number }>;
  capabilities: Array<{
    id: string;
    title: string;
    weight: number;
    path: string[];
    allResources: boolean;
    conditional: boolean;
    why: string;
  }>;
  /** Why AWS facts are missing, when they are. */
  note?: string;
}

const OWNER_TAGS = ['owner', 'Owner', 'team', 'Team', 'nhi:owner'];

interface CachedAccount {
  at: number;
  snapshot: AccountSnapshot;
  reach: Map<string, ReachResult>;
}

export function createAssessor(aws: AwsClients, opts: { ttlMs?: number; policy?: () => Policy } = {}) {
  const ttlMs = opts.ttlMs ?? Number(process.env.NHI_ENRICH_TTL_SECONDS ?? 60) * 1000;
  let account: Promise<CachedAccount> | undefined;
  let accountAt = 0;

  const currentAccount = (): Promise<CachedAccount> => {
    if (!account || Date.now() - accountAt > ttlMs) {
      accountAt = Date.now();
      account = readAccountSnapshot(aws.iam).then((snapshot) => ({
        at: Date.now(),
        snapshot,
        reach: computeReach(snapshot.identities),
      }));
      account.catch(() => {
        account = undefined;
      });
    }
    return account;
  };

  return async function assessIdentity(input: AssessInput): Promise<Assessment> {
    const policy = (opts.policy ?? loadPolicy)();
    const { identity } = input;
    const summary: IdentitySummary = { key: identity.key, type: identity.type, findings: input.findings };
    const result: Omit<Assessment, 'risk'> = {
      assessedAt: new Date().toISOString(),
      policy,
      credentials: {},
      roles: [],
      capabilities: [],
    };

    if (identity.provider === 'aws' && identity.type !== 'aws-root') {
      result.credentials = await credentialFacts(identity, aws);
      const principal =
        identity.type === 'aws-access-key'
          ? (identity.owner ??
            (result.credentials.userName && identity.account
              ? `arn:aws:iam::${identity.account}:user/${result.credentials.userName}`
              : undefined))
          : identity.key;
      const { snapshot, reach } = await currentAccount();
      const known = principal
        ? (reach.get(principal) ?? findByName(reach, result.credentials.userName))
        : undefined;
      if (known) {
        result.principal = known.key;
        summary.reach = known;
        result.roles = known.roles.map((r) => ({ key: r.key, path: r.path, hops: r.hops }));
        result.capabilities = known.capabilities.map((c) => ({
          id: c.id,
          title: c.title,
          weight: c.weight,
          path: c.path,
          allResources: c.allResources,
          conditional: c.conditional,
          why: c.why,
        }));
        const tags = snapshot.tags[known.key] ?? {};
        result.owner = OWNER_TAGS.map((t) => tags[t]).find(Boolean) ?? null;
        summary.owner = result.owner;
      } else {
        result.note = `${principal ?? identity.key} is not in the account this worker can read`;
      }
      summary.keyAgeDays = result.credentials.keyAgeDays;
      summary.unusedDays = result.credentials.unusedDays;
    }
    return { ...result, risk: scoreIdentity(summary, policy) };
  };
}

function findByName(reach: Map<string, ReachResult>, userName: string | undefined): ReachResult | undefined {
  if (!userName) return undefined;
  for (const [key, value] of reach)
    if (key.endsWith(`:user/${userName}`) || key.endsWith(`/${userName}`)) return value;
  return undefined;
}

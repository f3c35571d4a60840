// What an identity can do and how risky that makes it: AWS reads (cached with a TTL) feeding the pure risk
// module. The result, with the policy in force, is recorded in the identity workflow's history, so a replay
// never re-reads AWS and a policy change applies from the next assessment on.
import { GetRoleCommand, GetUserCommand } from '@aws-sdk/client-iam';
import { computeReach, type ReachResult } from '../risk/reach.ts';
import { type IdentitySummary, type RiskFinding, type RiskScore, scoreIdentity } from '../risk/score.ts';
import type { IdentityRef } from '../schemas/identity.ts';
import type { Policy } from '../schemas/policy.ts';
import type { FindingSummary } from '../workflows/identity/state.ts';
import { type AccountSnapshot, readAccountSnapshot } from './aws/account-snapshot.ts';
import type { AwsClients } from './aws/clients.ts';
import { type CredentialFacts, credentialFacts } from './aws/credential-facts.ts';
import { loadPolicy } from './policy-source.ts';

/** What scoring reads of an open finding; `count` identical ones (the workflow sends them grouped, see state.ts). */
export type AssessFinding = RiskFinding & { count?: number };

export interface AssessInput {
  identity: IdentityRef;
  /** Open findings: grouped AssessFindings, or FindingSummaries as histories from earlier versions hold them. */
  findings: Array<AssessFinding | FindingSummary>;
}

/** Grouped findings back to one entry per finding: the score's reasons count them. */
export function expandFindings(findings: AssessInput['findings']): RiskFinding[] {
  return findings.flatMap((f) => {
    const n = 'count' in f && typeof f.count === 'number' ? Math.min(Math.max(1, f.count), 10_000) : 1;
    return Array.from({ length: n }, () => f);
  });
}

export interface Assessment {
  assessedAt: string;
  risk: RiskScore;
  policy: Policy;
  /** The principal whose policies were evaluated (an access key's owner), when AWS knows it. */
  principal?: string;
  owner?: string | null;
  credentials: CredentialFacts;
  roles: Array<{ key: string; path: string[]; hops: number; conditional?: boolean }>;
  capabilities: Array<{
    id: string;
    title: string;
    weight: number;
    path: string[];
    hops?: number;
    allResources: boolean;
    conditional: boolean;
    why: string;
    /** The statements granting it on the holder (`managed:AdministratorAccess[0]`), at most 5. */
    grantedBy?: string[];
    /** Resource patterns it applies to, at most 5. */
    resources?: string[];
  }>;
  /** Capabilities some policy allows but a Deny or the permissions boundary takes away. */
  blocked?: Array<{ id: string; reason: string; by: string[] }>;
  /** Why AWS facts are missing, when they are. */
  note?: string;
}

const OWNER_TAGS = ['owner', 'Owner', 'team', 'Team', 'nhi:owner'];

interface CachedAccount {
  /** When the read started. */
  at: number;
  snapshot: AccountSnapshot;
  reach: Map<string, ReachResult>;
}

export function createAssessor(aws: AwsClients, opts: { ttlMs?: number; policy?: () => Policy } = {}) {
  const ttlMs = opts.ttlMs ?? Number(process.env.NHI_ENRICH_TTL_SECONDS ?? 60) * 1000;
  let account: Promise<CachedAccount> | undefined;
  let accountAt = 0;

  /** The cached snapshot, or a new read when it is too old or (`staleAt`) started no later than a known-stale one. */
  const currentAccount = (staleAt?: number): Promise<CachedAccount> => {
    if (!account || Date.now() - accountAt > ttlMs || (staleAt !== undefined && accountAt <= staleAt)) {
      const at = Date.now();
      accountAt = at;
      account = readAccountSnapshot(aws.iam).then((snapshot) => ({
        at,
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
    const summary: IdentitySummary = {
      key: identity.key,
      type: identity.type,
      findings: expandFindings(input.findings),
    };
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
      // An access key's owner by name is safe: the name came from this account. A user's is its key only.
      const find = ({ reach }: CachedAccount) =>
        (principal ? reach.get(principal) : undefined) ??
        (identity.type === 'aws-access-key' ? findUser(reach, result.credentials.userName) : undefined);
      let cached = await currentAccount();
      let known = find(cached);
      // Missing from a cached snapshot but present in IAM: created since. Read the account again.
      if (!known && principal && (await existsInIam(aws, principal))) {
        cached = await currentAccount(cached.at);
        known = find(cached);
      }
      const { snapshot } = cached;
      if (known) {
        result.principal = known.key;
        summary.reach = known;
        result.roles = known.roles.map((r) => ({
          key: r.key,
          path: r.path,
          hops: r.hops,
          conditional: r.conditional,
        }));
        result.capabilities = known.capabilities.map((c) => ({
          id: c.id,
          title: c.title,
          weight: c.weight,
          path: c.path,
          hops: c.hops,
          allResources: c.allResources,
          conditional: c.conditional,
          why: c.why,
          grantedBy: c.grant.grantedBy.slice(0, 5).map((r) => r.label),
          resources: c.grant.resources.slice(0, 5),
        }));
        result.blocked = known.blocked.map((b) => ({
          id: b.id,
          reason: b.reason,
          by: b.by.slice(0, 5).map((r) => r.label),
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

/** Whether a user or role ARN names an existing principal (one cheap read; any doubt is "no"). */
async function existsInIam(aws: AwsClients, arn: string): Promise<boolean> {
  const resource = arn.split(':').slice(5).join(':');
  const name = resource.split('/').at(-1);
  if (!name) return false;
  try {
    if (resource.startsWith('user/')) await aws.iam.send(new GetUserCommand({ UserName: name }));
    else if (resource.startsWith('role/')) await aws.iam.send(new GetRoleCommand({ RoleName: name }));
    else return false;
    return true;
  } catch {
    return false;
  }
}

/** A user by name (users may have paths: `user/ci/deployer`); never a role that happens to share the name. */
function findUser(reach: Map<string, ReachResult>, userName: string | undefined): ReachResult | undefined {
  if (!userName) return undefined;
  for (const [key, value] of reach) {
    const resource = key.split(':').slice(5).join(':');
    if (resource.startsWith('user/') && resource.split('/').at(-1) === userName) return value;
  }
  return undefined;
}

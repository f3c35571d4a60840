// What an identity can do and how risky that makes it: AWS reads (cached with a TTL) feeding the pure risk
// module, in the identity's own account (its ARN, or sts:GetAccessKeyInfo for a key) through the account's
// configured role. The result, with the policy in force and its hash, is recorded in the identity workflow's
// history, so a replay never re-reads AWS and a policy change applies from the next assessment on.
// Owners and an access key's user come from AWS (tags, the owners file, iam:GetAccessKeyLastUsed), never from a
// finding.
import { GetRoleCommand, GetUserCommand } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { Context } from '@temporalio/activity';
import { computeReach, type ReachResult } from '../risk/reach.ts';
import { type IdentitySummary, type RiskFinding, type RiskScore, scoreIdentity } from '../risk/score.ts';
import { isTeamActionName } from '../schemas/action-contract.ts';
import { configHashOf, type TeamActionRegistration } from '../schemas/config-hash.ts';
import type { IdentityRef } from '../schemas/identity.ts';
import type { Policy } from '../schemas/policy.ts';
import { exceptionsQuery, identityWorkflowId } from '../workflows/identity/definitions.ts';
import type { FindingSummary } from '../workflows/identity/state.ts';
import { registeredActions } from './action-registry.ts';
import {
  type AccountClients,
  AccountNotConfiguredError,
  createAccountClients,
} from './aws/account-clients.ts';
import { type AccountSnapshot, readAccountSnapshot } from './aws/account-snapshot.ts';
import type { AwsClients } from './aws/clients.ts';
import { type CredentialFacts, credentialFacts } from './aws/credential-facts.ts';
import { identityAccount } from './aws/identity-account.ts';
import { createPolicySource, type PolicyInForce } from './policy-source.ts';

/** What scoring reads of an open finding; `count` identical ones (the workflow sends them grouped, see state.ts). */
export type AssessFinding = RiskFinding & { count?: number };

export interface AssessInput {
  identity: IdentityRef;
  /** Open findings: grouped AssessFindings, or FindingSummaries as histories from earlier versions hold them. */
  findings: Array<AssessFinding | FindingSummary>;
  /** Read the account again instead of a cached snapshot (an action just changed it). */
  refresh?: boolean;
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
  /** `sha256:<hex>` of the policy file this assessment (and the decisions taken on it) used. */
  policyHash?: string;
  /**
   * The configuration in force (policy file and the registered team actions its rules name): a refusal that
   * depended on configuration, made under another hash, no longer blocks a new proposal.
   */
  configHash?: string;
  /** The account the identity lives in, from AWS (not from a finding). */
  account?: string;
  /** The principal whose policies were evaluated (an access key's owner), when AWS knows it. */
  principal?: string;
  /** Live exceptions granted on `principal` (when it is not the identity itself): they hold for every proposer. */
  principalExceptions?: Array<{ action: string; expiresAt: string }>;
  owner?: string | null;
  /** Where `owner` was read: the identity's tags or the policy's owners file. */
  ownerFrom?: 'tag' | 'owners file';
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
  /** The enforcer's own AWS caller identity: never acted upon (risk/brakes.ts protectionOf). */
  enforcer?: string;
}

interface CachedAccount {
  /** When the read started. */
  at: number;
  snapshot: AccountSnapshot;
  reach: Map<string, ReachResult>;
}

export interface AssessorOptions {
  ttlMs?: number;
  /** The policy in force (default: NHI_POLICY_FILE or the default policy, re-read at each assessment). */
  policy?: () => PolicyInForce | Policy;
  /** Clients per account (default: built from `aws` and the policy's `accounts:`). */
  accounts?: AccountClients;
}

export function createAssessor(aws: AwsClients, opts: AssessorOptions = {}) {
  const ttlMs = opts.ttlMs ?? Number(process.env.NHI_ENRICH_TTL_SECONDS ?? 60) * 1000;
  const readPolicy = opts.policy ?? createPolicySource();
  let inForce: PolicyInForce | undefined;
  const accounts = opts.accounts ?? createAccountClients(aws, () => inForce?.policy.accounts ?? {});
  const cache = new Map<string, { at: number; read: Promise<CachedAccount> }>();
  // The team actions' registrations, read from the registry at most once per TTL.
  let registrations: { at: number; queue: string; actions: TeamActionRegistration[] } | undefined;
  const teamRegistrations = async (policy: Policy): Promise<TeamActionRegistration[]> => {
    const named = new Set(policy.rules.map((r) => r.action).filter(isTeamActionName));
    if (named.size === 0) return [];
    let context: ReturnType<typeof Context.current>;
    try {
      context = Context.current();
    } catch {
      return []; // called outside an activity (tests of the assessor alone)
    }
    const queue = context.info.taskQueue;
    if (!registrations || registrations.queue !== queue || Date.now() - registrations.at > ttlMs) {
      try {
        const actions = (await registeredActions(context.client, queue)).map((a) => ({
          name: a.name,
          taskQueue: a.taskQueue,
          ...(a.registeredAt ? { registeredAt: a.registeredAt } : {}),
        }));
        registrations = { at: Date.now(), queue, actions };
      } catch {
        // The registry unreadable: the last known registrations (a flapping hash would re-arm refusals).
        return (registrations?.actions ?? []).filter((a) => named.has(a.name));
      }
    }
    return registrations.actions.filter((a) => named.has(a.name));
  };
  // Who this worker is in AWS: read once per process; unknown (a failed read) is tried again next time.
  let enforcer: Promise<string | undefined> | undefined;
  const enforcerIdentity = () => {
    enforcer ??= aws.sts.send(new GetCallerIdentityCommand({})).then(
      (r) => r.Arn,
      () => {
        enforcer = undefined;
        return undefined;
      },
    );
    return enforcer;
  };

  /** The cached snapshot, or a new read when it is too old or (`staleAt`) started no later than a known-stale one. */
  const currentAccount = (id: string, clients: AwsClients, staleAt?: number): Promise<CachedAccount> => {
    const entry = cache.get(id);
    if (!entry || Date.now() - entry.at > ttlMs || (staleAt !== undefined && entry.at <= staleAt)) {
      const at = Date.now();
      const read = readAccountSnapshot(clients.iam).then((snapshot) => ({
        at,
        snapshot,
        reach: computeReach(snapshot.identities),
      }));
      cache.set(id, { at, read });
      read.catch(() => {
        if (cache.get(id)?.read === read) cache.delete(id);
      });
      return read;
    }
    return entry.read;
  };

  return async function assessIdentity(input: AssessInput): Promise<Assessment> {
    const read = readPolicy();
    inForce = 'policy' in read && 'hash' in read ? read : { policy: read, hash: '', path: '', owners: {} };
    const { policy } = inForce;
    const { identity } = input;
    const summary: IdentitySummary = {
      key: identity.key,
      type: identity.type,
      findings: expandFindings(input.findings),
    };
    const result: Omit<Assessment, 'risk'> = {
      assessedAt: new Date().toISOString(),
      policy,
      ...(inForce.hash
        ? {
            policyHash: inForce.hash,
            configHash: configHashOf(inForce.hash, await teamRegistrations(policy)),
          }
        : {}),
      credentials: {},
      roles: [],
      capabilities: [],
    };

    const where =
      identity.provider === 'aws' && identity.type !== 'aws-root' ? await inAccount(identity) : undefined;
    if (identity.provider === 'aws' && identity.type !== 'aws-root') {
      const self = await enforcerIdentity();
      if (self) result.enforcer = self;
    }
    if (where && 'refused' in where) result.note = where.refused;
    else if (where) {
      const { account, clients } = where;
      result.account = account;
      result.credentials = await credentialFacts(identity, clients);
      const principal =
        identity.type === 'aws-access-key'
          ? result.credentials.userName
            ? `arn:aws:iam::${account}:user/${result.credentials.userName}`
            : undefined
          : identity.key;
      // An access key's owner by name is safe: the name came from this account. A user's is its key only.
      const find = ({ reach }: CachedAccount) =>
        (principal ? reach.get(principal) : undefined) ??
        (identity.type === 'aws-access-key' ? findUser(reach, result.credentials.userName) : undefined);
      let cached = await currentAccount(account, clients, input.refresh ? Date.now() : undefined);
      let known = find(cached);
      // Missing from a cached snapshot but present in IAM: created since. Read the account again.
      if (!known && principal && (await existsInIam(clients, principal))) {
        cached = await currentAccount(account, clients, cached.at);
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
        const tagged = policy.ownership.tagKeys.map((t) => tags[t]).find(Boolean);
        const listed = inForce.owners[known.key];
        result.owner = tagged ?? listed ?? null;
        if (result.owner) result.ownerFrom = tagged ? 'tag' : 'owners file';
        summary.owner = result.owner;
        if (known.key !== identity.key) {
          const held = await liveExceptionsOf(known.key);
          if (held.length) result.principalExceptions = held;
        }
      } else {
        result.note = `${principal ?? identity.key} is not in account ${account}`;
      }
      summary.keyAgeDays = result.credentials.keyAgeDays;
      summary.unusedDays = result.credentials.unusedDays;
    }
    return { ...result, risk: scoreIdentity(summary, policy) };
  };

  /** The identity's account and clients acting there, or why it cannot be read. */
  async function inAccount(
    identity: IdentityRef,
  ): Promise<{ account: string; clients: AwsClients } | { refused: string } | undefined> {
    const account = await identityAccount(identity, aws);
    if (!account) return undefined;
    try {
      return { account, clients: await accounts.clientsForAccount(account) };
    } catch (error) {
      if (error instanceof AccountNotConfiguredError)
        return { refused: `not assessed in AWS: ${error.message}` };
      throw error;
    }
  }
}

/** Live exceptions of another identity's workflow (none when it has no workflow or runs outside a worker). */
async function liveExceptionsOf(key: string): Promise<Array<{ action: string; expiresAt: string }>> {
  let client: ReturnType<typeof Context.current>['client'];
  try {
    client = Context.current().client;
  } catch {
    return []; // called outside an activity (tests of the assessor alone)
  }
  try {
    const all = await client.workflow.getHandle(identityWorkflowId(key)).query(exceptionsQuery);
    const now = Date.now();
    return all
      .filter((e) => Date.parse(e.expiresAt) > now)
      .map((e) => ({ action: e.action, expiresAt: e.expiresAt }));
  } catch (error) {
    const e = error as Error | undefined;
    if (e?.name === 'WorkflowNotFoundError' || /not found/i.test(String(e?.message))) return [];
    throw error;
  }
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

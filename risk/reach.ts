// Blast radius: what an identity can become by assuming roles, and what it can then do. A role R is assumable by
// X when R's trust policy trusts X and X's own policies allow sts:AssumeRole on R (explicit Deny wins; conditions
// are conservative: they do not break an edge, they mark it conditional). Reach is the transitive closure, found
// breadth-first so every role and capability comes with its shortest path.

import {
  type IdentityPolicies,
  listOf,
  type PolicyDocument,
  type Principal,
  statementsOf,
} from '../schemas/iam-policy.ts';
import type { IdentityType } from '../schemas/identity.ts';
import type { CapabilityId, Tactic } from './capability-catalogue.ts';
import {
  type BlockedCapability,
  type CapabilityGrant,
  evaluateAccess,
  evaluatePolicies,
  statementAppliesTo,
} from './evaluate-policy.ts';

/** An identity the system knows the policies of. `key` is its ARN (the canonical identity key). */
export interface KnownIdentity {
  key: string;
  type: IdentityType;
  /** Defaults to the account in the ARN. */
  account?: string;
  /** Unique ids (AIDA…/AROA…): trust policies show them in place of ARNs of deleted-and-recreated principals. */
  aliases?: readonly string[];
  policies: IdentityPolicies;
}

export interface TrustVerdict {
  trusted: boolean;
  conditional: boolean;
  /** How the trust policy names the caller. */
  via?: 'principal' | 'account' | 'anyone';
  reasons: string[];
}

export interface AssumeEdge {
  from: string;
  to: string;
  conditional: boolean;
  reasons: string[];
}

export interface ReachableRole {
  key: string;
  /** Keys from the start identity to this role, both included. */
  path: string[];
  hops: number;
  conditional: boolean;
}

export interface ReachedCapability {
  id: CapabilityId;
  title: string;
  weight: number;
  tactic: Tactic;
  why: string;
  /** The identity that holds it: the start itself or a role on `path`'s end. */
  holder: string;
  path: string[];
  hops: number;
  /** The grant or an edge on the path has conditions. */
  conditional: boolean;
  allResources: boolean;
  grant: CapabilityGrant;
}

export interface ReachResult {
  key: string;
  direct: CapabilityGrant[];
  blocked: BlockedCapability[];
  /** Sorted by hops, then key. */
  roles: ReachableRole[];
  /** One per capability: its strongest form (all resources, unconditional) by its shortest path; by weight. */
  capabilities: ReachedCapability[];
  /** The depth limit stopped the search while roles were still reachable. */
  truncated: boolean;
}

export interface ReachOptions {
  /** Most role hops followed from an identity (default 5; AWS role chaining has no hard limit). */
  maxDepth?: number;
}

export const DEFAULT_MAX_DEPTH = 5;

const ASSUME = 'sts:AssumeRole';
const ARN = /^arn:([^:]+):(?:iam|sts)::(\d{12}):(.+)$/;

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `arn:aws:iam::123456789012:role/deploy` → `role/deploy`; other keys unchanged. */
export function shortName(key: string): string {
  const m = ARN.exec(key);
  return m ? m[3]! : key;
}

/** `user/ci → role/deploy → role/admin` */
export const describePath = (path: readonly string[]): string => path.map(shortName).join(' → ');

export const accountOf = (key: string): string | undefined => ARN.exec(key)?.[2];

const partitionOf = (key: string): string => ARN.exec(key)?.[1] ?? 'aws';

type Caller = Pick<KnownIdentity, 'key' | 'account' | 'aliases'>;

function principalNames(principal: Principal | undefined, caller: Caller): TrustVerdict['via'] {
  if (principal === undefined) return undefined;
  if (principal === '*') return 'anyone';
  const account = caller.account ?? accountOf(caller.key);
  const root = account ? `arn:${partitionOf(caller.key)}:iam::${account}:root` : undefined;
  let via: TrustVerdict['via'];
  for (const raw of listOf(principal.AWS)) {
    const p = raw.trim();
    if (p === caller.key || caller.aliases?.includes(p)) return 'principal';
    if (account && (p === account || p === root)) via = 'account';
    else if (p === '*' && via === undefined) via = 'anyone';
  }
  return via;
}

const trustLabel = (index: number, sid: string | undefined) => `trust[${sid || index}]`;

/** Does `trust` (a role's trust policy) let `caller` call sts:AssumeRole? */
export function trustAllows(trust: PolicyDocument, caller: Caller): TrustVerdict {
  const reasons: string[] = [];
  let best: { via: NonNullable<TrustVerdict['via']>; conditional: boolean; label: string } | undefined;
  const rank = { principal: 0, account: 1, anyone: 2 } as const;
  const statements = statementsOf(trust);
  for (const [i, s] of statements.entries()) {
    if (s.Effect !== 'Allow' || !statementAppliesTo(s, ASSUME)) continue;
    const via = principalNames(s.Principal, caller);
    if (!via) continue;
    const conditional = s.Condition !== undefined && Object.keys(s.Condition).length > 0;
    const candidate = { via, conditional, label: trustLabel(i, s.Sid) };
    if (
      !best ||
      (best.conditional && !conditional) ||
      (best.conditional === conditional && rank[via] < rank[best.via])
    ) {
      best = candidate;
    }
  }
  if (!best)
    return {
      trusted: false,
      conditional: false,
      reasons: [`trust policy does not name ${shortName(caller.key)}`],
    };

  for (const [i, s] of statements.entries()) {
    if (s.Effect !== 'Deny' || !statementAppliesTo(s, ASSUME)) continue;
    const applies =
      s.NotPrincipal !== undefined
        ? principalNames(s.NotPrincipal, caller) === undefined
        : principalNames(s.Principal, caller) !== undefined;
    if (!applies) continue;
    const label = trustLabel(i, s.Sid);
    if (s.Condition !== undefined && Object.keys(s.Condition).length > 0) {
      reasons.push(`deny has conditions: ${label} (not counted)`);
      continue;
    }
    return { trusted: false, conditional: false, reasons: [`trust policy denies it: ${label}`] };
  }

  const { via, conditional, label } = best;
  const who =
    via === 'principal'
      ? 'names it directly'
      : via === 'account'
        ? 'trusts its whole account'
        : 'trusts anyone';
  reasons.unshift(`${label} ${who}${conditional ? ' (with conditions)' : ''}`);
  return { trusted: true, conditional, via, reasons };
}

const canAssume = (t: IdentityType) => t === 'aws-user' || t === 'aws-role';

/** Every "X can assume R" among the identities given, sorted by from, then to. */
export function assumeEdges(identities: readonly KnownIdentity[]): AssumeEdge[] {
  const edges: AssumeEdge[] = [];
  const roles = identities.filter((r) => r.type === 'aws-role' && r.policies.trustPolicy);
  for (const caller of identities) {
    if (!canAssume(caller.type)) continue;
    const callerAccount = caller.account ?? accountOf(caller.key);
    for (const role of roles) {
      if (role.key === caller.key) continue;
      const trust = trustAllows(role.policies.trustPolicy!, caller);
      if (!trust.trusted) continue;
      // A same-account trust policy that names a user grants on its own (resource-based policy logic); naming the
      // account or a role still needs the caller's own permission.
      const sameAccount =
        callerAccount !== undefined && callerAccount === (role.account ?? accountOf(role.key));
      const resourcePolicy =
        trust.via === 'principal' && caller.type === 'aws-user' && sameAccount
          ? { label: 'trust policy (names it directly)', conditional: trust.conditional }
          : undefined;
      const access = evaluateAccess(
        caller.policies,
        ASSUME,
        role.key,
        resourcePolicy ? { resourcePolicy } : {},
      );
      if (!access.allowed) continue;
      const own = access.grantedBy.filter((r) => r.label !== resourcePolicy?.label).map((r) => r.label);
      const permission = own.length
        ? `${own.join(', ')} allows ${ASSUME}`
        : 'same account, so the trust policy alone is enough: no identity permission needed';
      edges.push({
        from: caller.key,
        to: role.key,
        conditional: trust.conditional || access.conditional,
        reasons: [...trust.reasons, permission, ...access.notes],
      });
    }
  }
  return edges.sort((a, b) => compare(a.from, b.from) || compare(a.to, b.to));
}

interface Visit {
  key: string;
  path: string[];
  conditional: boolean;
}

/** Better of two equally short ways to a role: unconditional first, then the lexically first path. */
const betterVisit = (a: Visit, b: Visit): boolean =>
  a.conditional !== b.conditional ? !a.conditional : compare(a.path.join('\n'), b.path.join('\n')) < 0;

/** Better of two ways to one capability: wider, then unconditional, then shorter, then lexically first path. */
function betterCapability(a: ReachedCapability, b: ReachedCapability): boolean {
  if (a.allResources !== b.allResources) return a.allResources;
  if (a.conditional !== b.conditional) return !a.conditional;
  if (a.hops !== b.hops) return a.hops < b.hops;
  return compare(a.path.join('\n'), b.path.join('\n')) < 0;
}

/** Reach of every identity given, keyed by identity key. Deterministic for any input order. */
export function computeReach(
  identities: readonly KnownIdentity[],
  options: ReachOptions = {},
): Map<string, ReachResult> {
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const sorted = [...identities].sort((a, b) => compare(a.key, b.key));
  const evaluations = new Map(
    sorted.map((i) => [i.key, evaluatePolicies(i.policies, { account: i.account ?? accountOf(i.key) })]),
  );
  const out = new Map<string, AssumeEdge[]>();
  for (const e of assumeEdges(sorted)) out.set(e.from, [...(out.get(e.from) ?? []), e]);

  const results = new Map<string, ReachResult>();
  for (const start of sorted) {
    const visited = new Map<string, Visit>([
      [start.key, { key: start.key, path: [start.key], conditional: false }],
    ]);
    let frontier: Visit[] = [visited.get(start.key)!];
    let truncated = false;
    for (let depth = 1; frontier.length > 0; depth++) {
      const next = new Map<string, Visit>();
      for (const from of frontier) {
        for (const edge of out.get(from.key) ?? []) {
          if (visited.has(edge.to)) continue;
          if (depth > maxDepth) {
            truncated = true;
            continue;
          }
          const visit = {
            key: edge.to,
            path: [...from.path, edge.to],
            conditional: from.conditional || edge.conditional,
          };
          const seen = next.get(edge.to);
          if (!seen || betterVisit(visit, seen)) next.set(edge.to, visit);
        }
      }
      if (depth > maxDepth) break;
      for (const v of next.values()) visited.set(v.key, v);
      frontier = [...next.values()].sort((a, b) => compare(a.key, b.key));
    }

    const roles: ReachableRole[] = [...visited.values()]
      .filter((v) => v.key !== start.key)
      .map((v) => ({ key: v.key, path: v.path, hops: v.path.length - 1, conditional: v.conditional }))
      .sort((a, b) => a.hops - b.hops || compare(a.key, b.key));

    const best = new Map<string, ReachedCapability>();
    for (const v of [visited.get(start.key)!, ...roles.map((r) => visited.get(r.key)!)]) {
      for (const grant of evaluations.get(v.key)?.capabilities ?? []) {
        const candidate: ReachedCapability = {
          id: grant.id,
          title: grant.title,
          weight: grant.weight,
          tactic: grant.tactic,
          why: grant.why,
          holder: v.key,
          path: v.path,
          hops: v.path.length - 1,
          conditional: v.conditional || grant.conditional,
          allResources: grant.allResources,
          grant,
        };
        const seen = best.get(grant.id);
        if (!seen || betterCapability(candidate, seen)) best.set(grant.id, candidate);
      }
    }

    const evaluation = evaluations.get(start.key)!;
    results.set(start.key, {
      key: start.key,
      direct: evaluation.capabilities,
      blocked: evaluation.blocked,
      roles,
      capabilities: [...best.values()].sort((a, b) => b.weight - a.weight || compare(a.id, b.id)),
      truncated,
    });
  }
  return results;
}

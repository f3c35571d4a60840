// What an identity's IAM policies let it do, in terms of the capability catalogue. Follows IAM's evaluation
// logic where it matters for risk (explicit Deny beats Allow, the permissions boundary intersects, group policies
// count) and stays conservative where it cannot know: a Deny with conditions does not remove anything, an Allow
// with conditions still counts (marked conditional). Every grant names the statements behind it.
import {
  type IdentityPolicies,
  type InlinePolicy,
  listOf,
  type NamedInlinePolicy,
  type PolicyDocument,
  type PolicyStatement,
  statementsOf,
} from '../schemas/iam-policy.ts';
import {
  ALL_ACTIONS,
  CAPABILITIES,
  type CapabilityDef,
  type CapabilityId,
  type Tactic,
} from './capability-catalogue.ts';
import { globMatch, hasPolicyVariable, patternCovers, patternsOverlap, widenVariables } from './patterns.ts';

/** One statement of one policy: `managed:AdministratorAccess[0]`, `group:devs/inline:deploy[PassDeployRole]`. */
export interface StatementRef {
  policy: string;
  index: number;
  sid?: string;
  label: string;
}

export interface CapabilityGrant {
  id: CapabilityId;
  title: string;
  weight: number;
  tactic: Tactic;
  why: string;
  /** Every granting statement has conditions (or the boundary's does): real, but only in some contexts. */
  conditional: boolean;
  /** The grant covers every resource of its kind, not a named few. */
  allResources: boolean;
  /** Resource patterns the capability applies to, sorted. */
  resources: string[];
  /** Catalogue actions that are allowed. */
  actions: string[];
  grantedBy: StatementRef[];
  /** Things a reviewer should know: conditional denies that were not counted, NotResource widened, … */
  notes: string[];
}

/** Allowed by some statement, but taken away (explicit deny, boundary) or too narrow for the capability. */
export interface BlockedCapability {
  id: CapabilityId;
  reason: string;
  by: StatementRef[];
}

export interface PolicyEvaluation {
  /** Sorted by weight (highest first), then id. */
  capabilities: CapabilityGrant[];
  blocked: BlockedCapability[];
}

export interface AccessResult {
  allowed: boolean;
  conditional: boolean;
  grantedBy: StatementRef[];
  /** Why an Allow did not count: explicit deny (see deniedBy) or the permissions boundary. */
  blockedReason?: string;
  deniedBy: StatementRef[];
  notes: string[];
}

export interface EvaluateOptions {
  /** The identity's own account: `{account}` in catalogue probes (e.g. "any role in its account"). */
  account?: string;
}

interface Sourced {
  statement: PolicyStatement;
  ref: StatementRef;
}

interface Sources {
  identity: Sourced[];
  boundary?: Sourced[];
}

interface ResourceGrant {
  resource: string;
  ref: StatementRef;
  conditional: boolean;
}

interface ActionOutcome {
  grants: ResourceGrant[];
  /** Set when something allowed the action and something else took it away (`by`: the denying statements). */
  blocked?: { reason: string; by: StatementRef[] };
  notes: string[];
}

const CI = { caseInsensitive: true } as const;

// ---------------------------------------------------------------------------------------------------------------
// collecting statements

function fromDocument(doc: PolicyDocument, policy: string): Sourced[] {
  return statementsOf(doc).map((statement, index) => ({
    statement,
    ref: {
      policy,
      index,
      ...(statement.Sid ? { sid: statement.Sid } : {}),
      label: `${policy}[${statement.Sid || index}]`,
    },
  }));
}

const isNamed = (p: InlinePolicy): p is NamedInlinePolicy => !('Statement' in p);

function fromInline(list: readonly InlinePolicy[], prefix: string): Sourced[] {
  return list.flatMap((p, i) =>
    isNamed(p)
      ? fromDocument(p.document, `${prefix}inline:${p.name}`)
      : fromDocument(p, `${prefix}inline#${i}`),
  );
}

function collect(policies: IdentityPolicies): Sources {
  const identity = [
    ...fromInline(policies.inline, ''),
    ...policies.attached.flatMap((p) => fromDocument(p.document, `managed:${p.name}`)),
    ...policies.groups.flatMap((g) => [
      ...fromInline(g.inline, `group:${g.name}/`),
      ...g.attached.flatMap((p) => fromDocument(p.document, `group:${g.name}/managed:${p.name}`)),
    ]),
  ];
  return policies.permissionsBoundary
    ? { identity, boundary: fromDocument(policies.permissionsBoundary, 'boundary') }
    : { identity };
}

// ---------------------------------------------------------------------------------------------------------------
// statement primitives

const isAllActionsPattern = (p: string) => /^\*+(:\*+)?$/.test(p.trim());

/** Does the statement speak about `action`? ALL_ACTIONS asks "about every action at once". */
export function statementAppliesTo(s: PolicyStatement, action: string): boolean {
  if (action === ALL_ACTIONS) {
    if (s.Action !== undefined) return listOf(s.Action).some(isAllActionsPattern);
    // Allow NotAction [x] allows "all but x": not everything. Deny NotAction [x] denies all but x: no longer admin.
    return s.Effect === 'Deny';
  }
  if (s.Action !== undefined) return listOf(s.Action).some((p) => globMatch(p.trim(), action, CI));
  return !listOf(s.NotAction).some((p) => globMatch(p.trim(), action, CI));
}

const hasConditions = (s: PolicyStatement) =>
  s.Condition !== undefined && Object.keys(s.Condition).length > 0;

/** The resources an Allow statement could reach, widened where IAM semantics are "everything but". */
function allowPatterns(s: PolicyStatement, ref: StatementRef, notes: Set<string>): string[] {
  if (s.Resource !== undefined) return listOf(s.Resource).map((r) => widenVariables(r.trim()));
  if (s.NotResource !== undefined) {
    notes.add(
      `${ref.label} allows all resources except ${listOf(s.NotResource).join(', ')} (counted as all)`,
    );
  }
  return ['*'];
}

type DenyVerdict = 'covers' | 'uncertain' | 'no';

/** Does an unconditional reading of the Deny cover every resource `resource` stands for? */
function denyCovers(s: PolicyStatement, resource: string): DenyVerdict {
  if (s.NotResource !== undefined) {
    const excluded = listOf(s.NotResource).map((n) => widenVariables(n.trim()));
    return excluded.some((n) => patternsOverlap(n, resource)) ? 'no' : 'covers';
  }
  const patterns = s.Resource === undefined ? ['*'] : listOf(s.Resource).map((r) => r.trim());
  if (patterns.some((p) => !hasPolicyVariable(p) && patternCovers(p, resource))) return 'covers';
  if (patterns.some((p) => hasPolicyVariable(p) && patternCovers(widenVariables(p), resource)))
    return 'uncertain';
  return 'no';
}

// ---------------------------------------------------------------------------------------------------------------
// one action

/**
 * Evaluate one action. With `target` (a concrete ARN) the question is "may it do `action` on `target`"; without,
 * it is "on which resource patterns may it do `action`".
 */
function evaluateAction(
  sources: Sources,
  action: string,
  target?: string,
  resourcePolicyGrant?: ResourceGrant,
): ActionOutcome {
  const notes = new Set<string>();
  let grants: ResourceGrant[] = [];
  for (const { statement, ref } of sources.identity) {
    if (statement.Effect !== 'Allow' || !statementAppliesTo(statement, action)) continue;
    for (const pattern of allowPatterns(statement, ref, notes)) {
      if (target !== undefined && !patternCovers(pattern, target)) continue;
      grants.push({ resource: target ?? pattern, ref, conditional: hasConditions(statement) });
    }
  }
  if (grants.length === 0 && !resourcePolicyGrant) return { grants, notes: [...notes] };

  if (sources.boundary && grants.length > 0) {
    const limits = sources.boundary.flatMap(({ statement, ref }) =>
      statement.Effect === 'Allow' && statementAppliesTo(statement, action)
        ? allowPatterns(statement, ref, notes).map((resource) => ({
            resource,
            conditional: hasConditions(statement),
          }))
        : [],
    );
    const kept: ResourceGrant[] = [];
    for (const g of grants) {
      for (const b of limits) {
        if (patternCovers(b.resource, g.resource))
          kept.push({ ...g, conditional: g.conditional || b.conditional });
        else if (patternCovers(g.resource, b.resource)) {
          kept.push({ ...g, resource: b.resource, conditional: g.conditional || b.conditional });
          notes.add(`permissions boundary narrows ${g.resource} to ${b.resource}`);
        }
      }
    }
    if (kept.length === 0 && !resourcePolicyGrant) {
      return {
        grants: [],
        blocked: { reason: `outside the permissions boundary (allowed by ${labels(grants)})`, by: [] },
        notes: [...notes],
      };
    }
    grants = kept;
  }
  // Same-account resource policies grant on their own: the boundary's implicit deny does not apply to them.
  if (resourcePolicyGrant) grants.push(resourcePolicyGrant);

  const denies = [...sources.identity, ...(sources.boundary ?? [])].filter(
    ({ statement }) => statement.Effect === 'Deny' && statementAppliesTo(statement, action),
  );
  const deniedBy: StatementRef[] = [];
  const survivors = grants.filter((g) => {
    for (const { statement, ref } of denies) {
      const verdict = denyCovers(statement, g.resource);
      if (verdict === 'no') continue;
      if (hasConditions(statement)) {
        notes.add(`deny has conditions: ${ref.label} (not counted)`);
        continue;
      }
      if (verdict === 'uncertain') {
        notes.add(`deny uses policy variables: ${ref.label} (not counted)`);
        continue;
      }
      deniedBy.push(ref);
      return false;
    }
    return true;
  });
  if (survivors.length === 0) {
    const by = uniqueRefs(deniedBy);
    const reason = `explicitly denied by ${by.map((r) => r.label).join(', ')}`;
    return { grants: [], blocked: { reason, by }, notes: [...notes] };
  }
  if (action === ALL_ACTIONS) {
    // "Everything but a few actions" is still admin; say which few.
    for (const { statement, ref } of [...sources.identity, ...(sources.boundary ?? [])]) {
      if (
        statement.Effect !== 'Deny' ||
        statementAppliesTo(statement, ALL_ACTIONS) ||
        hasConditions(statement)
      )
        continue;
      notes.add(`except what ${ref.label} denies: ${listOf(statement.Action).join(', ')}`);
    }
  }
  return { grants: survivors, notes: [...notes] };
}

const labels = (grants: readonly ResourceGrant[]) => sortedUnique(grants.map((g) => g.ref.label)).join(', ');

function uniqueRefs(refs: readonly StatementRef[]): StatementRef[] {
  const byLabel = new Map<string, StatementRef>();
  for (const r of refs) if (!byLabel.has(r.label)) byLabel.set(r.label, r);
  return [...byLabel.values()].sort((a, b) => compare(a.label, b.label));
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const sortedUnique = (xs: Iterable<string>) => [...new Set(xs)].sort(compare);

// ---------------------------------------------------------------------------------------------------------------
// capabilities

function probesOf(def: CapabilityDef, account: string): string[] {
  const probes: readonly string[] = 'probes' in def ? def.probes : [];
  return probes.map((p) => p.replaceAll('{account}', account));
}

function coversAll(resource: string, probes: readonly string[]): boolean {
  if (resource === '*') return true;
  return probes.length > 0 && probes.every((p) => patternCovers(resource, p));
}

const baseOf = (def: CapabilityDef) => ({
  id: def.id,
  title: def.title,
  weight: def.weight,
  tactic: def.tactic,
  why: def.why,
});

/** The capabilities `policies` grant, strongest first, and those that something took away. */
export function evaluatePolicies(
  policies: IdentityPolicies,
  options: EvaluateOptions = {},
): PolicyEvaluation {
  const sources = collect(policies);
  const account = options.account ?? '000000000000';
  const granted = new Map<string, CapabilityGrant>();
  const blocked: BlockedCapability[] = [];

  for (const def of CAPABILITIES) {
    if (def.kind !== 'actions') continue;
    const probes = probesOf(def, account);
    const requiresAll = 'requiresAllResources' in def && def.requiresAllResources;
    const grants: ResourceGrant[] = [];
    const actions: string[] = [];
    const notes = new Set<string>();
    const blocks: { reason: string; by: StatementRef[] }[] = [];
    for (const action of def.actions) {
      const outcome = evaluateAction(sources, action);
      for (const n of outcome.notes) notes.add(n);
      if (outcome.blocked) blocks.push(outcome.blocked);
      const usable = requiresAll
        ? outcome.grants.filter((g) => coversAll(g.resource, probes))
        : outcome.grants;
      if (requiresAll && outcome.grants.length > 0 && usable.length === 0) {
        blocks.push({
          reason: `scoped to ${sortedUnique(outcome.grants.map((g) => g.resource)).join(', ')}; needs all resources`,
          by: uniqueRefs(outcome.grants.map((g) => g.ref)),
        });
      }
      if (usable.length > 0) {
        actions.push(action);
        grants.push(...usable);
      }
    }
    if (grants.length === 0) {
      if (blocks.length > 0) {
        blocked.push({
          id: def.id,
          reason: sortedUnique(blocks.map((b) => b.reason)).join('; '),
          by: uniqueRefs(blocks.flatMap((b) => b.by)),
        });
      }
      continue;
    }
    granted.set(def.id, {
      ...baseOf(def),
      conditional: grants.every((g) => g.conditional),
      allResources: grants.some((g) => coversAll(g.resource, probes)),
      resources: sortedUnique(grants.map((g) => g.resource)),
      actions,
      grantedBy: uniqueRefs(grants.map((g) => g.ref)),
      notes: sortedUnique(notes),
    });
  }

  for (const def of CAPABILITIES) {
    if (def.kind !== 'combo') continue;
    const parts = def.requires.map((id) => granted.get(id));
    if (!parts.every((p): p is CapabilityGrant => p !== undefined)) continue;
    const scope = granted.get(def.scopedBy)!;
    granted.set(def.id, {
      ...baseOf(def),
      conditional: parts.some((p) => p.conditional),
      allResources: scope.allResources,
      resources: scope.resources,
      actions: parts.flatMap((p) => p.actions),
      grantedBy: uniqueRefs(parts.flatMap((p) => p.grantedBy)),
      notes: sortedUnique([
        `combines ${parts.map((p) => `${p.id} (${p.resources.join(', ')})`).join(' + ')}`,
        ...parts.flatMap((p) => p.notes),
      ]),
    });
  }

  return {
    capabilities: [...granted.values()].sort(byWeight),
    blocked: blocked.sort((a, b) => compare(a.id, b.id)),
  };
}

export const byWeight = (a: { weight: number; id: string }, b: { weight: number; id: string }): number =>
  b.weight - a.weight || compare(a.id, b.id);

export interface AccessOptions {
  /**
   * A same-account resource-based policy (e.g. a role's trust policy naming this user) already allows the call:
   * no identity Allow is needed, but the identity's explicit Denies still apply.
   */
  resourcePolicy?: { label: string; conditional: boolean };
}

/** May the identity call `action` on the concrete resource ARN `resource`? (e.g. sts:AssumeRole on a role) */
export function evaluateAccess(
  policies: IdentityPolicies,
  action: string,
  resource: string,
  options: AccessOptions = {},
): AccessResult {
  const rp = options.resourcePolicy;
  const extra = rp
    ? { resource, conditional: rp.conditional, ref: { policy: rp.label, index: 0, label: rp.label } }
    : undefined;
  const outcome = evaluateAction(collect(policies), action, resource, extra);
  return {
    allowed: outcome.grants.length > 0,
    conditional: outcome.grants.length > 0 && outcome.grants.every((g) => g.conditional),
    grantedBy: uniqueRefs(outcome.grants.map((g) => g.ref)),
    ...(outcome.blocked ? { blockedReason: outcome.blocked.reason } : {}),
    deniedBy: outcome.blocked?.by ?? [],
    notes: [...outcome.notes].sort(compare),
  };
}

// Scope down to what is used (as Repokid does): the sensitive actions an identity's policies allow, set against
// the actions it was seen using. Pure: the plan activity feeds it the identity's grants and its recorded activity.

import { ALL_ACTIONS, CAPABILITIES } from './capability-catalogue.ts';
import type { CapabilityGrant } from './evaluate-policy.ts';
import { patternsOverlap } from './patterns.ts';

export type ScopeDownStrategy = 'deny-unused' | 'used-only';

export interface ScopeDownInput {
  /** What the identity's own policies grant (reach.direct). */
  direct: readonly { id: CapabilityGrant['id'] | string; title: string; actions: readonly string[] }[];
  /** Roles it can assume, by path: reaching them needs sts:AssumeRole. */
  roles: readonly { key: string; path: readonly string[] }[];
  /** Actions seen in its CloudTrail activity (`s3:GetObject`), any case. */
  used: readonly string[];
  /** Actions IAM's service-last-accessed data says it used (`s3:GetObject`, or `ec2:*` for a whole service). */
  lastAccessed?: readonly string[];
  strategy: ScopeDownStrategy;
}

export interface ScopeDownPlan {
  /** The inline policy's statements: one Deny. Empty when nothing would be taken away. */
  statements: Array<Record<string, unknown>>;
  /** Per action: kept (with why) or denied (with why), sorted. */
  explanation: Array<{ action: string; verdict: 'keep' | 'deny'; why: string }>;
}

const ASSUME = 'sts:AssumeRole';
const sameAction = (a: string, b: string) => patternsOverlap(a, b, { caseInsensitive: true });

/** Every concrete action the catalogue names: what an Allow of `*` hands out among sensitive actions. */
const CATALOGUE_ACTIONS: readonly string[] = [
  ...new Set(
    CAPABILITIES.flatMap((c) => (c.kind === 'actions' ? c.actions.filter((a) => a !== ALL_ACTIONS) : [])),
  ),
].sort();

export function planScopeDown(input: ScopeDownInput): ScopeDownPlan {
  const fromTrail = new Set(input.used.map((u) => u.trim()).filter(Boolean));
  const fromIam = new Set((input.lastAccessed ?? []).map((u) => u.trim()).filter(Boolean));
  const used = [...new Set([...fromTrail, ...fromIam])].sort();
  const whyUsed = (action: string) =>
    fromTrail.has(action)
      ? 'used: seen in its CloudTrail activity'
      : `used: IAM last-accessed data${action.endsWith(':*') ? ' (service level: the whole service stays)' : ''}`;
  const isUsed = (action: string) => used.some((u) => sameAction(u, action));
  // Sensitive action → the capability that makes it sensitive (first one wins: the catalogue's order).
  const held = new Map<string, string>();
  for (const grant of input.direct) {
    const actions = grant.actions.includes(ALL_ACTIONS) ? CATALOGUE_ACTIONS : grant.actions;
    for (const a of actions) if (!held.has(a)) held.set(a, grant.title);
  }
  if (input.roles.length && !held.has(ASSUME))
    held.set(ASSUME, `reaches ${input.roles.length} role(s), e.g. ${input.roles[0]!.key}`);

  const explanation: ScopeDownPlan['explanation'] = [];
  for (const action of used) explanation.push({ action, verdict: 'keep', why: whyUsed(action) });
  const denied: string[] = [];
  for (const [action, title] of [...held].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (isUsed(action)) continue; // kept above
    denied.push(action);
    explanation.push({ action, verdict: 'deny', why: `never used; grants: ${title}` });
  }

  if (input.strategy === 'used-only') {
    const why = used.length
      ? `not among the ${used.length} used action(s)`
      : 'no recorded activity: nothing is kept';
    return {
      statements: [
        used.length
          ? { Sid: 'NhiEnforceOnlyUsedActions', Effect: 'Deny', NotAction: used, Resource: '*' }
          : { Sid: 'NhiEnforceOnlyUsedActions', Effect: 'Deny', Action: '*', Resource: '*' },
      ],
      explanation: [
        ...explanation.filter((e) => e.verdict === 'keep'),
        { action: '*', verdict: 'deny', why: `every other action: ${why}` },
      ],
    };
  }
  return {
    statements: denied.length
      ? [{ Sid: 'NhiEnforceDenyUnusedSensitive', Effect: 'Deny', Action: denied, Resource: '*' }]
      : [],
    explanation,
  };
}

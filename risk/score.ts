// Risk score 0–100 for one identity, from what it can do (capabilities, blast radius), whether its secret is
// exposed, signs of compromise, posture findings and hygiene. Each factor has points (0–100: how bad this factor
// is), the policy's weight, and contribution = round(points × weight); the score is the sum of contributions,
// capped at 100, so every point is explained by a factor a reviewer can read. Pure and deterministic.
import { type FindingKind, type FindingStatus, isClosedStatus } from '../schemas/finding.ts';
import type { IdentityType } from '../schemas/identity.ts';
import type { Hygiene, Weights } from '../schemas/policy.ts';
import { shortName } from './reach.ts';

/** What scoring needs to know about one open finding (the identity workflow's FindingSummary fits). */
export interface RiskFinding {
  kind: FindingKind;
  /** 0–100. */
  severity: number;
  /** Closed findings (resolved, suppressed, passed) are ignored. */
  status?: FindingStatus;
  title?: string;
  /** The input format it came from: `guardduty` findings count as compromise signals. */
  format?: string;
  /** The secret was seen somewhere public (a public repository, a paste site). */
  public?: boolean;
  /** The scanner verified the secret is live. */
  verified?: boolean;
}

/** A capability the identity holds or can reach (reach.ts's ReachedCapability fits). */
export interface ScoredCapability {
  id: string;
  title: string;
  weight: number;
  why: string;
  path: readonly string[];
  hops: number;
  conditional: boolean;
  allResources: boolean;
  grant?: { resources: readonly string[]; grantedBy: readonly { label: string }[] };
}

/** The plain facts scoring reads. Unknown facts are left out and score nothing: no guessing. */
export interface IdentitySummary {
  key: string;
  type: IdentityType;
  /** Capabilities (direct and through assumable roles) and assumable roles; absent when policies are unknown. */
  reach?: { capabilities: readonly ScoredCapability[]; roles?: readonly { key: string }[] };
  findings: readonly RiskFinding[];
  /** Age of the (access) key in days. */
  keyAgeDays?: number;
  /** Days since last use (since creation when never used). */
  unusedDays?: number;
  /** The owner; `null` means "looked, nobody owns it", undefined means not known. */
  owner?: string | null;
}

export type FactorId =
  | 'capability'
  | 'breadth'
  | 'exposure'
  | 'compromise'
  | 'posture'
  | 'keyAge'
  | 'unused'
  | 'noOwner'
  /** What a contained credential still scores (risk/residual.ts): never from a weight of the policy. */
  | 'residual';

export interface RiskFactor {
  id: FactorId;
  /** 0–100: how bad this factor is on its own. */
  points: number;
  /** From the policy. */
  weight: number;
  /** round(points × weight): what it adds to the score. */
  contribution: number;
  reason: string;
}

export interface RiskScore {
  /** 0–100. */
  score: number;
  /** Sum of contributions before the cap at 100. */
  total: number;
  /** Highest contribution first. */
  factors: RiskFactor[];
  /** Set when an executed remediation contains the identity (risk/residual.ts): the score before, and why not now. */
  contained?: { before: number; reasons: string[] };
}

export interface ScoringPolicy {
  weights: Weights;
  hygiene: Hygiene;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const clamp = (n: number) => Math.max(0, Math.min(100, Math.round(n)));
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function list(items: readonly string[], max = 4): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown} (+${items.length - max} more)` : shown;
}

const quoted = (f: RiskFinding) => (f.title ? `"${f.title}"` : `a ${f.kind} finding`);

// ---------------------------------------------------------------------------------------------------------------
// factors: each returns points and a reason, or undefined when it does not apply

type FactorDraft = { id: Exclude<FactorId, 'residual'>; points: number; reason: string };

function effectiveWeight(c: ScoredCapability, weights: Weights): number {
  return c.allResources ? c.weight : c.weight * weights.scopedCapability;
}

function byEffective(weights: Weights) {
  return (a: ScoredCapability, b: ScoredCapability) =>
    effectiveWeight(b, weights) - effectiveWeight(a, weights) || b.weight - a.weight || compare(a.id, b.id);
}

function howReached(c: ScoredCapability): string {
  if (c.hops === 0) {
    const by = c.grant?.grantedBy.map((r) => r.label) ?? [];
    return by.length ? `holds it directly (${list(by, 2)})` : 'holds it directly';
  }
  const target = shortName(c.path[c.path.length - 1]!);
  const via = c.path.slice(1, -1).map(shortName);
  const hops = plural(c.hops, 'hop');
  return via.length
    ? `can become ${target} via ${via.join(' → ')} (${hops})`
    : `can become ${target} (${hops})`;
}

function capabilityFactor(s: IdentitySummary, weights: Weights): FactorDraft | undefined {
  const caps = [...(s.reach?.capabilities ?? [])].sort(byEffective(weights));
  const top = caps[0];
  if (!top) return undefined;
  const scope = top.allResources
    ? ''
    : `, scoped to ${list(top.grant?.resources ?? [], 2) || 'named resources'} (counted at ${Math.round(weights.scopedCapability * 100)}%)`;
  const conditional = top.conditional ? ', only under conditions' : '';
  return {
    id: 'capability',
    points: clamp(effectiveWeight(top, weights)),
    reason: `${howReached(top)}: ${top.id} (${top.title})${scope}${conditional} — ${top.why}`,
  };
}

function breadthFactor(s: IdentitySummary, weights: Weights): FactorDraft | undefined {
  const caps = [...(s.reach?.capabilities ?? [])].sort(byEffective(weights)).slice(1);
  const roles = s.reach?.roles ?? [];
  if (caps.length === 0 && roles.length === 0) return undefined;
  const parts: string[] = [];
  if (caps.length) {
    const noun = caps.length === 1 ? 'capability' : 'capabilities';
    parts.push(`${caps.length} more sensitive ${noun}: ${list(caps.map((c) => c.id))}`);
  }
  if (roles.length)
    parts.push(`can assume ${plural(roles.length, 'role')}: ${list(roles.map((r) => shortName(r.key)))}`);
  return { id: 'breadth', points: clamp(10 * caps.length + 5 * roles.length), reason: parts.join('; ') };
}

function exposureFactor(open: readonly RiskFinding[]): FactorDraft | undefined {
  const exposed = open.filter((f) => f.kind === 'exposed-secret');
  if (exposed.length === 0) return undefined;
  const pointsOf = (f: RiskFinding) => 50 + (f.public ? 30 : 0) + (f.verified ? 20 : 0);
  const worst = [...exposed].sort((a, b) => pointsOf(b) - pointsOf(a) || b.severity - a.severity)[0]!;
  const how = [worst.public ? 'in a public place' : '', worst.verified ? 'verified live by the scanner' : '']
    .filter(Boolean)
    .join(', ');
  const count = exposed.length > 1 ? ` (${plural(exposed.length, 'open exposed-secret finding')})` : '';
  return {
    id: 'exposure',
    points: clamp(pointsOf(worst)),
    reason: `secret exposed: ${quoted(worst)}${how ? `, ${how}` : ''}${count}`,
  };
}

const isGuardDuty = (f: RiskFinding) => f.format === 'guardduty';

function compromiseFactor(open: readonly RiskFinding[]): FactorDraft | undefined {
  const signals = open.filter(
    (f) => f.kind === 'compromise-indicator' || f.kind === 'anomalous-use' || isGuardDuty(f),
  );
  if (signals.length === 0) return undefined;
  // A detector's verdict counts in full; "unusual" alone counts for less.
  const pointsOf = (f: RiskFinding) =>
    f.kind === 'compromise-indicator' || isGuardDuty(f) ? f.severity : f.severity * 0.6;
  const sorted = [...signals].sort(
    (a, b) => pointsOf(b) - pointsOf(a) || compare(a.title ?? '', b.title ?? ''),
  );
  const worst = sorted[0]!;
  const corroboration = 10 * (signals.length - 1);
  const source = isGuardDuty(worst) ? 'GuardDuty: ' : '';
  const more = signals.length > 1 ? `; ${plural(signals.length - 1, 'more signal')} (+${corroboration})` : '';
  return {
    id: 'compromise',
    points: clamp(pointsOf(worst) + corroboration),
    reason: `${worst.kind}: ${source}${quoted(worst)} (severity ${worst.severity})${more}`,
  };
}

function postureFactor(open: readonly RiskFinding[]): FactorDraft | undefined {
  const posture = open.filter((f) => f.kind === 'excess-privilege' || f.kind === 'misconfiguration');
  if (posture.length === 0) return undefined;
  const worst = [...posture].sort(
    (a, b) => b.severity - a.severity || compare(a.title ?? '', b.title ?? ''),
  )[0]!;
  const more = posture.length > 1 ? ` (+${plural(posture.length - 1, 'more')})` : '';
  return {
    id: 'posture',
    points: clamp(worst.severity),
    reason: `${worst.kind}: ${quoted(worst)} (severity ${worst.severity})${more}`,
  };
}

/** Over the limit: 50 points at the limit, 100 at twice the limit. */
const overLimit = (days: number, limit: number) => clamp(50 + (50 * (days - limit)) / limit);

function keyAgeFactor(
  s: IdentitySummary,
  open: readonly RiskFinding[],
  hygiene: Hygiene,
): FactorDraft | undefined {
  if (s.keyAgeDays !== undefined) {
    if (s.keyAgeDays <= hygiene.maxKeyAgeDays) return undefined;
    return {
      id: 'keyAge',
      points: overLimit(s.keyAgeDays, hygiene.maxKeyAgeDays),
      reason: `key is ${s.keyAgeDays} days old (limit ${hygiene.maxKeyAgeDays})`,
    };
  }
  const stale = open.find((f) => f.kind === 'stale-credential');
  return stale ? { id: 'keyAge', points: 50, reason: `stale-credential: ${quoted(stale)}` } : undefined;
}

function unusedFactor(
  s: IdentitySummary,
  open: readonly RiskFinding[],
  hygiene: Hygiene,
): FactorDraft | undefined {
  if (s.unusedDays !== undefined) {
    if (s.unusedDays <= hygiene.maxUnusedDays) return undefined;
    return {
      id: 'unused',
      points: overLimit(s.unusedDays, hygiene.maxUnusedDays),
      reason: `not used for ${s.unusedDays} days (limit ${hygiene.maxUnusedDays}): access nobody needs`,
    };
  }
  const unused = open.find((f) => f.kind === 'unused-credential');
  return unused ? { id: 'unused', points: 50, reason: `unused-credential: ${quoted(unused)}` } : undefined;
}

function noOwnerFactor(s: IdentitySummary): FactorDraft | undefined {
  return s.owner === null
    ? { id: 'noOwner', points: 100, reason: 'no owner: nobody to ask before remediating, nobody watching it' }
    : undefined;
}

// ---------------------------------------------------------------------------------------------------------------

/** Score one identity under the policy's weights and hygiene limits. */
export function scoreIdentity(summary: IdentitySummary, policy: ScoringPolicy): RiskScore {
  const { weights, hygiene } = policy;
  const open = summary.findings.filter((f) => !isClosedStatus(f.status));
  const partials = [
    capabilityFactor(summary, weights),
    breadthFactor(summary, weights),
    exposureFactor(open),
    compromiseFactor(open),
    postureFactor(open),
    keyAgeFactor(summary, open, hygiene),
    unusedFactor(summary, open, hygiene),
    noOwnerFactor(summary),
  ].filter((p): p is FactorDraft => p !== undefined && p.points > 0);

  const factors: RiskFactor[] = partials
    .map((p) => {
      const weight = weights[p.id];
      return { ...p, weight, contribution: Math.round(p.points * weight) };
    })
    .sort((a, b) => b.contribution - a.contribution || b.points - a.points || compare(a.id, b.id));
  const total = factors.reduce((sum, f) => sum + f.contribution, 0);
  return { score: Math.min(100, total), total, factors };
}

/** `78: can become role/admin via role/deploy (2 hops): full-admin … (+50); …` — for logs and the CLI. */
export function explainScore(risk: RiskScore): string {
  const parts = risk.factors.map((f) => `${f.reason} (+${f.contribution})`);
  const capped = risk.total > risk.score ? ` (capped from ${risk.total})` : '';
  return `${risk.score}${capped}: ${parts.join('; ') || 'no risk factors'}`;
}

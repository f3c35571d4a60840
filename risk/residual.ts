// Residual risk after containment: what an identity can still do once a remediation that contains it executed.
// The assessment reads IAM, which shows what a scope-down or a quarantine left (the policies), but not what an
// action did to the credential the score is about: a deactivated key can do nothing, and a rotated secret's
// exposed value is dead. Pure: the identity workflow passes the remediations that ended executed (a rollback ends
// them `rolled-back`, so the full score comes back with the key).
import type { IdentityType } from '../schemas/identity.ts';
import type { RiskFactor, RiskScore } from './score.ts';

/** A remediation that ended executed, as the identity workflow's record keeps it. */
export interface Containment {
  action: string;
  workflowId: string;
  /** When it ended executed. */
  at: string;
  /** The score the identity had when it was proposed. */
  scoreBefore: number;
  /** The principal it changed, when not this identity (a key's user). */
  target?: string;
}

/** What a contained credential that still exists scores: it can be re-activated until someone deletes it. */
export const RESIDUAL_POINTS = 5;

/** The remediations of a record that contain it now: real (not observe) and ended executed. */
export function containmentsOf(
  remediations: readonly {
    action: string;
    workflowId: string;
    score: number;
    observe?: boolean;
    target?: string;
    ended?: { status: string; at: string };
  }[],
): Containment[] {
  return remediations
    .filter((r) => !r.observe && r.ended?.status === 'executed')
    .map((r) => ({
      action: r.action,
      workflowId: r.workflowId,
      at: r.ended!.at,
      scoreBefore: r.score,
      ...(r.target ? { target: r.target } : {}),
    }));
}

/** `AKIA…WXYZ`: enough to tell keys apart in a sentence (the key id is no secret, but it is long). */
export function shortKeyId(key: string): string {
  const id = key.split(':').at(-1) ?? key;
  return id.length > 12 ? `${id.slice(0, 4)}…${id.slice(-4)}` : id;
}

// Actions after which the identity's own credential is dead, by identity type. An access key's rotation
// deactivates the old key (the identity); a secret's rotation replaces the exposed value.
const KILLS_KEY: Partial<Record<IdentityType, readonly string[]>> = {
  'aws-access-key': ['deactivate-key', 'rotate-secret'],
};
const KILLS_EXPOSED_VALUE: Partial<Record<IdentityType, readonly string[]>> = {
  'aws-user': ['deactivate-key'],
  secret: ['rotate-secret'],
};
// Actions whose effect IAM shows: the assessment scored what they left.
const SHOWN_BY_IAM: readonly string[] = ['scope-down', 'quarantine'];

const DONE: Record<string, string> = {
  'deactivate-key': 'deactivated',
  'rotate-secret': 'rotated',
  'scope-down': 'scoped down',
  quarantine: 'quarantined',
};

/**
 * The score after containment. A dead key scores RESIDUAL_POINTS alone (one `residual` factor naming the
 * remediation); a dead exposed value loses its exposure factor; a scope-down or quarantine keeps the assessed score
 * (IAM already shows what it kept) with the remediation named. Without a containment the score is returned as is.
 */
export function residualRisk(
  identity: { key: string; type: IdentityType },
  risk: RiskScore,
  containments: readonly Containment[],
): RiskScore {
  const latest = (actions: readonly string[] | undefined) =>
    containments.filter((c) => actions?.includes(c.action) && !c.target).at(-1);
  const by = (c: Containment) => `${DONE[c.action] ?? c.action} by ${c.workflowId} at ${c.at}`;

  const killed = latest(KILLS_KEY[identity.type]);
  if (killed) {
    const factor: RiskFactor = {
      id: 'residual',
      points: RESIDUAL_POINTS,
      weight: 1,
      contribution: RESIDUAL_POINTS,
      reason: `key ${shortKeyId(identity.key)} ${by(killed)}: an inactive key can do nothing; it can be re-activated until it is deleted`,
    };
    return {
      score: RESIDUAL_POINTS,
      total: RESIDUAL_POINTS,
      factors: [factor],
      contained: { before: risk.score, reasons: [] }, // the factor names the remediation
    };
  }

  const reasons: string[] = [];
  let factors = risk.factors;
  const valueDead = latest(KILLS_EXPOSED_VALUE[identity.type]);
  if (valueDead && factors.some((f) => f.id === 'exposure')) {
    factors = factors.filter((f) => f.id !== 'exposure');
    reasons.push(`secret ${by(valueDead)}: the exposed value is dead, so exposure no longer counts`);
  }
  for (const c of containments.filter((c) => SHOWN_BY_IAM.includes(c.action)))
    reasons.push(
      `${c.target ?? 'it'} ${by(c)}: scored on what IAM shows it kept (${c.scoreBefore} when proposed)`,
    );
  if (reasons.length === 0) return risk;
  const total = factors.reduce((sum, f) => sum + f.contribution, 0);
  return { score: Math.min(100, total), total, factors, contained: { before: risk.score, reasons } };
}

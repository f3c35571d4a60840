// Just-in-time grants live on an identity: which of them a delivery of findings concerns. A live grant is revoked at
// the bar that refuses a new request (schemas/access-risk-bar.ts): a new open compromise finding of any severity,
// or the identity's assessed score reaching the grant's riskCeiling; and, as before, a new open critical finding on
// the identity (or on the grant's role). A finding on the role whose session is the grant's (CloudTrail names it)
// is a use of the grant. Pure: the workflow signals the grants.
import { accessRiskBar, barsAccess } from '../../schemas/access-risk-bar.ts';
import type { Finding } from '../../schemas/finding.ts';
import type { AccessUse, RiskRevocation } from '../access/definitions.ts';
import type { FindingsDelivery } from './definitions.ts';
import type { IdentityRecord } from './state.ts';

/** Grants one identity remembers (live ones; ended ones are dropped as new ones arrive). */
export const MAX_ACCESS_GRANTS = 50;
/** Severity score from which a finding is critical (the adapters map `critical` to 90–100). */
export const CRITICAL_SEVERITY = 90;
/**
 * Live grants are revoked at the access risk bar (compromise of any severity, score at the ceiling), not only on a
 * critical finding. Histories recorded before replay as they ran.
 */
export const ACCESS_RISK_BAR_PATCH = 'access-risk-bar';

export interface GrantMessage {
  workflowId: string;
  revoke?: RiskRevocation;
  use?: AccessUse;
}

type Grant = NonNullable<IdentityRecord['accessGrants']>[number];

const liveGrants = (record: IdentityRecord, now: string): Grant[] =>
  (record.accessGrants ?? []).filter((g) => g.expiresAt > now && !g.revokedFor);

/** Why new findings revoke every live grant on the identity: a compromise (with the bar), else a critical one. */
function revocationFor(
  record: IdentityRecord,
  changed: readonly Finding[],
  riskBar: boolean,
): RiskRevocation | undefined {
  if (riskBar) {
    const compromise = changed
      .filter((f) => barsAccess({ status: f.status, kind: f.kind, sample: f.evidence?.sample === true }))
      .map((f) => ({ id: f.id, title: f.title }));
    const barred = accessRiskBar({ key: record.identity.key, compromise });
    if (barred) return { reason: barred.reason, findingId: barred.findingId! };
  }
  const critical = changed.find(
    (f) => f.status === 'open' && f.kind !== 'activity' && f.severity.score >= CRITICAL_SEVERITY,
  );
  return critical
    ? { reason: `critical finding on ${record.identity.key}: ${critical.title}`, findingId: critical.id }
    : undefined;
}

export function grantMessagesFor(
  record: IdentityRecord,
  delivery: FindingsDelivery,
  changed: readonly Finding[],
  now: string,
  riskBar = false,
): GrantMessage[] {
  const out: GrantMessage[] = [];
  const revoke = revocationFor(record, changed, riskBar);
  for (const grant of record.accessGrants ?? []) {
    if (grant.expiresAt <= now || grant.revokedFor) continue;
    if (revoke) {
      grant.revokedFor = revoke.findingId;
      out.push({ workflowId: grant.workflowId, revoke });
      continue;
    }
    const aliases = new Set(delivery.identity?.aliases ?? []);
    for (const f of changed) {
      const names = [...aliases, ...f.identities.flatMap((i) => [i.key, ...(i.aliases ?? [])])];
      if (!names.includes(grant.assumedRoleArn)) continue;
      const api =
        f.evidence.eventSource && f.evidence.eventName
          ? `${String(f.evidence.eventSource).replace(/\.amazonaws\.com$/, '')}:${String(f.evidence.eventName)}`
          : undefined;
      out.push({
        workflowId: grant.workflowId,
        use: { findingId: f.id, at: f.time, ...(api ? { api } : {}) },
      });
    }
  }
  return out;
}

/**
 * The live grants the identity's current state bars (after an assessment, or when a grant is noted): an open
 * compromise finding already on the record, or the assessed score at or above a grant's ceiling. A grant noted
 * without a ceiling (recorded before ceilings were) is judged on the compromise findings only.
 */
export function barredGrants(record: IdentityRecord, now: string): GrantMessage[] {
  const compromise = record.findings.filter(barsAccess).map((f) => ({ id: f.id, title: f.title }));
  const score = record.assessment?.risk.score;
  const out: GrantMessage[] = [];
  for (const grant of liveGrants(record, now)) {
    const barred = accessRiskBar({
      key: record.identity.key,
      compromise,
      ...(score !== undefined ? { score } : {}),
      ...(grant.riskCeiling !== undefined ? { ceiling: grant.riskCeiling } : {}),
      ...(grant.action ? { action: grant.action } : {}),
    });
    if (!barred) continue;
    grant.revokedFor = barred.findingId ?? `risk score ${score}`;
    out.push({
      workflowId: grant.workflowId,
      revoke: { reason: barred.reason, ...(barred.findingId ? { findingId: barred.findingId } : {}) },
    });
  }
  return out;
}

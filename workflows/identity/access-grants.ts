// Just-in-time grants live on an identity: which of them a delivery of findings concerns. A new open critical
// finding on the identity (or on the grant's role) revokes every live grant there at once; a finding on the role
// whose session is the grant's (CloudTrail names it) is a use of the grant. Pure: the workflow signals the grants.
import type { Finding } from '../../schemas/finding.ts';
import type { AccessUse, RiskRevocation } from '../access/definitions.ts';
import type { FindingsDelivery } from './definitions.ts';
import type { IdentityRecord } from './state.ts';

/** Grants one identity remembers (live ones; ended ones are dropped as new ones arrive). */
export const MAX_ACCESS_GRANTS = 50;
/** Severity score from which a finding is critical (the adapters map `critical` to 90–100). */
export const CRITICAL_SEVERITY = 90;

export interface GrantMessage {
  workflowId: string;
  revoke?: RiskRevocation;
  use?: AccessUse;
}

export function grantMessagesFor(
  record: IdentityRecord,
  delivery: FindingsDelivery,
  changed: readonly Finding[],
  now: string,
): GrantMessage[] {
  const out: GrantMessage[] = [];
  const critical = changed.find(
    (f) => f.status === 'open' && f.kind !== 'activity' && f.severity.score >= CRITICAL_SEVERITY,
  );
  for (const grant of record.accessGrants ?? []) {
    if (grant.expiresAt <= now || grant.revokedFor) continue;
    if (critical) {
      grant.revokedFor = critical.id;
      out.push({
        workflowId: grant.workflowId,
        revoke: {
          reason: `critical finding on ${record.identity.key}: ${critical.title}`,
          findingId: critical.id,
        },
      });
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

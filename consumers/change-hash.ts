// What makes a finding "changed" for its identity workflow: a hash of the fields that matter for risk and for a
// reviewer. Volatile fields are left out (the observation time, update times, occurrence counts, last-seen), so a
// tool re-sending the same finding with a new timestamp is a repeat, and a new status, severity, verification or
// exposure is a change.
import { createHash } from 'node:crypto';
import type { Finding } from '../schemas/finding.ts';

/** Evidence facts that change on every re-send of the same finding (counts, times). */
const VOLATILE_EVIDENCE = /count|time|seen|updated|occurr|^first|^last/i;

export function changeHash(f: Finding): string {
  const evidence = Object.entries(f.evidence)
    .filter(([k]) => !VOLATILE_EVIDENCE.test(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const material = [
    f.kind,
    f.status,
    f.severity.label,
    f.severity.score,
    f.confidence ?? null,
    f.title,
    f.description ?? null,
    f.identities.map((i) => [i.key, i.owner ?? null]),
    f.resources.map((r) => r.uid),
    f.cloud ?? null,
    f.location ?? null,
    f.references.map((r) => `${r.kind}:${r.id}`),
    f.secret ? [f.secret.fingerprint, f.secret.verified ?? null] : null,
    evidence,
  ];
  // 64 bits: a collision only ever hides a change of one finding on one identity, never a new finding.
  return createHash('sha256').update(JSON.stringify(material)).digest('base64url').slice(0, 11);
}

/** Where a use came from, for the activity summary: the /24 of an IPv4 address, else the address or service. */
export function sourceNetwork(f: Finding): string | undefined {
  const ip = f.evidence.sourceIPAddress ?? f.evidence.src ?? f.evidence.sourceIp;
  if (typeof ip !== 'string' || ip === '') return undefined;
  const v4 = /^(\d+\.\d+\.\d+)\.\d+$/.exec(ip);
  return v4 ? `${v4[1]}.0/24` : ip.slice(0, 100);
}

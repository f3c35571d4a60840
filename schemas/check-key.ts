// The check key: which check a tool ran on which subject, the same in its failing, passing and closing reports.
// A passing result often has its own id (a new scan, a new record), so matching by native id alone would leave
// the failure it answers open; matching by check key closes it. Pure.
//
// The subject is a SET, sorted, never "the first resource": no supported format marks one of its resources as
// the primary (ASFF's Resources are "the resources involved in a finding", up to 32; OCSF's resources[] and
// resource, SARIF's locations and Sentinel's entities name none either), and adapters
// list them in the tool's order, which differs between reports of the same check. Left out of the set is what
// says who worked the finding rather than what it is about, which changes between reports: CONTEXT_TYPES.
// Per format:
// - secrets (every scanner): the secret's identity (keyed by fingerprint) where it was found (repo and file), so
//   the same secret in two files is two checks;
// - trivy: the scanned file (Target), the artifact and the Kubernetes object, without the IaC block of
//   CauseMetadata: trivy evaluates a check per file, and its PASS (`--include-non-failures`) and EXCEPTION results
//   are per file and name no block, so the block is where the failure shows, not what the check ran on;
// - Wiz (API issues and configuration findings): Wiz's own id of the entity (evidence.entityId), which its PASS
//   and FAIL results of a rule both carry, while the providerId (so an identity's ARN) may be missing in one;
// - everything else (ASFF, OCSF, checkov, kube-bench's node type, Wiz CLI, SCC, SARIF, SIEM alerts, a Wiz
//   entity without an id): identities, resources and the file the finding names (checkov's resource address is
//   unique within its file only).
// Tested in test/unit/schemas/check-key.test.ts and test/unit/workflows/passed-results-close.test.ts.
import { hash } from 'node:crypto';
import type { Finding } from './finding.ts';

/** Resources that say who handled the finding (commented, muted, owns the incident), not what it concerns. */
const CONTEXT_TYPES = new Set(['wiz-note-author', 'scc-mute-initiator', 'sentinel-incident-owner']);

/** The tool's rule or check id: its first rule reference, else its first control (ASFF's IAM.3, CIS 1.4). */
function checkIdOf(f: Finding): string | undefined {
  return (
    f.references.find((r) => r.kind === 'rule')?.id ?? f.references.find((r) => r.kind === 'control')?.id
  );
}

/** The uids of the resources that are the check's subject (see the header), per format. */
function subjectResources(f: Finding): string[] {
  const resources = f.resources.filter((r) => !CONTEXT_TYPES.has(r.type ?? ''));
  if (f.source.format === 'trivy') {
    const block = f.evidence.resource; // the CauseMetadata.Resource the trivy adapter records
    return resources.filter((r) => r.uid !== block).map((r) => r.uid);
  }
  return [...resources.map((r) => r.uid), ...(f.location?.file ? [f.location.file] : [])];
}

/** What the check was run on, order-independent (see the header). */
function subjectOf(f: Finding): string[] | undefined {
  if (f.secret) {
    const identities = [...new Set(f.identities.map((i) => i.key))].sort();
    return [...identities, f.location?.repo ?? '', f.location?.file ?? ''];
  }
  if (f.source.format === 'wiz' && typeof f.evidence.entityId === 'string') return [f.evidence.entityId];
  const identities = [...new Set(f.identities.map((i) => i.key))].sort();
  const subject = [...identities, ...[...new Set(subjectResources(f))].sort()];
  return subject.length ? subject : undefined;
}

/** `ck_` + 32 hex of SHA-256 over format, check id and subject; undefined when the tool names no check or subject. */
export function checkKeyOf(f: Finding): string | undefined {
  const check = checkIdOf(f);
  const subject = subjectOf(f);
  if (!check || !subject) return undefined;
  // One-shot hash: the same digest as createHash().update().digest(), at a fraction of the cost per call.
  const digest = hash('sha256', JSON.stringify([f.source.format, check, subject]), 'hex');
  return `ck_${digest.slice(0, 32)}`;
}

// The check key: which check a tool ran on which subject, the same in its failing, passing and closing reports.
// A passing result often has its own id (a new scan, a new record), so matching by native id alone would leave
// the failure it answers open; matching by check key closes it. Pure.
import { createHash } from 'node:crypto';
import type { Finding } from './finding.ts';

/** The tool's rule or check id: its first rule reference, else its first control (ASFF's IAM.3, CIS 1.4). */
function checkIdOf(f: Finding): string | undefined {
  return (
    f.references.find((r) => r.kind === 'rule')?.id ?? f.references.find((r) => r.kind === 'control')?.id
  );
}

/**
 * What the check was run on: its identities (sorted: the tool's order does not matter) and the resource it names
 * first (adapters put the affected resource first; later ones are context such as an IP, an incident owner or
 * who muted it, which may change between reports). A secret is its identity (keyed by fingerprint) where it was
 * found (repo and file), so the same secret in two files is two checks.
 */
function subjectOf(f: Finding): string[] | undefined {
  const identities = f.identities.map((i) => i.key).sort();
  if (f.secret) return [...identities, f.location?.repo ?? '', f.location?.file ?? ''];
  const first = f.resources[0]?.uid;
  const subject = first ? [...identities, first] : identities;
  return subject.length ? subject : undefined;
}

/** `ck_` + 32 hex of SHA-256 over format, check id and subject; undefined when the tool names no check or subject. */
export function checkKeyOf(f: Finding): string | undefined {
  const check = checkIdOf(f);
  const subject = subjectOf(f);
  if (!check || !subject) return undefined;
  const digest = createHash('sha256')
    .update(JSON.stringify([f.source.format, check, subject]))
    .digest('hex');
  return `ck_${digest.slice(0, 32)}`;
}

// A batch's findings, grouped per identity they name: each identity gets one signal per batch. A finding that
// names several identities (a key and its owner) belongs to each of them.
import type { Finding } from '../schemas/finding.ts';
import type { IdentityRef } from '../schemas/identity.ts';

export interface IdentityBatch {
  identity: IdentityRef;
  findings: Finding[];
}

export function groupByIdentity(findings: Finding[]): IdentityBatch[] {
  const groups = new Map<string, IdentityBatch>();
  for (const finding of findings) {
    for (const identity of finding.identities) {
      const group = groups.get(identity.key);
      if (group) {
        if (!group.findings.includes(finding)) group.findings.push(finding);
      } else {
        groups.set(identity.key, { identity, findings: [finding] });
      }
    }
  }
  return [...groups.values()];
}

/** Split one identity's findings so no signal payload grows past Temporal's comfortable size. */
export function chunkBySize(findings: Finding[], maxBytes = 256 * 1024): Finding[][] {
  const chunks: Finding[][] = [];
  let current: Finding[] = [];
  let size = 0;
  for (const f of findings) {
    const bytes = JSON.stringify(f).length;
    if (current.length && size + bytes > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(f);
    size += bytes;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

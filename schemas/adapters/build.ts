// Fills the defaults of a canonical finding so adapters state only what their format knows.
import type { Finding } from '../finding.ts';
import { mergeIdentities } from '../identity-keys.ts';

type Required = Pick<Finding, 'id' | 'source' | 'kind' | 'title' | 'severity' | 'time'>;

export function buildFinding(
  fields: Required & Partial<Omit<Finding, keyof Required | 'schemaVersion'>>,
): Finding {
  const resources = new Map((fields.resources ?? []).map((r) => [r.uid, r]));
  const references = new Map((fields.references ?? []).map((r) => [`${r.kind}:${r.id}`, r]));
  return {
    schemaVersion: 1,
    status: 'open',
    evidence: {},
    ...fields,
    identities: mergeIdentities(fields.identities ?? []),
    resources: [...resources.values()],
    references: [...references.values()],
  };
}

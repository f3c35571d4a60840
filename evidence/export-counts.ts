// What an export holds, counted per case kind, for the line `nhi evidence export` ends with: every kind the
// manifest can list, so the summary matches the files (a kind added to DERIVED_CASE_KINDS needs a label here,
// which the type checker asks for).
import type { DerivedCaseKind, ManifestCase } from './manifest.ts';

type CountedKind = 'remediation' | DerivedCaseKind | 'workflow';

/** The JSON key and the words of each kind, in the order the line lists them. */
const KINDS: Record<CountedKind, { key: string; words: string }> = {
  remediation: { key: 'remediations', words: 'remediation(s)' },
  exception: { key: 'exceptions', words: 'exception request(s)' },
  access: { key: 'accessRequests', words: 'access request(s)' },
  'control-refusal': { key: 'controlRefusals', words: 'enforcement-control refusal(s)' },
  'registry-refusal': { key: 'registryRefusals', words: 'team-action registry refusal(s)' },
  workflow: { key: 'workflows', words: 'other workflow(s)' },
};

/** Cases per kind, under each kind's JSON key (every kind, zero included). */
export function caseCounts(cases: readonly Pick<ManifestCase, 'kind'>[]): Record<string, number> {
  return Object.fromEntries(
    (Object.keys(KINDS) as CountedKind[]).map((k) => [
      KINDS[k].key,
      cases.filter((c) => c.kind === k).length,
    ]),
  );
}

/** `2 remediation(s), 0 exception request(s), 1 access request(s)…`: kinds always counted, then any other present. */
export function caseCountText(cases: readonly Pick<ManifestCase, 'kind'>[]): string {
  const counts = caseCounts(cases);
  const always: CountedKind[] = ['remediation', 'exception', 'access'];
  return (Object.keys(KINDS) as CountedKind[])
    .filter((k) => always.includes(k) || counts[KINDS[k].key]! > 0)
    .map((k) => `${counts[KINDS[k].key]} ${KINDS[k].words}`)
    .join(', ');
}

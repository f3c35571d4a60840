// Every file of the shared corpus, through the real boundary: auto-detection picks the right adapter, no record
// is rejected, and every id MANIFEST.tsv names is extracted.
import { describe, expect, it } from 'vitest';
import type { Format } from '../../../schemas/finding.ts';
import {
  corpusAvailable,
  corpusFile,
  identifiersOf,
  manifestIdsIn,
  readManifest,
} from '../../support/corpus.ts';
import { outcomesOf } from '../../support/normalize.ts';

// MANIFEST's format column is a folder; the adapter that must claim each file.
const EXPECTED_FORMAT: Record<string, Format> = {
  'asff/trivy-secrets.asff.json': 'asff',
  'cspm-other/kube-bench-result.json': 'kube-bench',
  'cspm-other/defectdojo-checkov-many.json': 'checkov',
  'cspm-other/elastic-integrations-google-scc-finding.ndjson': 'google-scc',
  'cspm-other/elastic-integrations-wiz-issue.ndjson': 'wiz',
};

describe.runIf(corpusAvailable())('findings corpus', () => {
  const rows = corpusAvailable() ? readManifest() : [];

  it('has rows', () => expect(rows.length).toBeGreaterThan(20));

  describe.each(rows.map((r) => [r.file, r] as const))('%s', (file, row) => {
    const outcomes = outcomesOf(corpusFile(file), { format: 'auto' });
    const findings = outcomes.flatMap((o) => (o.ok ? o.findings : []));

    it('auto-detects the right format and rejects nothing', () => {
      const rejected = outcomes.filter((o) => !o.ok).map((o) => (o.ok ? '' : o.reason));
      expect(rejected).toEqual([]);
      const expected = EXPECTED_FORMAT[file] ?? (row.format as Format);
      expect(new Set(outcomes.map((o) => o.format))).toEqual(new Set([expected]));
    });

    it('yields findings when the manifest expects some', () => {
      const expected = Number(row.findings.replace('~', ''));
      if (expected > 0) expect(findings.length).toBeGreaterThan(0);
    });

    it('extracts every id the manifest names', () => {
      const ids = identifiersOf(findings);
      const all = [...ids].join('\n');
      for (const id of manifestIdsIn(row.identities)) {
        // Unique ids (AIDA…) may be stored as aliases; ARNs and key ids must be present verbatim.
        expect(all, `${id} missing`).toContain(id);
      }
    });

    it('gives the same findings with the format named explicitly', () => {
      const format = outcomes[0]?.format;
      if (!format) return;
      const explicit = outcomesOf(corpusFile(file), { format });
      expect(explicit.flatMap((o) => (o.ok ? o.findings : []))).toEqual(findings);
    });
  });
});

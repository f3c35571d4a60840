// Single objects vs arrays vs JSON lines: the same real records, however a tool or a pipeline packs them, give
// the same findings (same ids). Only the container differs, and the variant says which it was.
import { describe, expect, it } from 'vitest';
import { fixtureFile } from '../../../support/corpus.ts';
import { findingsOf, outcomesOf } from '../../../support/normalize.ts';

/** Samples whose document is a list of records that are each a document of the same format on their own. */
const LISTS: Array<{ file: string; list: string; single: string }> = [
  { file: 'ocsf/prowler-azure-list.ocsf.json', list: 'ocsf/list', single: 'ocsf/event' },
  { file: 'asff/prowler-3.3-list.json', list: 'asff/list', single: 'asff/finding' },
  { file: 'gitleaks/v7.5-report.json', list: 'gitleaks/v7', single: 'gitleaks/v7' },
  // Older kube-bench wrote its controls bare; the same controls one per line are each a `control`.
  {
    file: 'kube-bench/controls-list-cis-1.5.json',
    list: 'kube-bench/controls',
    single: 'kube-bench/control',
  },
  {
    file: 'github-secret-scanning/rest-alerts-org.json',
    list: 'github-secret-scanning/rest-alerts',
    single: 'github-secret-scanning/rest-alert',
  },
];

const idsOf = (input: string) => findingsOf(input, { format: 'auto' }).map((f) => f.id);
const variantsOf = (input: string) => new Set(outcomesOf(input, { format: 'auto' }).map((o) => o.variant));

describe.each(LISTS)('$file', ({ file, list, single }) => {
  const records = JSON.parse(fixtureFile(file).toString('utf8')) as unknown[];
  const asArray = JSON.stringify(records);
  const asLines = records.map((r) => JSON.stringify(r)).join('\n');

  it('array, JSON lines and one record per document give the same finding ids', () => {
    const expected = idsOf(asArray);
    expect(expected.length).toBeGreaterThan(0);
    expect(idsOf(asLines)).toEqual(expected);
    expect(records.flatMap((r) => idsOf(JSON.stringify(r)))).toEqual(expected);
  });

  it(`the variant names the container: ${list} for the array, ${single} per line`, () => {
    expect(variantsOf(asArray)).toEqual(new Set([list]));
    expect(variantsOf(asLines)).toEqual(new Set([single]));
  });
});

describe('JSON lines of documents that are themselves lists or envelopes', () => {
  it('trufflehog 3 lines as an array: same findings', () => {
    const lines = fixtureFile('trufflehog/v3-git-and-filesystem.jsonl').toString('utf8').trim().split('\n');
    const asArray = `[${lines.join(',')}]`;
    expect(idsOf(asArray)).toEqual(idsOf(lines.join('\n')));
  });

  it('ASFF events, one per line: each line keeps its envelope variant', () => {
    const imported = JSON.stringify(
      JSON.parse(fixtureFile('asff/eventbridge-imported.json').toString('utf8')),
    );
    const custom = JSON.stringify(
      JSON.parse(fixtureFile('asff/eventbridge-custom-action.json').toString('utf8')),
    );
    const outcomes = outcomesOf(`${imported}\n${custom}`, { format: 'auto' });
    expect(outcomes.map((o) => o.variant)).toEqual(['asff/eventbridge', 'asff/eventbridge-custom-action']);
    expect(outcomes.map((o) => o.line)).toEqual([1, 2]);
  });
});

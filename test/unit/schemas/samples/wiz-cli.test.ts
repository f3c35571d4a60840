// Wiz CLI scan results (`wizcli iac scan -o file,json`), as opposed to Wiz API issues (source:
// test/fixtures/wiz/README.md).
import { describe, expect, it } from 'vitest';
import { canariesIn, makeCanaries } from '../../../support/canaries.ts';
import { fixtureFile } from '../../../support/corpus.ts';
import { findingsOf, outcomesOf } from '../../../support/normalize.ts';

const file = fixtureFile('wiz/wizcli-iac-scan.json');

describe('Wiz CLI IaC scan', () => {
  const findings = findingsOf(file, { format: 'auto' });

  it('auto names wiz; one finding per rule match and per secret, with the match severity', () => {
    expect(new Set(outcomesOf(file, { format: 'auto' }).map((o) => o.format))).toEqual(new Set(['wiz']));
    expect(findings.map((f) => [f.kind, f.severity.label, f.title])).toEqual([
      ['misconfiguration', 'info', 'Apk Add Using Local Cache Path'],
      ['misconfiguration', 'medium', "Image Version Using 'latest'"],
      ['misconfiguration', 'medium', "Image Version Using 'latest'"],
      ['misconfiguration', 'high', 'Missing User Instruction'],
      ['exposed-secret', 'medium', 'CERTIFICATE exposed in docker-compose.yaml'],
      ['exposed-secret', 'medium', 'PASSWORD exposed in docker-compose.yaml'],
    ]);
    expect(
      findings.every((f) => f.source.product === 'Wiz CLI' && f.time === '2024-07-16T12:17:35.187Z'),
    ).toBe(true);
    expect(new Set(findings.map((f) => f.id)).size).toBe(6);
  });

  it('identities: none for IaC checks; each secret its own secret identity; locations kept', () => {
    expect(findings.slice(0, 4).every((f) => f.identities.length === 0)).toBe(true);
    const secrets = findings.slice(4);
    expect(secrets.map((f) => f.identities.map((i) => i.key))).toEqual([
      [expect.stringMatching(/^secret:generic:[0-9a-f]{16}$/)],
      [expect.stringMatching(/^secret:generic:[0-9a-f]{16}$/)],
    ]);
    expect(secrets.map((f) => f.location)).toEqual([
      { file: 'docker-compose.yaml', line: 239 },
      { file: 'docker-compose.yaml', line: 32 },
    ]);
  });

  it('a rescan (new scan id and time) of the same things gives the same ids', () => {
    const doc = JSON.parse(file.toString('utf8'));
    const again = findingsOf(
      JSON.stringify({ ...doc, id: 'another-scan', createdAt: '2024-08-01T00:00:00Z' }),
    );
    expect(again.map((f) => f.id)).toEqual(findings.map((f) => f.id));
  });

  it('secrets in matchContent, snippet, found and the description never come out', () => {
    const canaries = makeCanaries();
    const doc = JSON.parse(file.toString('utf8'));
    for (const rm of doc.result.ruleMatches)
      for (const m of rm.matches) Object.assign(m, { matchContent: canaries.prose, found: canaries.prose });
    for (const s of doc.result.secrets)
      Object.assign(s, { snippet: canaries.prose, description: canaries.prose });
    expect(canariesIn(JSON.stringify(findingsOf(JSON.stringify(doc))), canaries)).toEqual([]);
  });
});

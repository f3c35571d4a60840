import { describe, expect, it } from 'vitest';
import { detectSecretsAdapter } from '../../../../schemas/adapters/detect-secrets.ts';
import { UNKNOWN_TIME } from '../../../../schemas/adapters/secret-common.ts';
import { secretIdentity } from '../../../../schemas/identity-keys.ts';
import { corpusAvailable, corpusFile, fixtureFile, identifiersOf } from '../../../support/corpus.ts';
import {
  findingsOf,
  formatsOf,
  fp,
  keysOf,
  namedIdsPresent,
  outcomesOf,
} from '../../../support/normalize.ts';

const hashesOf = (input: Buffer) =>
  Object.values(
    JSON.parse(input.toString('utf8')).results as Record<string, Array<{ hashed_secret: string }>>,
  ).flatMap((l) => l.map((e) => e.hashed_secret));

describe.runIf(corpusAvailable())('detect-secrets corpus: Yelp 1.5.0 self baseline', () => {
  const file = 'detect-secrets/yelp-self-baseline.json';
  const input = corpusFile(file);
  const findings = findingsOf(input, { format: 'auto' });

  it('auto-detects; one finding per result entry', () => {
    expect(formatsOf(input)).toEqual(new Set(['detect-secrets']));
    expect(findings).toHaveLength(16);
    expect(new Set(findings.map((f) => f.id)).size).toBe(16);
  });

  it('unverified baseline entries: low, open, at generated_at', () => {
    for (const f of findings) {
      expect(f.kind).toBe('exposed-secret');
      expect(f.status).toBe('open');
      expect(f.severity).toEqual({ label: 'low', score: 30 });
      expect(f.time).toBe('2021-04-15T17:02:50.000Z');
      expect(f.secret!.hint).toBe('…(?)');
    }
  });

  it('fingerprint = HMAC of hashed_secret; hashed_secret itself is never copied', () => {
    const hashes = hashesOf(input);
    expect(findings.map((f) => f.secret!.fingerprint)).toEqual(hashes.map((h) => fp(`sha1\u0000${h}`)));
    const out = JSON.stringify(findings);
    for (const h of hashes) expect(out).not.toContain(h);
  });

  it('families from the plugin type; one value under two plugins is one identity', () => {
    const at = (file: string, line: number) =>
      findings.filter((f) => f.location?.file === file && f.location.line === line);
    const [hex, keyword] = at('docs/audit.md', 25);
    expect(hex!.secret!.detector).toBe('Hex High Entropy String');
    expect(keyword!.secret!.detector).toBe('Secret Keyword');
    expect(keysOf(hex!)).toEqual(keysOf(keyword!));
    expect(keysOf(hex!)[0]).toMatch(/^secret:generic:/);
    expect(keysOf(at('detect_secrets/plugins/private_key.py', 45)[0]!)[0]).toMatch(/^secret:private-key:/);
    expect(keysOf(at('detect_secrets/plugins/twilio.py', 17)[0]!)[0]).toMatch(/^secret:twilio:/);
    expect(keysOf(at('docs/audit.md', 180)[0]!)[0]).toMatch(/^secret:jwt:/);
  });

  it('extracts every id the manifest names', () => {
    const ids = identifiersOf(findings);
    namedIdsPresent(file, ['detect_secrets/plugins/private_key.py', 'Private Key', 'Twilio API Key'], ids);
    expect(ids).toContain('JSON Web Token'); // MANIFEST says "JWT"
  });
});

describe.runIf(corpusAvailable())('detect-secrets corpus: DefectDojo 1.0.3 baseline with audit flags', () => {
  const file = 'detect-secrets/defectdojo-many-findings.json';
  const findings = findingsOf(corpusFile(file), { format: 'auto' });

  it('four findings at generated_at', () => {
    expect(findings).toHaveLength(4);
    expect(findings.every((f) => f.time === '2021-05-19T10:40:18.000Z')).toBe(true);
  });

  it('is_secret true (audited real) → medium; is_secret false (audited not a secret) → suppressed', () => {
    expect(findings.map((f) => [f.location?.line, f.status, f.severity.label])).toEqual([
      [151, 'open', 'low'],
      [156, 'open', 'medium'],
      [109, 'open', 'low'],
      [112, 'suppressed', 'low'],
    ]);
    expect(findings[1]!.evidence.audited).toBe('secret');
    expect(findings[3]!.evidence.audited).toBe('not-a-secret');
  });

  it('identity keys and manifest ids', () => {
    expect(keysOf(findings[0]!)).toEqual([
      secretIdentity('generic', fp('sha1\u0000bd564db5d5cc358eb0e3523d3e03041739f230d5')).key,
    ]);
    namedIdsPresent(file, ['modules_images', 'Secret Keyword'], identifiersOf(findings));
  });
});

describe('detect-secrets fixture: 0.14 baseline (entries without filename)', () => {
  const findings = findingsOf(fixtureFile('detect-secrets/legacy-0.14-baseline.json'), { format: 'auto' });

  it('file names come from the results keys', () => {
    expect(findings.map((f) => f.location)).toEqual([
      { file: 'config/settings.py', line: 14 },
      { file: 'config/settings.py', line: 22 },
      { file: 'deploy/id_rsa', line: 1 },
    ]);
    expect(findings.map((f) => f.status)).toEqual(['open', 'suppressed', 'open']);
    expect(findings[0]!.identities[0]).toMatchObject({ provider: 'aws', name: 'AWS Access Key' });
    expect(findings[0]!.time).toBe('2020-09-14T16:22:31.000Z');
  });
});

describe('detect-secrets edge cases', () => {
  const entry = {
    type: 'Secret Keyword',
    filename: 'a.py',
    hashed_secret: 'bd564db5d5cc358eb0e3523d3e03041739f230d5',
    is_verified: false,
    line_number: 3,
  };

  it('a bare entry (one Kafka message) maps to itself; without generated_at its time is unknown', () => {
    expect(detectSecretsAdapter.records(entry)).toEqual([entry]);
    const [f] = findingsOf(JSON.stringify(entry), { format: 'auto' });
    expect(f!.source.format).toBe('detect-secrets');
    expect(f!.time).toBe(UNKNOWN_TIME);
    expect(f!.evidence.timeUnknown).toBe(true);
  });

  it('is_verified true → medium, verified', () => {
    const [f] = findingsOf(JSON.stringify({ ...entry, is_verified: true }), { format: 'auto' });
    expect(f!.severity).toEqual({ label: 'medium', score: 50 });
    expect(f!.secret!.verified).toBe(true);
  });

  it('wrong types are a typed rejection with a readable reason; extra fields are tolerated', () => {
    const [bad] = outcomesOf(JSON.stringify({ ...entry, line_number: '3' }), { format: 'detect-secrets' });
    expect(bad!.ok).toBe(false);
    expect(bad!.ok ? '' : bad!.reason).toMatch(/^not a valid detect-secrets record: line_number: /);
    const baseline = {
      generated_at: '2021-01-01T00:00:00Z',
      plugins_used: [],
      results: { 'a.py': [{ ...entry, new_field: 1 }], 'b.py': 'oops' },
    };
    const outcomes = outcomesOf(JSON.stringify(baseline), { format: 'auto' });
    expect(outcomes.map((o) => o.ok)).toEqual([true, false]);
  });

  it('does not claim other formats', () => {
    expect(detectSecretsAdapter.detect({ results: [], version: '1' })).toBe(false);
    expect(detectSecretsAdapter.detect({ type: 'x', name: 'y' })).toBe(false);
  });
});

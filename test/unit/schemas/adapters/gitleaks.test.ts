import { describe, expect, it } from 'vitest';
import { gitleaksAdapter } from '../../../../schemas/adapters/gitleaks.ts';
import { UNKNOWN_TIME } from '../../../../schemas/adapters/secret-common.ts';
import { secretIdentity } from '../../../../schemas/identity-keys.ts';
import {
  corpusAvailable,
  corpusFile,
  fixtureFile,
  identifiersOf,
  readManifest,
} from '../../../support/corpus.ts';
import { findingsOf, formatsOf, fp, keysOf, outcomesOf } from '../../../support/normalize.ts';

/** ARNs, AWS key and unique ids in MANIFEST's identities column, plus the named ids we list per file. */
function manifestIdsPresent(file: string, named: string[], ids: Set<string>): void {
  const row = readManifest().find((r) => r.file === file)!;
  const all = [...ids].join('\n');
  for (const m of row.identities.matchAll(/arn:aws:[^\s;,()]+|\b(AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}\b/g))
    expect(all).toContain(m[0]);
  for (const n of named) {
    expect(row.identities).toContain(n);
    expect(ids).toContain(n);
  }
}

describe.runIf(corpusAvailable())('gitleaks corpus: v8 json_simple golden file', () => {
  const file = 'gitleaks/gitleaks-json-simple.json';
  const input = corpusFile(file);
  const findings = findingsOf(input, { format: 'auto' });
  const [f] = findings;

  it('auto-detects gitleaks and yields one exposed-secret finding', () => {
    expect(formatsOf(input)).toEqual(new Set(['gitleaks']));
    expect(findings).toHaveLength(1);
    expect(f!.kind).toBe('exposed-secret');
    expect(f!.status).toBe('open');
    expect(f!.severity).toEqual({ label: 'medium', score: 50 });
  });

  it('reads the non-ISO "10-19-2003" Date', () => {
    expect(f!.time).toBe('2003-10-19T00:00:00.000Z');
  });

  it('keys the secret by HMAC of the value, masks it, and never copies it', () => {
    expect(f!.secret).toEqual({
      detector: 'test-rule',
      fingerprint: fp('a secret'),
      hint: maskHint('a secret'),
    });
    expect(keysOf(f!)).toEqual([secretIdentity('generic', fp('a secret')).key]);
    const out = JSON.stringify(findings);
    expect(out).not.toContain('a secret');
    expect(out).not.toContain('line containing secret');
  });

  it('keeps the location, rule and author as evidence', () => {
    expect(f!.location).toEqual({ file: 'auth.py', line: 1, commit: '0000000000000000' });
    expect(f!.resources).toEqual([{ uid: 'auth.py', type: 'file', name: 'auth.py' }]);
    expect(f!.references).toEqual([{ kind: 'rule', id: 'test-rule' }]);
    expect(f!.evidence).toMatchObject({
      rule: 'test-rule',
      location: 'auth.py:1',
      authorEmail: 'johndoe@gmail.com',
    });
    manifestIdsPresent(file, ['auth.py', 'test-rule'], identifiersOf(findings));
  });
});

function maskHint(value: string): string {
  const shown = Math.min(4, Math.floor(value.length / 4));
  return `${value.slice(0, shown)}…(${value.length})`;
}

describe.runIf(corpusAvailable())('gitleaks corpus: DefectDojo v8 without Fingerprint', () => {
  const file = 'gitleaks/defectdojo-gitleaks8-many.json';
  const input = corpusFile(file);
  const findings = findingsOf(input, { format: 'auto' });

  it('yields four findings with distinct ids', () => {
    expect(formatsOf(input)).toEqual(new Set(['gitleaks']));
    expect(findings).toHaveLength(4);
    expect(new Set(findings.map((f) => f.id)).size).toBe(4);
    expect(
      findings.every((f) => f.kind === 'exposed-secret' && f.status === 'open' && f.severity.score === 50),
    ).toBe(true);
  });

  it('reads times, and marks the empty Date of a directory scan as unknown', () => {
    expect(findings.map((f) => f.time)).toEqual([
      '2021-10-14T17:05:15.000Z',
      '2021-10-14T17:05:15.000Z',
      UNKNOWN_TIME,
      '2016-09-16T18:17:59.000Z',
    ]);
    expect(findings[2]!.evidence.timeUnknown).toBe(true);
  });

  it('one value seen in two commits is one secret identity (a value of no known shape is generic)', () => {
    expect(keysOf(findings[0]!)).toEqual([secretIdentity('generic', fp('secretAWSsecret')).key]);
    expect(keysOf(findings[1]!)).toEqual(keysOf(findings[0]!));
    expect(findings[0]!.identities[0]).toMatchObject({
      type: 'secret',
      provider: 'generic',
      name: 'aws-access-token',
    });
  });

  it('a bare PEM header is not the key: it is fingerprinted by location, not by value', () => {
    const rsa = findings[2]!;
    expect(rsa.secret!.fingerprint).not.toBe(fp('-----BEGIN RSA PRIVATE KEY-----'));
    expect(keysOf(rsa)[0]).toMatch(/^secret:private-key:[0-9a-f]{16}$/);
    expect(rsa.evidence.tags).toBe('tag1, tag2');
  });

  it('the generic key is fingerprinted from Secret, not Match', () => {
    expect(findings[3]!.secret!.fingerprint).toBe(fp('dfjksdjfs3294dfjlsdaf213'));
    expect(findings[3]!.secret!.hint).toBe('dfjk…(24)');
  });

  it('extracts every id the manifest names', () => {
    manifestIdsPresent(file, ['aws-access-token', '/conf/aws.tf'], identifiersOf(findings));
  });
});

describe.runIf(corpusAvailable())('gitleaks corpus: v7 lower-case keys run with --redact', () => {
  const file = 'gitleaks/defectdojo-redacted-data-many.json';
  const input = corpusFile(file);
  const findings = findingsOf(input, { format: 'auto' });

  it('yields six findings', () => {
    expect(formatsOf(input)).toEqual(new Set(['gitleaks']));
    expect(findings).toHaveLength(6);
    expect(new Set(findings.map((f) => f.id)).size).toBe(6);
  });

  it('offender "REDACTED" is not a value: fingerprints come from rule + commit + file + line', () => {
    const fps = findings.map((f) => f.secret!.fingerprint);
    expect(new Set(fps).size).toBe(6);
    expect(fps).not.toContain(fp('REDACTED'));
    for (const f of findings) {
      expect(f.secret!.hint).toBe('…(?)');
      expect(keysOf(f)).toEqual([expect.stringMatching(/^secret:aws:[0-9a-f]{16}$/)]);
      expect(f.identities[0]).toMatchObject({ provider: 'aws', name: 'AWS Access Key' });
    }
  });

  it('reads zoned dates, comma-string tags, and drops the meaningless repo "."', () => {
    expect(findings[0]!.time).toBe('2021-04-19T19:42:05.000Z');
    expect(findings[2]!.time).toBe('2020-08-27T09:13:43.000Z');
    expect(findings[0]!.evidence.tags).toBe('key, AWS');
    expect(findings[0]!.location).toEqual({
      file: 'overlays/server/config/server-config.yml',
      line: 224,
      commit: 'b13740279fb0145e4dce1d5bae6dfcc08a7767bb',
    });
  });

  it('extracts every id the manifest names', () => {
    manifestIdsPresent(file, ['AWS Access Key'], identifiersOf(findings));
  });
});

describe('gitleaks fixtures', () => {
  const json = findingsOf(fixtureFile('gitleaks/gitleaks-v8-aws.json'), { format: 'auto' });
  const sarif = findingsOf(fixtureFile('gitleaks/gitleaks-v8.sarif'), { format: 'auto' });

  it('an AWS access key id is the public half; this documentation sample id is a resource, never an identity', () => {
    const aws = json[0]!;
    expect(keysOf(aws)).toEqual([secretIdentity('aws', fp('AKIAIOSFODNN7EXAMPLE'), 'aws').key]);
    expect(aws.identities[0]!.owner).toBeUndefined();
    expect(aws.resources).toContainEqual({ uid: 'AKIAIOSFODNN7EXAMPLE', type: 'aws-sample-id' });
    expect(aws.evidence.sampleIds).toBe('AKIAIOSFODNN7EXAMPLE');
    expect(aws.secret).toEqual({
      detector: 'aws-access-token',
      fingerprint: fp('AKIAIOSFODNN7EXAMPLE'),
      hint: 'AKIA…(20)',
    });
  });

  it('Link gives the repo and url; Fingerprint is the native id; Tags null is tolerated', () => {
    expect(json[0]!.location).toEqual({
      repo: 'https://github.com/acme/infra',
      file: 'deploy/terraform.tfvars',
      line: 3,
      commit: '3f9c2a7d1b4e6f8a0c2d4e6f8a0b2c4d6e8f0a1b',
      url: 'https://github.com/acme/infra/blob/3f9c2a7d1b4e6f8a0c2d4e6f8a0b2c4d6e8f0a1b/deploy/terraform.tfvars#L3',
    });
    expect(json[0]!.source.nativeId).toBe(
      '3f9c2a7d1b4e6f8a0c2d4e6f8a0b2c4d6e8f0a1b:deploy/terraform.tfvars:aws-access-token:3',
    );
    expect(json[1]!.evidence.tags).toBeUndefined();
    expect(JSON.stringify(json)).not.toContain('zq7Rk2Vb9Lm4Xt8Wp3Hc6Ny1Jd5Fs0Ga');
  });

  it('gitleaks SARIF is claimed by the gitleaks adapter (before generic SARIF) and agrees with the JSON report', () => {
    expect(formatsOf(fixtureFile('gitleaks/gitleaks-v8.sarif'))).toEqual(new Set(['gitleaks']));
    expect(sarif.map((f) => f.id)).toEqual(json.map((f) => f.id));
    expect(sarif.map((f) => f.secret)).toEqual(json.map((f) => f.secret));
    expect(sarif.map(keysOf)).toEqual(json.map(keysOf));
    expect(sarif[0]!.time).toBe('2024-03-01T10:15:42.000Z');
    expect(sarif[1]!.evidence.tags).toBe('api, key');
    expect(JSON.stringify(sarif)).not.toContain('zq7Rk2Vb9Lm4Xt8Wp3Hc6Ny1Jd5Fs0Ga');
  });

  it('--redact and --redact=N: no value, a location fingerprint, and the visible prefix is scrubbed', () => {
    const redacted = findingsOf(fixtureFile('gitleaks/gitleaks-v8-redacted.json'), { format: 'auto' });
    expect(redacted).toHaveLength(2);
    expect(redacted[0]!.secret).toMatchObject({ detector: 'slack-bot-token', hint: '…(?)' });
    expect(redacted[0]!.secret!.fingerprint).not.toBe(fp('REDACTED'));
    expect(keysOf(redacted[0]!)[0]).toMatch(/^secret:slack:/);
    expect(redacted[1]!.secret!.hint).toBe('Qm9v…(?)');
    expect(JSON.stringify(redacted)).not.toContain('Qm9vb2tLZWVwZXJTZ');
    expect(redacted.every((f) => f.time === UNKNOWN_TIME && f.location?.commit === undefined)).toBe(true);
  });
});

describe('gitleaks edge cases', () => {
  const record = {
    RuleID: 'generic-api-key',
    Description: 'Generic API Key',
    StartLine: 7,
    EndLine: 7,
    StartColumn: 3,
    EndColumn: 30,
    Match: 'key = "Zr8vN2qLx5Tw9Kc3"',
    Secret: 'Zr8vN2qLx5Tw9Kc3',
    File: 'app.cfg',
    Commit: 'abc123def4567890abc123def4567890abc12345',
    Entropy: 3.9,
    Author: 'a',
    Email: 'a@example.com',
    Date: '2024-01-02T03:04:05Z',
    Message: 'm',
    Tags: [],
  };

  it('a single record (one Kafka message) is detected and normalised', () => {
    const [f] = findingsOf(JSON.stringify(record), { format: 'auto' });
    expect(f!.source.format).toBe('gitleaks');
    expect(f!.secret!.fingerprint).toBe(fp('Zr8vN2qLx5Tw9Kc3'));
    expect(gitleaksAdapter.records(record)).toEqual([record]);
  });

  it('wrong types are a typed rejection with a readable one-line reason', () => {
    const [bad] = outcomesOf(JSON.stringify([{ ...record, StartLine: '7' }]), { format: 'gitleaks' });
    expect(bad!.ok).toBe(false);
    expect(bad!.ok ? '' : bad!.reason).toMatch(/^not a valid gitleaks v8 record: StartLine: /);
    const [noRule] = outcomesOf(JSON.stringify({ ...record, RuleID: 5 }), { format: 'gitleaks' });
    expect(noRule!.ok ? '' : noRule!.reason).toMatch(/RuleID/);
    const [notObject] = outcomesOf(JSON.stringify(['x']), { format: 'gitleaks' });
    expect(notObject!.ok).toBe(false);
  });

  it('unknown extra fields are tolerated and never copied', () => {
    const [f] = findingsOf(
      JSON.stringify([{ ...record, Fragment: { Raw: 'whole file text here' }, NewField: { x: 1 } }]),
      {
        format: 'auto',
      },
    );
    expect(JSON.stringify(f)).not.toContain('whole file text here');
  });

  it('v7 SARIF put the value in properties.offender and the line in the snippet', () => {
    const v7sarif = {
      $schema: 'https://schemastore.azurewebsites.net/schemas/json/sarif-2.1.0-rtm.5.json',
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'Gitleaks',
              semanticVersion: 'v7.6.1',
              rules: [{ id: 'AWS Access Key', name: 'AWS Access Key' }],
            },
          },
          results: [
            {
              message: { text: 'AWS Access Key secret detected' },
              properties: {
                commit: 'b13740279fb0145e4dce1d5bae6dfcc08a7767bb',
                offender: 'AKIAIOSFODNN7EXAMPLE',
                date: '2021-04-19T22:42:05+03:00',
                author: 'Some User',
                email: 'someuser@example.com',
                commitMessage: 'x',
                gitOperation: 'addition',
                repo: 'infra',
              },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: 'config.yml' },
                    region: {
                      startLine: 224,
                      snippet: { text: 'access-key = "AKIAIOSFODNN7EXAMPLE" # ops-creds-Wq9zX3' },
                    },
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const [f, ...rest] = findingsOf(JSON.stringify(v7sarif), { format: 'auto' });
    expect(rest).toEqual([]);
    expect(f!.source.format).toBe('gitleaks');
    expect(f!.secret!.fingerprint).toBe(fp('AKIAIOSFODNN7EXAMPLE'));
    expect(f!.resources).toContainEqual({ uid: 'AKIAIOSFODNN7EXAMPLE', type: 'aws-sample-id' });
    expect(f!.time).toBe('2021-04-19T19:42:05.000Z');
    expect(f!.location?.repo).toBe('infra');
    expect(JSON.stringify(f)).not.toContain('ops-creds-Wq9zX3');
  });

  it('does not claim other formats, or an empty array', () => {
    expect(gitleaksAdapter.detect([])).toBe(false);
    expect(gitleaksAdapter.detect({ SourceMetadata: {}, DetectorName: 'AWS', Raw: 'x' })).toBe(false);
    expect(
      gitleaksAdapter.detect({
        RuleID: 'aws-access-key-id',
        StartLine: 3,
        Match: 'x****',
        Target: 'deploy.sh',
      }),
    ).toBe(false);
    expect(
      gitleaksAdapter.detect({
        version: '2.1.0',
        runs: [{ tool: { driver: { name: 'Trivy' } }, results: [] }],
      }),
    ).toBe(false);
  });
});

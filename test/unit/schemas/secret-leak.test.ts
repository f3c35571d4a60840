// A raw secret never leaves its adapter (DESIGN.md). Three checks:
// (a) every corpus file that holds plaintext secrets: no value it holds appears anywhere in our output;
// (b) canaries planted in copies of every secret-bearing format, also in fields a tool should not put them in
//     (titles, descriptions, file paths, commit messages, rule texts, unknown fields): no 8-character piece of a
//     canary survives, while fingerprint and hint are there;
// (c) one value seen by gitleaks and by trufflehog is one fingerprint and one identity; another key, another
//     fingerprint.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Finding, FORMAT_SOURCE, FORMATS, type Format } from '../../../schemas/finding.ts';
import { isAccessKeyId } from '../../../schemas/identity-keys.ts';
import { generatedAccessKeyId } from '../../support/access-key-ids.ts';
import { corpusAvailable, corpusFile, readManifest } from '../../support/corpus.ts';
import { findingsOf, TEST_FINGERPRINT_KEY } from '../../support/normalize.ts';

/** A well-formed, non-placeholder key id, made at run time (none is kept in the repository). */
const REAL_SHAPED_KEY_ID = generatedAccessKeyId();

const SCANNER_FORMATS = new Set(FORMATS.filter((f) => FORMAT_SOURCE[f] === 'scanner'));

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const fromB64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
const recordsOf = (text: string): Array<Record<string, unknown>> => {
  try {
    const doc = JSON.parse(text);
    return Array.isArray(doc) ? doc : [doc];
  } catch {
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l));
  }
};

/** The plaintext values a corpus file holds, read from the fields its tool puts them in. */
function plaintextsOf(file: string, format: string, text: string): string[] {
  const out: string[] = [];
  for (const r of recordsOf(text)) {
    if (format === 'gitleaks')
      out.push(...[r.Secret, r.Match].filter((v): v is string => typeof v === 'string'));
    if (format === 'trufflehog') {
      for (const field of [r.Raw, r.RawV2]) {
        if (typeof field !== 'string' || !field) continue;
        const value = fromB64(field);
        out.push(value, ...value.split('\n').filter((l) => l.length >= 16));
      }
    }
    if (format === 'github-secret-scanning' && typeof r.secret === 'string') out.push(r.secret);
  }
  // An AWS access key id is the public half of a key pair: the identifier MANIFEST asks us to extract
  // (aws:access-key:AKIA…). trufflehog's Raw for the AWS detector is that id; the secret half is not in these files.
  const values = out.filter((v) => v.trim().length > 0 && !isAccessKeyId(v.trim()));
  expect(values.length, `${file}: no plaintext found to look for`).toBeGreaterThan(0);
  return values;
}

describe.runIf(corpusAvailable())('(a) corpus files with raw secrets: none leaves the normaliser', () => {
  const rows = corpusAvailable()
    ? readManifest().filter((r) => r.raw_secret === 'yes' && SCANNER_FORMATS.has(r.format as Format))
    : [];

  it('covers the files the brief names', () => {
    expect(rows.map((r) => r.file).sort()).toEqual(
      expect.arrayContaining([
        'gitleaks/defectdojo-gitleaks8-many.json',
        'gitleaks/gitleaks-json-simple.json',
        'github-secret-scanning/defectdojo-rest-alerts-one.json',
        'trufflehog/defectdojo-v3-git.jsonl',
        'trufflehog/defectdojo-v3-github.jsonl',
      ]),
    );
  });

  it.each(rows.map((r) => [r.file, r.format] as const))('%s', (file, format) => {
    const input = corpusFile(file);
    const findings = findingsOf(input, { format: 'auto' });
    expect(findings.length).toBeGreaterThan(0);
    const out = JSON.stringify(findings);
    for (const value of plaintextsOf(file, format, input.toString('utf8'))) {
      expect(
        out.includes(value),
        `${file}: a plaintext value of ${value.length} chars is in the output`,
      ).toBe(false);
    }
    for (const f of findings) {
      expect(f.secret?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(f.secret?.hint.length).toBeGreaterThan(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
/** A random string with no structure any tool or our code would produce by itself. */
function canary(length = 40): string {
  return [...randomBytes(length)].map((b) => ALNUM[b % ALNUM.length]).join('');
}
/** A fake PEM private key: random body lines between real armour. */
function fakePem(): { pem: string; body: string[] } {
  const body = Array.from({ length: 6 }, () => canary(64));
  return { pem: `-----BEGIN RSA PRIVATE KEY-----\n${body.join('\n')}\n-----END RSA PRIVATE KEY-----`, body };
}

/** Does any 8-character piece of a canary appear in the output? */
function leaked(output: string, canaries: string[]): string | undefined {
  for (const c of canaries) {
    for (let i = 0; i + 8 <= c.length; i++) if (output.includes(c.slice(i, i + 8))) return c.slice(i, i + 8);
  }
  return undefined;
}

function expectClean(
  findings: Finding[],
  canaries: string[],
  opts: { secret?: boolean } = { secret: true },
): void {
  expect(findings.length).toBeGreaterThan(0);
  const out = JSON.stringify(findings);
  expect(leaked(out, canaries), 'a canary piece is in the output').toBeUndefined();
  if (opts.secret) {
    for (const f of findings) {
      expect(f.secret?.fingerprint).toMatch(/^[0-9a-f]{64}$/);
      expect(f.secret?.hint.length).toBeGreaterThan(0);
    }
  }
}

const run = (doc: unknown) => findingsOf(JSON.stringify(doc), { format: 'auto' });

describe('(b) canaries planted in every secret-bearing format', () => {
  it('gitleaks v8: Secret, Match, Line — copies in Description, File, Message, Tags and an unknown field', () => {
    const c = canary();
    const findings = run([
      {
        RuleID: 'generic-api-key',
        Description: `Generic key ${c}`,
        StartLine: 4,
        EndLine: 4,
        StartColumn: 1,
        EndColumn: 50,
        Line: `    api_key = "${c}"  # prod`,
        Match: `api_key = "${c}"`,
        Secret: c,
        File: `config/${c}.env`,
        Commit: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
        Author: c,
        Email: `${c}@example.com`,
        Date: '2024-01-01T00:00:00Z',
        Message: `add ${c}`,
        Tags: [c],
        Extra: { nested: c },
      },
    ]);
    expectClean(findings, [c]);
    expect(findings[0]!.location?.file).toBe('config/[REDACTED].env');
  });

  it('gitleaks v8: a PEM private key as Secret, one of its lines in the Description', () => {
    const { pem, body } = fakePem();
    const findings = run([
      {
        RuleID: 'private-key',
        Description: `key line ${body[2]}`,
        StartLine: 1,
        Match: pem,
        Secret: pem,
        File: 'id_rsa',
        Date: '',
      },
    ]);
    expectClean(findings, body);
  });

  it('gitleaks v7: offender and line — copies in rule, file and commit message', () => {
    const c = canary();
    const findings = run([
      {
        line: `token: ${c}`,
        lineNumber: 3,
        offender: c,
        commit: 'abc',
        repo: 'r',
        rule: `Token ${c}`,
        commitMessage: c,
        file: `${c}.yml`,
        date: '2021-01-01T00:00:00Z',
        tags: `key, ${c}`,
      },
    ]);
    expectClean(findings, [c]);
  });

  it('gitleaks SARIF: snippet — copies in message, rule description, uri, commit message', () => {
    const c = canary();
    const findings = run({
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'gitleaks',
              rules: [{ id: 'generic-api-key', shortDescription: { text: `rule ${c}` } }],
            },
          },
          results: [
            {
              message: { text: `generic-api-key has detected secret ${c} for file ${c}.py` },
              ruleId: 'generic-api-key',
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: `${c}.py` },
                    region: { startLine: 1, snippet: { text: c } },
                  },
                },
              ],
              partialFingerprints: { commitSha: 'abc', commitMessage: c, date: '2024-01-01T00:00:00Z' },
            },
          ],
        },
      ],
    });
    expectClean(findings, [c]);
  });

  it('trufflehog (≤3.x, base64 Raw): a PEM key; Redacted holds its first line and a prefix of the next', () => {
    const { pem, body } = fakePem();
    const c = canary();
    const findings = run({
      SourceMetadata: {
        Data: {
          Git: {
            commit: 'abc',
            file: `keys/${body[0]}`,
            repository: 'https://github.com/o/r',
            line: 1,
            timestamp: '2024-01-01 00:00:00 +0000 UTC',
          },
        },
      },
      SourceName: 'trufflehog - git',
      DetectorName: 'PrivateKey',
      DetectorDescription: `desc ${body[1]}`,
      Verified: true,
      Raw: b64(pem),
      Redacted: `-----BEGIN RSA PRIVATE KEY-----\n${body[0]!.slice(0, 28)}`,
      ExtraData: { note: c },
      StructuredData: null,
      Unknown: { copy: pem },
    });
    expectClean(findings, [...body, c]);
  });

  it('trufflehog (current, plain Raw): AWS RawV2 = key id + secret, SecretParts, secret copied into a file path', () => {
    const secret = canary(40);
    // A realistic key id: a documentation sample (…EXAMPLE) never becomes an identity (aws-id-check.ts).
    const keyId = REAL_SHAPED_KEY_ID;
    const findings = run({
      SourceMetadata: { Data: { Filesystem: { file: `env/${secret}.txt`, line: 2 } } },
      DetectorName: 'AWS',
      DecoderName: 'PLAIN',
      Verified: true,
      VerificationError: `bad creds ${secret}`,
      Raw: keyId,
      RawV2: `${keyId}${secret}`,
      Redacted: keyId,
      ExtraData: { account: '123456789012', arn: 'arn:aws:iam::123456789012:user/ci', message: secret },
      SecretParts: { key: keyId, secret },
    });
    expectClean(findings, [secret]);
    expect(findings[0]!.identities.map((i) => i.key)).toContain(`aws:access-key:${keyId}`);
  });

  it('github-secret-scanning REST: alert.secret — copies in display name, comments, location path', () => {
    const c = canary();
    const findings = run([
      {
        number: 9,
        created_at: '2024-01-01T00:00:00Z',
        html_url: 'https://github.com/o/r/security/secret-scanning/9',
        state: 'open',
        secret_type: 'generic_token',
        secret_type_display_name: `token ${c}`,
        secret: c,
        resolution_comment: c,
        push_protection_bypass_request_comment: c,
        first_location_detected: { path: `src/${c}.js`, start_line: 1, commit_sha: 'abc' },
        repository: { full_name: 'o/r', html_url: 'https://github.com/o/r' },
      },
    ]);
    expectClean(findings, [c]);
  });

  it('github-secret-scanning webhook: a base64-encoded secret', () => {
    const c = canary();
    const findings = run({
      action: 'created',
      alert: {
        number: 3,
        created_at: '2024-01-01T00:00:00Z',
        state: 'open',
        secret_type: 'x',
        secret: b64(c),
        is_base64_encoded: true,
        secret_type_display_name: c,
      },
      repository: { full_name: 'o/r' },
    });
    expectClean(findings, [c, b64(c)]);
  });

  it('trivy: an unmasked Match and cause line — copies in Title, Target and a neighbouring line', () => {
    const c = canary();
    const c2 = canary();
    const findings = run({
      SchemaVersion: 2,
      ArtifactName: '.',
      ArtifactType: 'filesystem',
      Results: [
        {
          Target: `app/${c}.env`,
          Class: 'secret',
          Secrets: [
            {
              RuleID: 'generic-token',
              Category: 'General',
              Severity: 'HIGH',
              Title: `Token ${c}`,
              StartLine: 2,
              EndLine: 2,
              Code: {
                Lines: [
                  { Number: 1, Content: `OTHER=${c2}`, IsCause: false, Highlighted: `OTHER=${c2}` },
                  { Number: 2, Content: `TOKEN="${c}"`, IsCause: true, Highlighted: `TOKEN="${c}"` },
                ],
              },
              Match: `TOKEN="${c}"`,
            },
          ],
        },
      ],
    });
    expectClean(findings, [c, c2]);
  });

  it('generic SARIF: a source line as snippet, the value in message, rule texts, uri and context', () => {
    const c = canary();
    const c2 = canary();
    const findings = run({
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'AnyScanner',
              rules: [
                {
                  id: 'hardcoded-token',
                  shortDescription: { text: `Token ${c}` },
                  fullDescription: { text: c },
                  properties: { tags: ['security', 'secret'] },
                },
              ],
            },
          },
          results: [
            {
              ruleId: 'hardcoded-token',
              ruleIndex: 0,
              message: { text: `found ${c} and ${c2}` },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: { uri: `src/${c}.ts` },
                    region: { startLine: 3, snippet: { text: `const token = "${c}";` } },
                    contextRegion: {
                      startLine: 2,
                      endLine: 4,
                      snippet: { text: `// next\nconst token = "${c}";\nconst other = "${c2}";` },
                    },
                  },
                },
              ],
            },
          ],
        },
      ],
    });
    expectClean(findings, [c, c2]);
  });

  it('detect-secrets: no plaintext in a baseline; hashed_secret and unknown fields are not copied', () => {
    const c = canary();
    const hash = randomBytes(20).toString('hex');
    const findings = run({
      generated_at: '2024-01-01T00:00:00Z',
      plugins_used: [],
      results: {
        'a.py': [
          {
            type: 'Secret Keyword',
            filename: 'a.py',
            hashed_secret: hash,
            is_verified: false,
            line_number: 1,
            extra: c,
          },
        ],
      },
    });
    expectClean(findings, [c, hash]);
  });

  it('what registration cannot protect: a secret only in an unknown field is never read, so never copied', () => {
    const c = canary();
    const findings = run([
      { RuleID: 'r', StartLine: 1, Secret: 'Zr8vN2qLx5Tw9Kc3', Match: 'x', File: 'f', SomethingNew: c },
    ]);
    expectClean(findings, [c]);
  });
});

// ---------------------------------------------------------------------------------------------------------

describe('(c) one value, two scanners: one fingerprint, one identity', () => {
  const gitleaks = (value: string, ruleId: string) => ({
    RuleID: ruleId,
    StartLine: 1,
    Secret: value,
    Match: value,
    File: 'a.env',
    Date: '',
  });
  const trufflehog = (value: string, detector: string) => ({
    SourceMetadata: { Data: { Filesystem: { file: 'b.env', line: 9 } } },
    DetectorName: detector,
    Verified: false,
    Raw: b64(value),
    Redacted: '',
  });
  const secretKey = (f: Finding) => f.identities.find((i) => i.type === 'secret')!.key;

  it.each([
    ['a random token', canary(), 'generic-api-key', 'Stripe'],
    ['an AWS access key id', REAL_SHAPED_KEY_ID, 'aws-access-token', 'AWS'],
    ['a GitHub token shape', `ghp_${canary(36)}`, 'github-pat', 'Github'],
  ])('%s', (_label, value, rule, detector) => {
    const [g] = run([gitleaks(value, rule)]);
    const [t] = run(trufflehog(value, detector));
    expect(t!.secret!.fingerprint).toBe(g!.secret!.fingerprint);
    expect(secretKey(t!)).toBe(secretKey(g!));
    if (isAccessKeyId(value)) {
      expect(g!.identities.map((i) => i.key)).toContain(`aws:access-key:${value}`);
      expect(t!.identities.map((i) => i.key)).toContain(`aws:access-key:${value}`);
    }
  });

  it('another fingerprint key gives another fingerprint (and identity)', () => {
    const value = canary();
    const input = JSON.stringify([gitleaks(value, 'generic-api-key')]);
    const [a] = findingsOf(input, { format: 'auto', fingerprintKey: TEST_FINGERPRINT_KEY });
    const [b] = findingsOf(input, { format: 'auto', fingerprintKey: 'another-deployment-key' });
    expect(b!.secret!.fingerprint).not.toBe(a!.secret!.fingerprint);
    expect(secretKey(b!)).not.toBe(secretKey(a!));
  });
});

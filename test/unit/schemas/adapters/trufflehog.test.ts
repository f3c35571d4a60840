import { describe, expect, it } from 'vitest';
import { UNKNOWN_TIME } from '../../../../schemas/adapters/secret-common.ts';
import { trufflehogAdapter } from '../../../../schemas/adapters/trufflehog.ts';
import { secretIdentity } from '../../../../schemas/identity-keys.ts';
import {
  corpusAvailable,
  corpusFile,
  fixtureFile,
  identifiersOf,
  readManifest,
} from '../../../support/corpus.ts';
import { findingsOf, formatsOf, fp, keysOf, outcomesOf } from '../../../support/normalize.ts';

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

const USER_ARN = 'arn:aws:iam::595918472158:user/canarytokens.com@@mirux23ppyky6hx3l6vclmhnj';
const GIT_FILE = 'trufflehog/defectdojo-v3-git.jsonl';
/** The corpus's canary key id, as its MANIFEST row names it: read, not written here, so no key id is committed. */
const corpusKeyId = () =>
  readManifest()
    .find((r) => r.file === GIT_FILE)!
    .identities.match(/\bAKIA[A-Z0-9]{16}\b/)![0];
const URI = 'https://admin:admin@the-internet.herokuapp.com/basic_auth';

/** MANIFEST's machine ids (ARNs, AWS key and unique ids) plus the ones its prose names ("same canary AWS key/ARN"). */
function manifestIdsPresent(file: string, ids: Set<string>, named: string[] = []): void {
  const row = readManifest().find((r) => r.file === file)!;
  const all = [...ids].join('\n');
  const wanted = [
    ...row.identities.matchAll(/arn:aws:[^\s;,()]+|\b(AKIA|ASIA|AIDA|AROA)[A-Z0-9]{12,}\b/g),
  ].map((m) => m[0]);
  expect(wanted.length + named.length).toBeGreaterThan(0);
  for (const id of [...wanted, ...named]) expect(all).toContain(id);
}

describe.runIf(corpusAvailable())('trufflehog corpus: v3 git source, base64 Raw', () => {
  const file = GIT_FILE;
  const KEY_ID = corpusKeyId();
  const input = corpusFile(file);
  const outcomes = outcomesOf(input, { format: 'auto' });
  const findings = findingsOf(input, { format: 'auto' });
  const privateKey = Buffer.from(JSON.parse(input.toString('utf8').split('\n')[2]!).Raw, 'base64').toString(
    'utf8',
  );

  it('JSON lines, the last without a trailing newline: four records, all trufflehog', () => {
    expect(input.at(-1)).not.toBe(0x0a);
    expect(outcomes.map((o) => [o.ok, o.format, o.line])).toEqual([
      [true, 'trufflehog', 1],
      [true, 'trufflehog', 2],
      [true, 'trufflehog', 3],
      [true, 'trufflehog', 4],
    ]);
    expect(findings).toHaveLength(4);
  });

  it('verified → critical exposed secrets, open', () => {
    for (const f of findings) {
      expect(f.kind).toBe('exposed-secret');
      expect(f.status).toBe('open');
      expect(f.severity).toEqual({ label: 'critical', score: 95 });
      expect(f.secret!.verified).toBe(true);
    }
  });

  it('reads Go\'s time.String() timestamps ("2022-06-16 10:17:40 -0700 -0700")', () => {
    expect(findings.map((f) => f.time)).toEqual([
      '2022-06-16T17:17:40.000Z',
      '2022-06-16T17:27:56.000Z',
      '2022-06-16T17:27:56.000Z',
      '2022-06-16T17:27:56.000Z',
    ]);
  });

  it('AWS: the key (Raw decodes to its id), owned by ExtraData.arn, whose AIDA id is an alias', () => {
    const aws = findings[0]!;
    expect(keysOf(aws)).toEqual([
      secretIdentity('aws', fp(KEY_ID), 'aws').key,
      `aws:access-key:${KEY_ID}`,
      USER_ARN,
    ]);
    const [secret, key, user] = aws.identities;
    expect(secret!.owner).toBe(`aws:access-key:${KEY_ID}`);
    expect(key).toMatchObject({ type: 'aws-access-key', account: '595918472158', owner: USER_ARN });
    expect(user).toMatchObject({
      type: 'aws-user',
      account: '595918472158',
      aliases: ['AIDAYVP4CIPPJ5M54LRCY'],
    });
    expect(aws.cloud).toEqual({ provider: 'aws', account: '595918472158' });
    expect(aws.secret).toEqual({
      detector: 'AWS',
      fingerprint: fp(KEY_ID),
      hint: 'AKIA…(20)',
      verified: true,
    });
  });

  it('URI and private key: fingerprinted from the decoded value; the SSH key names its GitHub user', () => {
    expect(findings[1]!.secret!.fingerprint).toBe(fp(URI));
    expect(keysOf(findings[1]!)).toEqual([secretIdentity('uri', fp(URI)).key]);
    expect(findings[2]!.secret!.fingerprint).toBe(fp(privateKey));
    expect(keysOf(findings[2]!)).toEqual([
      secretIdentity('private-key', fp(privateKey)).key,
      'principal:github:thisisforgithub0',
    ]);
    expect(findings[2]!.identities[0]!.owner).toBe('principal:github:thisisforgithub0');
  });

  it('the duplicated line is the same finding (same id), so re-delivery dedups', () => {
    expect(findings[3]!.id).toBe(findings[1]!.id);
    expect(new Set(findings.map((f) => f.id)).size).toBe(3);
  });

  it('location: repository, file, line, commit', () => {
    expect(findings[0]!.location).toEqual({
      repo: 'https://github.com/trufflesecurity/test_keys',
      file: 'keys',
      line: 4,
      commit: 'fbc14303ffbf8fb1c2c1914e8dda7d0121633aca',
    });
    expect(findings[0]!.resources.map((r) => r.uid)).toEqual([
      'https://github.com/trufflesecurity/test_keys',
      'keys',
    ]);
  });

  it('no plaintext, base64 form or PEM line leaves the adapter', () => {
    const out = JSON.stringify(findings);
    for (const s of [URI, b64(URI), privateKey, ...privateKey.split('\n').filter((l) => l.length >= 8)]) {
      expect(out).not.toContain(s);
    }
    expect(out).not.toContain('b3BlbnNzaC1rZXktdjEAAAAACmFl'); // Redacted's prefix of the key body
  });

  it('extracts every id the manifest names', () => {
    manifestIdsPresent(file, identifiersOf(findings));
  });
});

describe.runIf(corpusAvailable())('trufflehog corpus: v3 github source', () => {
  const file = 'trufflehog/defectdojo-v3-github.jsonl';
  const KEY_ID = corpusKeyId();
  const findings = findingsOf(corpusFile(file), { format: 'auto' });
  const git = findingsOf(corpusFile(GIT_FILE), { format: 'auto' });

  it('four findings; link is the url, repository keeps its .git', () => {
    expect(findings).toHaveLength(4);
    expect(findings[0]!.location).toEqual({
      repo: 'https://github.com/trufflesecurity/test_keys.git',
      file: 'keys',
      line: 4,
      commit: 'fbc14303ffbf8fb1c2c1914e8dda7d0121633aca',
      url: 'https://github.com/trufflesecurity/test_keys/blob/fbc14303ffbf8fb1c2c1914e8dda7d0121633aca/keys',
    });
    expect(findings[0]!.evidence).toMatchObject({ source: 'trufflehog - github', sourceKind: 'Github' });
  });

  it('the same secrets found through the github source are the same identities as through git', () => {
    expect(findings.map(keysOf)).toEqual(git.map(keysOf));
    expect(findings.map((f) => f.secret)).toEqual(git.map((f) => f.secret));
  });

  it('extracts every id the manifest names ("same canary AWS key/ARN"; the repo)', () => {
    expect(readManifest().find((r) => r.file === file)!.identities).toContain(
      'https://github.com/trufflesecurity/test_keys.git',
    );
    manifestIdsPresent(file, identifiersOf(findings), [
      KEY_ID,
      USER_ARN,
      'AIDAYVP4CIPPJ5M54LRCY',
      'https://github.com/trufflesecurity/test_keys.git',
    ]);
  });
});

describe('trufflehog fixture: current output (Raw as plain text, RawV2, SecretParts)', () => {
  const input = fixtureFile('trufflehog/v3-plain-raw.jsonl');
  const findings = findingsOf(input, { format: 'auto' });
  const [aws, jdbc] = findings;

  it('auto-detects trufflehog', () => {
    expect(formatsOf(input)).toEqual(new Set(['trufflehog']));
    expect(findings).toHaveLength(2);
  });

  it('plain Raw gives the same fingerprint as the old base64 Raw would', () => {
    const line = JSON.parse(input.toString('utf8').split('\n')[0]!);
    const old = findingsOf(JSON.stringify({ ...line, Raw: b64(line.Raw), RawV2: b64(line.RawV2) }), {
      format: 'auto',
    });
    expect(old[0]!.secret).toEqual(aws!.secret);
    expect(keysOf(old[0]!)).toEqual(keysOf(aws!));
  });

  it('AWS key with owner user; the secret access key (RawV2 second half, SecretParts) is never copied', () => {
    expect(keysOf(aws!)).toEqual([
      secretIdentity('aws', fp('AKIAIOSFODNN7EXAMPLE'), 'aws').key,
      'arn:aws:iam::123456789012:user/ci-deployer',
    ]);
    // The key id is AWS's documentation placeholder: a resource, never an identity (aws-id-check.ts).
    expect(aws!.resources).toContainEqual({ uid: 'AKIAIOSFODNN7EXAMPLE', type: 'aws-sample-id' });
    expect(aws!.identities[1]!.aliases).toEqual(['AIDAEXAMPLEUSERID0001']);
    expect(JSON.stringify(findings)).not.toContain('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
  });

  it('a filesystem source has no timestamp: unknown time, flagged in evidence', () => {
    expect(aws!.time).toBe(UNKNOWN_TIME);
    expect(aws!.evidence.timeUnknown).toBe(true);
    expect(aws!.location).toEqual({ file: 'deploy/terraform.tfvars', line: 3 });
  });

  it('unverified → medium; "+0000 UTC" time; the verifier error text is not copied', () => {
    expect(jdbc!.severity).toEqual({ label: 'medium', score: 50 });
    expect(jdbc!.secret!.verified).toBe(false);
    expect(jdbc!.time).toBe('2024-05-02T09:15:00.000Z');
    expect(jdbc!.evidence.verificationError).toBe(true);
    const out = JSON.stringify(jdbc);
    expect(out).not.toContain('Xv8pLq2mTz9rWk4n');
    expect(out).not.toContain('db.internal');
  });
});

describe('trufflehog edge cases', () => {
  const line = {
    SourceMetadata: { Data: { Filesystem: { file: 'a.env', line: 1 } } },
    SourceName: 'trufflehog - filesystem',
    DetectorName: 'Github',
    Verified: false,
    Raw: 'Zr8vN2qLx5Tw9Kc3Pm7Hd1Yb',
    Redacted: '',
  };

  it('wrong types are a typed rejection with a readable reason', () => {
    const [bad] = outcomesOf(JSON.stringify({ ...line, Verified: 'yes' }), { format: 'trufflehog' });
    expect(bad!.ok).toBe(false);
    expect(bad!.ok ? '' : bad!.reason).toMatch(/^not a valid trufflehog record: Verified: /);
    const [noDetector] = outcomesOf(JSON.stringify({ ...line, DetectorName: undefined }), {
      format: 'trufflehog',
    });
    expect(noDetector!.ok ? '' : noDetector!.reason).toMatch(/DetectorName/);
  });

  it('unknown extra fields (and their secrets) are tolerated and not copied', () => {
    const [f] = findingsOf(JSON.stringify({ ...line, NewThing: { token: 'extra-Qp4Lz8Vn2Rt6Wm0' } }), {
      format: 'auto',
    });
    expect(f!.secret!.fingerprint).toBe(fp('Zr8vN2qLx5Tw9Kc3Pm7Hd1Yb'));
    expect(JSON.stringify(f)).not.toContain('extra-Qp4Lz8Vn2Rt6Wm0');
  });

  it('an array of results is unwrapped; a result maps to itself', () => {
    expect(trufflehogAdapter.records([line, line])).toEqual([line, line]);
    expect(trufflehogAdapter.records(line)).toEqual([line]);
    expect(findingsOf(JSON.stringify([line]), { format: 'auto' })).toHaveLength(1);
  });

  it('does not claim other formats', () => {
    expect(trufflehogAdapter.detect({ RuleID: 'x', Secret: 'y', File: 'z', StartLine: 1 })).toBe(false);
    expect(trufflehogAdapter.detect({ action: 'created', alert: { number: 1, secret_type: 'x' } })).toBe(
      false,
    );
    expect(trufflehogAdapter.detect([])).toBe(false);
  });
});

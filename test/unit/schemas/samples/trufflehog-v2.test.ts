// trufflehog 2.x JSON lines (sources: test/fixtures/trufflehog/README.md): accepted as trufflehog, one finding per
// string found, and nothing it found — nor its diff — comes out.
import { describe, expect, it } from 'vitest';
import { canariesIn, makeCanaries } from '../../../support/canaries.ts';
import { fixtureFile } from '../../../support/corpus.ts';
import { findingsOf, fp, keysOf, outcomesOf } from '../../../support/normalize.ts';

const file = fixtureFile('trufflehog/v2-json-lines.jsonl');

describe('trufflehog v2 JSON lines', () => {
  const findings = findingsOf(file, { format: 'auto' });

  it('auto names trufflehog; one finding per distinct string found, all exposed secrets of medium severity', () => {
    expect(new Set(outcomesOf(file, { format: 'auto' }).map((o) => o.format))).toEqual(
      new Set(['trufflehog']),
    );
    expect(findings).toHaveLength(4);
    expect(findings.every((f) => f.kind === 'exposed-secret' && f.status === 'open')).toBe(true);
    expect(findings.map((f) => f.severity)).toEqual(Array(4).fill({ label: 'medium', score: 50 }));
    expect(findings.every((f) => f.evidence.trufflehogVersion === 2)).toBe(true);
  });

  it('identities: a secret per value (a bare PEM header is no value), the AWS key id as its key', () => {
    const [first, second, pem, aws] = findings;
    expect(first!.secret!.fingerprint).toBe(fp("secret = 'd15627104d07846ac2914a976e8e347a663bbd9b'"));
    expect(second!.secret!.fingerprint).toBe(fp("secret = '9ed54617547cfca783e0f81f8dc5c927e3d1e345'"));
    expect(first!.identities[0]!.key).toMatch(/^secret:generic:[0-9a-f]{16}$/);
    expect(pem!.identities[0]!.key).toMatch(/^secret:private-key:/);
    expect(pem!.secret!.fingerprint).not.toBe(fp('-----BEGIN RSA PRIVATE KEY-----'));
    expect(keysOf(aws!)).toEqual([expect.stringMatching(/^secret:aws:/)]);
    // The key id is AWS's documentation placeholder: a resource, never an identity (aws-id-check.ts).
    expect(aws!.resources).toContainEqual({ uid: 'AKIAIOSFODNN7EXAMPLE', type: 'aws-sample-id' });
    expect(aws!.location).toEqual({
      file: 'deploy/credentials',
      commit: '5b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4',
    });
    expect(first!.time).toBe('2021-01-30T19:50:09.000Z');
    expect(first!.evidence.timeZoneUnknown).toBe(true);
  });

  it('no string found, no diff and no commit message comes out', () => {
    const out = JSON.stringify(findings);
    for (const s of [
      'd15627104d07846ac2914a976e8e347a663bbd9b',
      '9ed54617547cfca783e0f81f8dc5c927e3d1e345',
      'wJalrXUtnFEMI',
      'Fixed since_commit',
    ])
      expect(out).not.toContain(s);
  });

  it('canaries in stringsFound, diff, printDiff and the commit message: none comes out', () => {
    const canaries = makeCanaries();
    const token = canaries.values.githubToken!;
    const record = {
      branch: 'origin/main',
      commit: `rotate ${canaries.prose}`,
      commitHash: '0123456789abcdef0123456789abcdef01234567',
      date: '2020-02-02 02:02:02',
      diff: `+token = ${token}\n+${canaries.prose}`,
      path: 'app/settings.py',
      printDiff: `token = ${token}`,
      reason: 'GitHub',
      stringsFound: [token],
    };
    const out = JSON.stringify(findingsOf(JSON.stringify(record), { format: 'auto' }));
    expect(canariesIn(out, canaries)).toEqual([]);
  });
});

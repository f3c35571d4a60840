import { describe, expect, it } from 'vitest';
import { sarifAdapter } from '../../../../schemas/adapters/sarif.ts';
import { UNKNOWN_TIME } from '../../../../schemas/adapters/secret-common.ts';
import { secretIdentity } from '../../../../schemas/identity-keys.ts';
import { fixtureFile } from '../../../support/corpus.ts';
import { findingsOf, formatsOf, fp, keysOf, outcomesOf } from '../../../support/normalize.ts';

// No SARIF file is in the shared corpus: the fixtures are modelled on trivy's SARIF writer (pkg/report/sarif.go
// and its golden files) and on Semgrep's `--sarif` output as GitHub code scanning receives it.

describe('sarif fixture: trivy --format sarif (secret, misconfiguration, vulnerability)', () => {
  const input = fixtureFile('sarif/trivy-fs.sarif');
  const findings = findingsOf(input, { format: 'auto' });
  const [secret, misconfig, vuln] = findings;

  it('auto-detects generic SARIF; one record per result', () => {
    expect(formatsOf(input)).toEqual(new Set(['sarif']));
    expect(outcomesOf(input, { format: 'auto' })).toHaveLength(3);
    expect(findings.map((f) => f.kind)).toEqual(['exposed-secret', 'misconfiguration', 'misconfiguration']);
    expect(findings.every((f) => f.source.product === 'Trivy' && f.status === 'open')).toBe(true);
  });

  it('severity from security-severity (CVSS ×10)', () => {
    expect(findings.map((f) => f.severity)).toEqual([
      { label: 'critical', score: 95 },
      { label: 'high', score: 80 },
      { label: 'high', score: 75 },
    ]);
  });

  it('secret: title from the rule only — the masked Match in message, fullDescription and help is not copied', () => {
    expect(secret!.title).toBe('AWS Secret Access Key in deploy/env.sh');
    expect(secret!.description).toBeUndefined();
    expect(JSON.stringify(secret)).not.toContain('AWS_secret_KEY');
    expect(secret!.secret).toMatchObject({ detector: 'aws-secret-access-key', hint: '…(?)' });
    expect(keysOf(secret!)).toEqual([expect.stringMatching(/^secret:aws:[0-9a-f]{16}$/)]);
  });

  it('references: rule id, CVE, help url; no run time → unknown', () => {
    expect(vuln!.references).toEqual([
      { kind: 'rule', id: 'CVE-2023-44487' },
      { kind: 'cve', id: 'CVE-2023-44487' },
      { kind: 'url', id: 'https://avd.aquasec.com/nvd/cve-2023-44487' },
    ]);
    expect(misconfig!.location).toEqual({ file: 'iam.tf', line: 12 });
    expect(findings.every((f) => f.time === UNKNOWN_TIME)).toBe(true);
  });
});

describe('sarif fixture: Semgrep CI run', () => {
  const input = fixtureFile('sarif/semgrep-ci.sarif');
  const findings = findingsOf(input, { format: 'auto' });
  const [secret, shell, suppressed] = findings;

  it('kind "pass" results are not findings', () => {
    expect(outcomesOf(input, { format: 'auto' })).toHaveLength(4);
    expect(findings).toHaveLength(3);
  });

  it('time from the invocation; repo and commit from versionControlProvenance', () => {
    expect(findings.every((f) => f.time === '2024-07-09T12:01:44.902Z')).toBe(true);
    expect(shell!.location).toEqual({
      repo: 'https://github.com/acme/payments',
      file: 'tools/release.py',
      line: 41,
      commit: '9b1d4c2e7f3a5b6c8d0e1f2a3b4c5d6e7f8a9b0c',
    });
  });

  it('a CWE-798 rule is an exposed secret; the bare snippet is the value, as gitleaks would see it', () => {
    expect(secret!.kind).toBe('exposed-secret');
    expect(secret!.references).toContainEqual({ kind: 'cwe', id: 'CWE-798' });
    expect(secret!.secret!.fingerprint).toBe(fp('zq7Rk2Vb9Lm4Xt8Wp3Hc6Ny1Jd5Fs0Ga'));
    expect(secret!.secret!.hint).toBe('zq7R…(32)');
    expect(keysOf(secret!)).toEqual([secretIdentity('generic', fp('zq7Rk2Vb9Lm4Xt8Wp3Hc6Ny1Jd5Fs0Ga')).key]);
    const gitleaks = findingsOf(fixtureFile('gitleaks/gitleaks-v8-aws.json'), { format: 'auto' })[1]!;
    expect(keysOf(secret!)).toEqual(keysOf(gitleaks));
    expect(JSON.stringify(findings)).not.toContain('zq7Rk2Vb9Lm4Xt8Wp3Hc6Ny1Jd5Fs0Ga');
  });

  it('misconfiguration: security-severity 6.3 → medium 63, message as description, CWE from "CWE-78: …"', () => {
    expect(shell!.kind).toBe('misconfiguration');
    expect(shell!.severity).toEqual({ label: 'medium', score: 63 });
    expect(shell!.description).toMatch(/^Found 'subprocess' function 'run'/);
    expect(shell!.references).toContainEqual({ kind: 'cwe', id: 'CWE-78' });
  });

  it('a suppressed result is suppressed; level note (rule default) → low', () => {
    expect(suppressed!.status).toBe('suppressed');
    expect(suppressed!.severity).toEqual({ label: 'low', score: 30 });
  });
});

describe('sarif edge cases', () => {
  const log = (
    result: Record<string, unknown>,
    rules: unknown[] = [],
    extra: Record<string, unknown> = {},
  ) => ({
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'Scanner', rules } }, results: [result], ...extra }],
  });
  const result = {
    ruleId: 'R1',
    level: 'error',
    message: { text: 'Role can assume anything' },
    locations: [{ physicalLocation: { artifactLocation: { uri: 'iam.json' }, region: { startLine: 2 } } }],
  };

  it('a single-result log maps to itself; rules are resolved by ruleIndex and kept with the result', () => {
    const single = log({ ...result, ruleIndex: 0 }, [{ id: 'R1', shortDescription: { text: 'Rule one' } }]);
    expect(sarifAdapter.records(single)).toEqual([single]);
    const two = {
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'S', rules: [{ id: 'A' }, { id: 'B' }] } },
          results: [{ ruleId: 'B', ruleIndex: 1 }, { ruleId: 'A' }],
        },
      ],
    };
    const split = sarifAdapter.records(two) as Array<{
      runs: Array<{ tool: { driver: { rules: Array<{ id: string }> } } }>;
    }>;
    expect(split.map((r) => r.runs[0]!.tool.driver.rules.map((x) => x.id))).toEqual([['B'], ['A']]);
  });

  it('level error → high; baselineState absent → resolved; result provenance time wins', () => {
    const [f] = findingsOf(
      JSON.stringify(
        log(
          {
            ...result,
            baselineState: 'absent',
            provenance: { lastDetectionTimeUtc: '2024-02-02T02:02:02Z' },
          },
          [],
          { invocations: [{ endTimeUtc: '2024-01-01T00:00:00Z' }] },
        ),
      ),
      { format: 'auto' },
    );
    expect(f!.severity).toEqual({ label: 'high', score: 75 });
    expect(f!.status).toBe('resolved');
    expect(f!.time).toBe('2024-02-02T02:02:02.000Z');
    expect(f!.title).toBe('Role can assume anything');
  });

  it('AWS principals named in logical locations become identities', () => {
    const withArn = {
      ...result,
      locations: [
        {
          logicalLocations: [
            { fullyQualifiedName: 'arn:aws:iam::123456789012:role/deployer', kind: 'resource' },
          ],
        },
      ],
    };
    const [f] = findingsOf(JSON.stringify(log(withArn)), { format: 'auto' });
    expect(keysOf(f!)).toEqual(['arn:aws:iam::123456789012:role/deployer']);
  });

  it('wrong types are a typed rejection with a readable reason; extra properties are tolerated', () => {
    const [bad] = outcomesOf(JSON.stringify(log({ ...result, locations: 'iam.json' })), { format: 'sarif' });
    expect(bad!.ok).toBe(false);
    expect(bad!.ok ? '' : bad!.reason).toMatch(/^not a valid SARIF record: runs\.0\.results\.0\.locations: /);
    const [noDriver] = outcomesOf(
      JSON.stringify({ version: '2.1.0', runs: [{ tool: {}, results: [result] }] }),
      { format: 'sarif' },
    );
    expect(noDriver!.ok ? '' : noDriver!.reason).toMatch(/driver/);
    expect(
      findingsOf(JSON.stringify(log({ ...result, newThing: { a: 1 }, properties: { tags: 'not-a-list' } })), {
        format: 'auto',
      }),
    ).toHaveLength(1);
  });

  it('a run without results (or an empty log) has no records', () => {
    expect(
      outcomesOf(
        JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'S' } }, results: [] }] }),
        { format: 'auto' },
      ),
    ).toEqual([]);
    expect(
      outcomesOf(JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'S' } } }] }), {
        format: 'auto',
      }),
    ).toEqual([]);
  });

  it('the generic reader also protects a gitleaks SARIF given with --format sarif', () => {
    const input = fixtureFile('gitleaks/gitleaks-v8.sarif');
    const findings = findingsOf(input, { format: 'sarif' });
    expect(findings.map((f) => f.kind)).toEqual(['exposed-secret', 'exposed-secret']);
    expect(findings[1]!.secret!.fingerprint).toBe(fp('zq7Rk2Vb9Lm4Xt8Wp3Hc6Ny1Jd5Fs0Ga'));
    expect(JSON.stringify(findings)).not.toContain('zq7Rk2Vb9Lm4Xt8Wp3Hc6Ny1Jd5Fs0Ga');
  });

  it('does not claim other formats', () => {
    expect(sarifAdapter.detect({ runs: 'x' })).toBe(false);
    expect(sarifAdapter.detect({ version: '2.1.0', runs: [{ results: [] }] })).toBe(false);
    expect(sarifAdapter.detect([{ runs: [] }])).toBe(false);
  });
});

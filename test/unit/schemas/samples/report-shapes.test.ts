// Report shapes the tools document that a new user sends (issue 22 item 5): each on a public sample in
// test/fixtures (sources in each folder's README.md), read or skipped by name, never "unknown input shape".
import { describe, expect, it } from 'vitest';
import { splitRecords } from '../../../../consumers/split-records.ts';
import { parseDocuments } from '../../../../schemas/parse-input.ts';
import { generatedAccessKeyId } from '../../../support/access-key-ids.ts';
import { fixtureFile } from '../../../support/corpus.ts';
import { findingsOf, keysOf, outcomesOf, TEST_FINGERPRINT_KEY } from '../../../support/normalize.ts';

/** A well-formed, non-placeholder key id, made at run time (none is kept in the repository). */
const REAL_SHAPED_KEY_ID = generatedAccessKeyId();

const skippedOf = (file: string) => outcomesOf(fixtureFile(file)).map((o) => (o.ok ? o.skipped : o.reason));

describe('an empty result page inside a multi-document file', () => {
  const file = 'guardduty/get-findings-rest-pages.ndjson';

  it('contributes zero records: the file is read whole, nothing rejected', () => {
    const outcomes = outcomesOf(fixtureFile(file));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(outcomes).toHaveLength(1);
    expect(findingsOf(fixtureFile(file)).map((f) => f.source.nativeId)).toHaveLength(1);
  });

  it('any list API page with nothing in it is no record; a page key with records still is', () => {
    for (const empty of [
      '{"findings":[]}',
      '{"value":[],"nextLink":null}',
      '{"Findings":[],"NextToken":null}',
    ])
      expect(outcomesOf(empty)).toEqual([]);
    // Not a page: a key outside the page vocabulary (a gitleaks record has Tags: []) is not swallowed.
    expect(outcomesOf('{"Tags":[],"RuleID":"x"}')[0]).toMatchObject({ ok: false });
  });

  it('nhi ingest sends nothing for the empty page', () => {
    const out = splitRecords(fixtureFile(file), 'auto', TEST_FINGERPRINT_KEY);
    expect(out.map((r) => r.problem)).toEqual([undefined]);
  });
});

describe('Security Hub Insight Results (EventBridge)', () => {
  it('zero findings, not an error, the variant and the reason named', () => {
    const [o] = outcomesOf(fixtureFile('asff/eventbridge-insight-results.json'));
    expect(o).toMatchObject({ ok: true, findings: [], variant: 'asff/eventbridge-insight-results' });
    expect(o!.ok && o!.skipped).toMatch(
      /^asff: Security Hub Insight Results event .*ResourceAwsIamAccessKeyUserName.*skipped$/,
    );
  });
});

describe('GitHub secret scanning: an AWS key alert', () => {
  const findings = findingsOf(fixtureFile('github-secret-scanning/rest-alerts-org.json'));
  const aws = findings.find((f) => f.secret?.detector === 'aws_access_key_id')!;

  it('reads the access key id (the public half); this documentation sample id is a resource, never an identity', () => {
    expect(keysOf(aws).some((k) => k.startsWith('aws:access-key:'))).toBe(false);
    expect(aws.resources).toContainEqual({ uid: 'AKIAIOSFODNN7EXAMPLE', type: 'aws-sample-id' });
    expect(aws.evidence.sampleIds).toBe('AKIAIOSFODNN7EXAMPLE');
  });

  it('a real (non-sample) access key id becomes the identity, owning the secret', () => {
    const alert = {
      number: 8,
      secret_type: 'aws_access_key_id',
      state: 'open',
      created_at: '2024-01-01T00:00:00Z',
      secret: REAL_SHAPED_KEY_ID,
    };
    const [f] = findingsOf(JSON.stringify(alert));
    expect(keysOf(f!)).toContain(`aws:access-key:${REAL_SHAPED_KEY_ID}`);
    expect(f!.identities[0]!.owner).toBe(`aws:access-key:${REAL_SHAPED_KEY_ID}`);
  });

  it('a pair written together gives the id, never the secret access key as an identity', () => {
    const pair = {
      number: 9,
      secret_type: 'aws_secret_access_key',
      state: 'open',
      created_at: '2024-01-01T00:00:00Z',
      secret: `${REAL_SHAPED_KEY_ID}:je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY`,
    };
    const [f] = findingsOf(JSON.stringify(pair));
    expect(keysOf(f!)).toContain(`aws:access-key:${REAL_SHAPED_KEY_ID}`);
    expect(JSON.stringify(f)).not.toContain('je7MtGbClwBF');
    const alone = findingsOf(JSON.stringify({ ...pair, secret: 'je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY' }));
    expect(keysOf(alone[0]!).some((k) => k.startsWith('aws:access-key:'))).toBe(false);
  });

  it('other secret types name no access key', () => {
    for (const f of findings.filter((x) => x !== aws))
      expect(keysOf(f).some((k) => k.startsWith('aws:'))).toBe(false);
  });
});

describe('SARIF: credential weaknesses are exposed secrets', () => {
  it('njsscan: the CWE-798 rule (a `cwe` property) is an exposed secret, the CWE-327 one stays a misconfiguration', () => {
    const findings = findingsOf(fixtureFile('sarif/njsscan-0.2.3.sarif'));
    // (The secret result's rule id comes out as `node_[REDACTED]`: every long token of its snippet is scrubbed,
    // and njsscan's snippet holds the word "password".)
    expect(findings.map((f) => f.kind)).toEqual(['misconfiguration', 'exposed-secret']);
    expect(findings[1]!.references).toContainEqual({ kind: 'cwe', id: 'CWE-798' });
  });

  // SARIF 2.1.0 §3.49.3: a rule's taxonomy reference (gosec writes its CWE this way). Inline: no public gosec report
  // was at hand, so the shape is written here from the spec, not presented as a tool's output.
  const withRule = (rule: object) =>
    JSON.stringify({
      version: '2.1.0',
      runs: [
        {
          tool: { driver: { name: 'gosec', rules: [{ id: 'G999', ...rule }] } },
          results: [
            {
              ruleId: 'G999',
              message: { text: 'x' },
              locations: [{ physicalLocation: { artifactLocation: { uri: 'main.go' } } }],
            },
          ],
        },
      ],
    });

  it.each([
    [
      'a CWE taxonomy relationship (312)',
      { relationships: [{ target: { id: '312', toolComponent: { name: 'CWE' } } }] },
    ],
    ['a cwe property list (Snyk Code)', { properties: { cwe: ['CWE-522'] } }],
    ['a tag (540)', { properties: { tags: ['security', 'external/cwe/cwe-540'] } }],
    ['a hard-coded credential rule name', { shortDescription: { text: 'Potential hardcoded credentials' } }],
  ])('%s', (_, rule) => {
    expect(findingsOf(withRule(rule))[0]!.kind).toBe('exposed-secret');
  });

  it('an unrelated weakness is not', () => {
    const rule = { relationships: [{ target: { id: '89', toolComponent: { name: 'CWE' } } }] };
    expect(findingsOf(withRule(rule))[0]!.kind).toBe('misconfiguration');
  });
});

describe('SIEM kinds from the alert’s own category fields', () => {
  it('Sentinel tactics and Elastic threat tactics on the real samples', () => {
    const kinds = (file: string) => findingsOf(fixtureFile(file)).map((f) => f.kind);
    // "Mass secret retrieval from Key Vault…" has no kind words: its CredentialAccess tactic makes it a compromise.
    expect(kinds('sentinel/incident-list.json')).toContain('compromise-indicator');
    expect(kinds('elastic-alert/aws-cloudtrail-alerts.json')).toContain('compromise-indicator');
  });

  it('ATT&CK tactic ids are read like names (Splunk mitre_tactic_id, Elastic tactic.id without a name)', () => {
    const lines = fixtureFile('splunk-notable/aws-notables-export.ndjson').toString('utf8').split('\n');
    const root = lines.map((l) => (l.trim() ? JSON.parse(l) : undefined)).find(Boolean)!;
    const bland = { ...root, result: { ...root.result, search_name: 'Rule 42', rule_name: 'Rule 42' } };
    const withIds = (ids: string[]) => ({ ...bland, result: { ...bland.result, mitre_tactic_id: ids } });
    expect(findingsOf(JSON.stringify(withIds(['TA0007'])))[0]!.kind).toBe('anomalous-use');
    expect(findingsOf(JSON.stringify(withIds(['TA0010'])))[0]!.kind).toBe('compromise-indicator');
  });

  it('a CamelCase alert type is read as words (Entra ID Protection LeakedCredentials)', () => {
    const row = JSON.parse(
      fixtureFile('sentinel/securityalert-rows.ndjson').toString('utf8').split('\n')[0]!,
    ) as Record<string, unknown>;
    const leaked = { ...row, AlertName: 'Entra ID Protection', AlertType: 'LeakedCredentials', Tactics: '' };
    expect(findingsOf(JSON.stringify(leaked))[0]!.kind).toBe('exposed-secret');
  });
});

describe('documented types read or named, never an unknown shape', () => {
  it('Security Hub "Findings Imported V2" (OCSF) is read', () => {
    const [o] = outcomesOf(fixtureFile('ocsf/eventbridge-findings-imported-v2.json'));
    expect(o).toMatchObject({ ok: true, variant: 'ocsf/eventbridge-security-hub-v2' });
    expect(o!.ok && o!.findings).toHaveLength(1);
  });

  it('a CloudTrail digest file is skipped by name', () => {
    expect(skippedOf('cloudtrail/digest-empty-hour.json')).toEqual([
      'cloudtrail: log file integrity digest (hashes of log files, no events): skipped',
    ]);
  });

  // Envelopes as the user guides document them (detail-type, source); their details shortened to what is read.
  const event = (source: string, detailType: string, detail: object) =>
    JSON.stringify({
      version: '0',
      id: 'x',
      'detail-type': detailType,
      source,
      account: '111122223333',
      detail,
    });

  it('GuardDuty events that are not findings are skipped, their detail-type named', () => {
    const [o] = outcomesOf(
      event('aws.guardduty', 'GuardDuty Malware Protection Object Scan Result', { scanStatus: 'COMPLETED' }),
    );
    expect(o).toMatchObject({
      ok: true,
      variant: 'guardduty/eventbridge-malware-protection-object-scan-result',
    });
    expect(o!.ok && o!.skipped).toContain('"GuardDuty Malware Protection Object Scan Result"');
  });

  it('CloudTrail Insights events are skipped, their insight named', () => {
    const insight = {
      eventVersion: '1.08',
      eventType: 'AwsCloudTrailInsight',
      eventTime: '2023-01-01T00:00:00Z',
      insightDetails: {
        state: 'Start',
        eventSource: 'autoscaling.amazonaws.com',
        eventName: 'CompleteLifecycleAction',
        insightType: 'ApiCallRateInsight',
      },
    };
    for (const doc of [
      event('aws.cloudtrail', 'AWS Insight via CloudTrail', insight),
      JSON.stringify({ Records: [insight] }),
    ]) {
      const [o] = outcomesOf(doc);
      expect(o!.ok && o!.skipped).toMatch(
        /^cloudtrail: CloudTrail Insights event \(ApiCallRateInsight autoscaling/,
      );
    }
  });

  it('GitHub secret_scanning_scan webhooks and alert location lists are skipped by name', () => {
    const scan = {
      action: 'completed',
      type: 'backfill',
      source: 'git',
      secret_types: ['aws_access_key_id'],
    };
    const locations = [{ type: 'commit', details: { path: '/example/secrets.txt', start_line: 1 } }];
    expect(outcomesOf(JSON.stringify(scan))[0]).toMatchObject({
      ok: true,
      variant: 'github-secret-scanning/webhook-scan',
    });
    expect(outcomesOf(JSON.stringify(locations))[0]).toMatchObject({
      ok: true,
      variant: 'github-secret-scanning/rest-locations',
    });
  });

  it('trivy SPDX documents are skipped by name', () => {
    const spdx = { spdxVersion: 'SPDX-2.3', SPDXID: 'SPDXRef-DOCUMENT', name: 'x', packages: [] };
    expect(outcomesOf(JSON.stringify(spdx))[0]).toMatchObject({ ok: true, variant: 'trivy/spdx' });
  });

  it('another service’s EventBridge event is refused with its source and detail-type', () => {
    const [o] = outcomesOf(event('aws.inspector2', 'Inspector2 Finding', { findingArn: 'x' }));
    expect(o).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /^EventBridge event "Inspector2 Finding" from aws.inspector2 is no format we read/,
      ),
    });
  });

  it('non-JSON report formats are refused by name', () => {
    const reasonOf = (text: string) => parseDocuments(text).map((d) => (d.ok ? '' : d.reason))[0];
    expect(reasonOf('RuleID,Commit,File,SymlinkFile,Secret,Match,StartLine\n')).toMatch(
      /^a gitleaks CSV report/,
    );
    expect(reasonOf('<?xml version="1.0"?>\n<testsuites>\n</testsuites>')).toMatch(/^a JUnit XML report/);
    expect(reasonOf('check_id,file,resource,check_name,guideline\nCKV_AWS_1,a.tf,x,y,z\n')).toMatch(
      /^a CSV report/,
    );
    expect(reasonOf('<!DOCTYPE html>\n<html></html>')).toMatch(/^an XML or HTML report/);
  });

  it('GuardDuty finding types without a principal (Runtime, AttackSequence) are read on their resources', () => {
    const env = JSON.parse(fixtureFile('guardduty/eventbridge-via-sns.json').toString('utf8'));
    const finding = JSON.parse(env.Message).detail;
    const onInstance = (type: string) => ({
      ...finding,
      type,
      id: type,
      arn: `${finding.arn}/${type}`,
      resource: { resourceType: 'Instance', instanceDetails: { instanceId: 'i-99999999' } },
    });
    const types = ['Execution:Runtime/NewBinaryExecuted', 'AttackSequence:IAM/CompromisedCredentials'];
    const findings = findingsOf(JSON.stringify(types.map(onInstance)));
    expect(findings).toHaveLength(2);
    for (const f of findings)
      expect(f.resources.map((r) => r.uid)).toContain(
        'arn:aws:ec2:us-east-1:883606788610:instance/i-99999999',
      );
  });
});

import { describe, expect, it } from 'vitest';
import { googleSccAdapter, sccKind } from '../../../../schemas/adapters/google-scc.ts';
import {
  corpusAvailable,
  corpusFile,
  fixtureFile,
  identifiersOf,
  readManifest,
} from '../../../support/corpus.ts';
import { findingsOf, formatsOf, outcomesOf } from '../../../support/normalize.ts';

const CORPUS = 'cspm-other/elastic-integrations-google-scc-finding.ndjson';

describe.runIf(corpusAvailable())('google-scc corpus: elastic-integrations finding log', () => {
  const input = corpusFile(CORPUS);
  const outcomes = outcomesOf(input, { format: 'auto' });
  const findings = findingsOf(input, { format: 'auto' });
  const [f] = findings;

  it('auto-detects google-scc; the empty ListFindings line yields nothing and is not rejected', () => {
    expect(outcomes).toHaveLength(1);
    expect(outcomes[0]).toMatchObject({ ok: true, format: 'google-scc', line: 1 });
    expect(findings).toHaveLength(1);
  });

  it('maps severity, kind, status and time', () => {
    expect(f!.title).toBe('application');
    expect(f!.severity).toEqual({ label: 'critical', score: 95 });
    expect(f!.kind).toBe('misconfiguration');
    expect(f!.status).toBe('open');
    expect(f!.time).toBe('2023-06-02T05:17:41.936Z'); // eventTime, not createTime
    expect(f!.identities).toEqual([]);
    expect(f!.cloud).toEqual({ provider: 'gcp', account: '45455445554' });
  });

  it('keeps the mute initiator as a resource and evidence, not an identity', () => {
    expect(f!.resources).toContainEqual({ uid: 'john@gmail.com', type: 'scc-mute-initiator' });
    expect(f!.evidence.muteInitiator).toBe('Unmuted by john@gmail.com');
  });

  it('extracts every id the manifest names', () => {
    const row = readManifest().find((r) => r.file === CORPUS)!;
    const ids = identifiersOf(findings);
    for (const id of [
      'organizations/515665165161',
      '//cloudresourcemanager.googleapis.com/projects/45455445554',
      'john@gmail.com',
    ]) {
      expect(row.identities).toContain(id);
      expect(ids).toContain(id);
    }
  });
});

describe('google-scc fixture: ListFindings response', () => {
  const input = fixtureFile('google-scc/list-findings-response.json');
  const findings = findingsOf(input, { format: 'auto' });
  const [keyNotRotated, anomalousGrant] = findings;

  it('auto-detects and unwraps listFindingsResults', () => {
    expect(formatsOf(input)).toEqual(new Set(['google-scc']));
    expect(findings).toHaveLength(2);
  });

  it('SERVICE_ACCOUNT_KEY_NOT_ROTATED: stale credential on the service account named in the key resource', () => {
    expect(keyNotRotated!.kind).toBe('stale-credential');
    expect(keyNotRotated!.severity).toEqual({ label: 'medium', score: 50 });
    expect(keyNotRotated!.identities.map((i) => [i.key, i.account])).toEqual([
      ['gcp:service-account:etl-loader@prod-data-4321.iam.gserviceaccount.com', 'prod-data-4321'],
    ]);
    expect(keyNotRotated!.references).toEqual([
      { kind: 'rule', id: 'SERVICE_ACCOUNT_KEY_NOT_ROTATED' },
      { kind: 'control', id: 'CIS 1.3 1.7' },
      { kind: 'control', id: 'PCI 3.2.1 3.6.4' },
      {
        kind: 'url',
        id: 'https://console.cloud.google.com/iam-admin/serviceaccounts?project=prod-data-4321',
      },
    ]);
    expect(keyNotRotated!.resources[0]).toMatchObject({
      type: 'google.iam.ServiceAccountKey',
      account: '987654321098',
    });
    expect(keyNotRotated!.source.nativeId).toBe(
      'projects/987654321098/sources/1986930501971458034/findings/0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e',
    );
  });

  it('THREAT: the caller and the granted member are identities; muted is suppressed, who muted it the reason', () => {
    expect(anomalousGrant!.kind).toBe('anomalous-use');
    expect(anomalousGrant!.status).toBe('suppressed');
    expect(anomalousGrant!.statusReason).toMatch(/^muted/);
    expect(anomalousGrant!.severity.label).toBe('high');
    expect(anomalousGrant!.identities.map((i) => [i.key, i.type])).toEqual([
      ['gcp:principal:alex@example.org', 'gcp-principal'],
      ['gcp:service-account:temp-admin@prod-data-4321.iam.gserviceaccount.com', 'gcp-service-account'],
    ]);
    expect(anomalousGrant!.references).toContainEqual({ kind: 'technique', id: 'ACCOUNT_MANIPULATION' });
    expect(anomalousGrant!.evidence).toMatchObject({
      mute: 'MUTED',
      callerIp: '203.0.113.99',
      methodName: 'SetIamPolicy',
      grantedRoles: 'roles/owner',
    });
    expect(anomalousGrant!.resources).toContainEqual({
      uid: 'soc-lead@example.org',
      type: 'scc-mute-initiator',
    });
  });
});

describe('google-scc fixture: Pub/Sub notifications', () => {
  const findings = findingsOf(fixtureFile('google-scc/notifications.ndjson'), { format: 'auto' });

  it('INACTIVE → resolved; SA emails inside sourceProperties are found', () => {
    const [admin, firewall] = findings;
    expect(admin!.status).toBe('resolved');
    expect(admin!.kind).toBe('excess-privilege');
    expect(admin!.identities.map((i) => i.key)).toEqual([
      'gcp:service-account:555000111222-compute@developer.gserviceaccount.com',
    ]);
    expect(admin!.evidence.notificationConfig).toBe(
      'organizations/123456789012/notificationConfigs/nhi-findings',
    );
    expect(firewall!.severity).toEqual({ label: 'medium', score: 50 }); // SEVERITY_UNSPECIFIED
    expect(firewall!.kind).toBe('misconfiguration');
    expect(firewall!.time).toBe('2025-06-01T09:05:00.000Z');
  });
});

describe('google-scc mappings and edge cases', () => {
  it('maps categories and finding classes', () => {
    expect(sccKind('SERVICE_ACCOUNT_KEY_NOT_ROTATED', 'MISCONFIGURATION')).toBe('stale-credential');
    expect(sccKind('API_KEY_NOT_ROTATED', undefined)).toBe('stale-credential');
    expect(sccKind('ADMIN_SERVICE_ACCOUNT', 'MISCONFIGURATION')).toBe('excess-privilege');
    expect(sccKind('OVER_PRIVILEGED_SERVICE_ACCOUNT_USER', 'MISCONFIGURATION')).toBe('excess-privilege');
    expect(sccKind('account_has_leaked_credentials', 'THREAT')).toBe('exposed-secret');
    expect(sccKind('Initial Access: Dormant Service Account Action', 'THREAT')).toBe('anomalous-use');
    expect(sccKind('Exfiltration: BigQuery Data Extraction', undefined)).toBe('compromise-indicator');
    expect(sccKind('PUBLIC_BUCKET_ACL', 'VULNERABILITY')).toBe('misconfiguration');
  });

  it('wrong types are a typed rejection with a readable reason', () => {
    const bad = {
      finding: {
        name: 'organizations/1/sources/2/findings/3',
        severity: 5,
        eventTime: '2024-01-01T00:00:00Z',
      },
    };
    const [o] = outcomesOf(JSON.stringify(bad), { format: 'auto' });
    expect(o).toMatchObject({ ok: false, format: 'google-scc' });
    expect(o!.ok ? '' : o!.reason).toBe(
      'not a valid google scc record: finding.severity: Invalid input: expected string, received number',
    );
  });

  it('tolerates unknown extra fields; a bare Finding is read too', () => {
    const bare = {
      name: 'projects/77/sources/2/findings/3',
      category: 'X',
      eventTime: '2024-01-01T00:00:00Z',
      brandNew: { a: [1] },
    };
    const [f] = findingsOf(JSON.stringify(bare), { format: 'auto' });
    expect(f!.cloud).toEqual({ provider: 'gcp', account: '77' });
  });

  it('an empty ListFindings response is claimed but yields no records', () => {
    const empty = { listFindingsResults: [], readTime: '2023-06-12T09:44:42.505Z', totalSize: 0 };
    expect(googleSccAdapter.detect(empty)).toBe(true);
    expect(outcomesOf(JSON.stringify(empty), { format: 'auto' })).toEqual([]);
  });

  it('does not claim ASFF-like {findings: [...]} or unrelated names', () => {
    expect(googleSccAdapter.detect({ findings: [{ Id: 'x', SchemaVersion: '2018-10-08' }] })).toBe(false);
    expect(googleSccAdapter.detect({ name: 'projects/p/topics/t' })).toBe(false);
  });
});

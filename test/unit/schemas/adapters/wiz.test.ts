import { describe, expect, it } from 'vitest';
import { wizAdapter } from '../../../../schemas/adapters/wiz.ts';
import {
  corpusAvailable,
  corpusFile,
  fixtureFile,
  identifiersOf,
  readManifest,
} from '../../../support/corpus.ts';
import { findingsOf, formatsOf, outcomesOf } from '../../../support/normalize.ts';

const CORPUS = 'cspm-other/elastic-integrations-wiz-issue.ndjson';

describe.runIf(corpusAvailable())('wiz corpus: elastic-integrations issue', () => {
  const input = corpusFile(CORPUS);
  const findings = findingsOf(input, { format: 'auto' });
  const [f] = findings;

  it('auto-detects wiz and emits one finding', () => {
    expect(formatsOf(input)).toEqual(new Set(['wiz']));
    expect(findings).toHaveLength(1);
  });

  it('the ClusterRole is a k8s-role identity scoped to its cluster', () => {
    expect(f!.identities).toEqual([
      {
        key: 'k8s:clusterrole:aaa8e7ca2bf9bc85a75d5bbdd8ffd08d69f8852782a6341c3c3519bac0f24ae9/system:aggregate-to-edit',
        type: 'k8s-role',
        provider: 'kubernetes',
        account: 'aaa8e7ca2bf9bc85a75d5bbdd8ffd08d69f8852782a6341c3c3519bac0f24ae9',
        name: 'system:aggregate-to-edit',
        aliases: [],
      },
    ]);
    expect(f!.cloud).toEqual({ provider: 'kubernetes', account: '998231069301', region: 'us-01' });
  });

  it('maps severity, kind, status, microsecond time and references', () => {
    expect(f!.severity).toEqual({ label: 'info', score: 10 }); // INFORMATIONAL
    expect(f!.kind).toBe('excess-privilege'); // bind / escalate / impersonate control
    expect(f!.status).toBe('open'); // IN_PROGRESS, although resolvedAt is set
    expect(f!.time).toBe('2023-08-14T06:06:18.331Z'); // updatedAt, microseconds cut
    expect(f!.references).toEqual([
      { kind: 'rule', id: 'wc-id-1335' },
      { kind: 'control', id: 'CIS EKS 1.2.0 4.1.8' },
    ]);
  });

  it('note authors are resources, not identities', () => {
    expect(f!.resources).toEqual([
      { uid: 'admin@example.com', type: 'wiz-note-author', name: 'admin' },
      { uid: 'wiz:service-account:rev-ke', type: 'wiz-note-author', name: 'rev-ke' },
      { uid: 'root@example.com', type: 'wiz-note-author', name: 'root' },
      { uid: 'wiz:service-account:rev-ke2', type: 'wiz-note-author', name: 'rev-ke2' },
    ]);
  });

  it('extracts every id the manifest names', () => {
    const row = readManifest().find((r) => r.file === CORPUS)!;
    const ids = identifiersOf(findings);
    for (const id of ['system:aggregate-to-edit', '998231069301', 'rev-ke', 'admin@example.com']) {
      expect(row.identities).toContain(id);
      expect(ids).toContain(id);
    }
  });
});

describe('wiz fixture: GraphQL response', () => {
  const input = fixtureFile('wiz/issues-graphql-response.json');
  const findings = findingsOf(input, { format: 'auto' });
  const [rotation, threat] = findings;

  it('auto-detects and unwraps data.issues.nodes', () => {
    expect(formatsOf(input)).toEqual(new Set(['wiz']));
    expect(findings).toHaveLength(2);
  });

  it('an IAM user entity is an AWS identity; RESOLVED → resolved', () => {
    expect(rotation!.identities.map((i) => i.key)).toEqual([
      'arn:aws:iam::444455556666:user/svc-payments-batch',
    ]);
    expect(rotation!.kind).toBe('stale-credential');
    expect(rotation!.status).toBe('resolved');
    expect(rotation!.severity).toEqual({ label: 'high', score: 75 });
    expect(rotation!.cloud).toEqual({ provider: 'aws', account: '444455556666', region: 'us-east-1' });
  });

  it('a CloudEventRule on a Kubernetes service account', () => {
    expect(threat!.identities.map((i) => i.key)).toEqual([
      'k8s:serviceaccount:4f2a9c7e1b3d5f6a8c0e2b4d6f8a0c2e4b6d8f0a/build/ci-deployer',
    ]);
    expect(threat!.kind).toBe('anomalous-use'); // "unusual IP address"
    expect(threat!.severity).toEqual({ label: 'critical', score: 95 });
    expect(threat!.time).toBe('2025-03-11T22:05:40.731Z');
  });
});

describe('wiz fixture: issue webhook', () => {
  const input = fixtureFile('wiz/issue-webhook.json');

  it('maps the webhook onto the issue shape', () => {
    expect(formatsOf(input)).toEqual(new Set(['wiz']));
    const [f] = findingsOf(input);
    expect(f!.identities.map((i) => [i.key, i.account])).toEqual([
      [
        'gcp:service-account:dataflow-runner@analytics-prod-7788.iam.gserviceaccount.com',
        'analytics-prod-7788',
      ],
    ]);
    expect(f!.kind).toBe('excess-privilege'); // owner role
    expect(f!.time).toBe('2025-04-02T07:30:12.345Z');
    expect(f!.cloud).toEqual({ provider: 'gcp', account: 'analytics-prod-7788', region: 'global' });
    expect(f!.references).toEqual([{ kind: 'rule', id: 'wc-id-2021' }]);
  });
});

describe('wiz fixture: cloud configuration findings', () => {
  const input = fixtureFile('wiz/configuration-findings.ndjson');
  const outcomes = outcomesOf(input, { format: 'auto' });
  const findings = findingsOf(input, { format: 'auto' });

  it('auto-detects every line; FAIL and PASS results are findings (IN_PROGRESS is not)', () => {
    expect(outcomes.map((o) => [o.format, o.ok ? o.findings.length : -1])).toEqual([
      ['wiz', 1],
      ['wiz', 1],
      ['wiz', 1],
      ['wiz', 0],
    ]);
  });

  it('maps the failed rule and its resource', () => {
    const [rotation, rootPassed, root] = findings;
    expect(rootPassed!.status).toBe('passed');
    expect(rotation!.title).toBe('User access key not rotated for more than 90 days');
    expect(rotation!.kind).toBe('stale-credential');
    expect(rotation!.identities.map((i) => i.key)).toEqual(['arn:aws:iam::998231069301:user/etl-runner']);
    expect(rotation!.references).toEqual([
      { kind: 'rule', id: 'IAM-010' },
      { kind: 'control', id: 'CIS AWS 1.5.0 1.14' },
    ]);
    expect(rotation!.time).toBe('2024-08-07T12:55:52.012Z');
    expect(rotation!.cloud).toEqual({ provider: 'aws', account: '998231069301' });
    // Empty providerId: the resource falls back to Wiz's own id; the subscription's provider (AWS) wins over EKS.
    expect(root!.kind).toBe('excess-privilege');
    expect(root!.status).toBe('resolved');
    expect(root!.resources.map((r) => r.uid)).toEqual(['f0f4163d-cbd7-517c-ba9e-f96bb90ab5ea']);
    expect(root!.cloud?.provider).toBe('aws');
  });
});

describe('wiz fixture: vulnerability finding', () => {
  it('is a misconfiguration on the vulnerable asset with the CVE as reference', () => {
    const input = fixtureFile('wiz/vulnerability-finding.json');
    expect(formatsOf(input)).toEqual(new Set(['wiz']));
    const [f] = findingsOf(input);
    expect(f!.title).toBe('CVE-2020-35522 in libtiff 4.0.3-35.amzn2');
    expect(f!.kind).toBe('misconfiguration');
    expect(f!.severity).toEqual({ label: 'medium', score: 50 });
    expect(f!.time).toBe('2023-08-16T18:40:57.000Z');
    expect(f!.references[0]).toEqual({ kind: 'cve', id: 'CVE-2020-35522' });
    expect(f!.resources[0]!.uid).toBe('arn:aws:ec2:us-east-1:998231069301:instance/i-0a0f7e1451da5f4a3');
    expect(f!.identities).toEqual([]);
  });
});

describe('wiz edge cases', () => {
  const node = {
    id: 'i-1',
    severity: 'LOW',
    status: 'REJECTED',
    createdAt: '2024-05-01T00:00:00.123456Z',
    sourceRule: { __typename: 'Control', id: 'wc-1', name: 'Bucket is public' },
    entitySnapshot: {
      type: 'BUCKET',
      name: 'b',
      providerId: 'arn:aws:s3:::b',
      subscriptionExternalId: '123456789012',
      cloudPlatform: 'AWS',
    },
  };

  it('REJECTED is closed as suppressed; non-identity entities are resources', () => {
    const [f] = findingsOf(JSON.stringify(node));
    expect(f!.status).toBe('suppressed');
    expect(f!.identities).toEqual([]);
    expect(f!.resources).toEqual([
      { uid: 'arn:aws:s3:::b', type: 'BUCKET', name: 'b', account: '123456789012' },
    ]);
    expect(f!.kind).toBe('misconfiguration');
    expect(f!.time).toBe('2024-05-01T00:00:00.123Z');
  });

  it('wrong types are a typed rejection with a readable reason', () => {
    const [o] = outcomesOf(JSON.stringify({ ...node, severity: ['HIGH'] }), { format: 'auto' });
    expect(o).toMatchObject({ ok: false, format: 'wiz' });
    expect(o!.ok ? '' : o!.reason).toBe(
      'not a valid wiz issue record: severity: Invalid input: expected string, received array',
    );
  });

  it('tolerates unknown extra fields', () => {
    const [f] = findingsOf(
      JSON.stringify({ ...node, brandNew: { x: 1 }, entitySnapshot: { ...node.entitySnapshot, extra: [1] } }),
    );
    expect(f!.source.nativeId).toBe('i-1');
  });

  it('does not claim other shapes', () => {
    expect(wizAdapter.detect({ id: 'x', severity: 'HIGH' })).toBe(false);
    expect(wizAdapter.detect({ finding: { name: 'organizations/1/sources/2/findings/3' } })).toBe(false);
  });
});

// Wiz Defend: the Detections webhook and GraphQL detection nodes (public samples from the Elastic Wiz integration,
// test/fixtures/wiz/README.md) are read as threat detections; a Wiz audit log entry is refused by name.
describe('wiz: Wiz Defend detections and the audit log', () => {
  it('Detections webhook → one compromise-indicator finding on the container (the Entra actor names no key)', () => {
    const input = fixtureFile('wiz/defend-detection-webhook.json');
    const [o] = outcomesOf(input, { format: 'auto' });
    expect(o).toMatchObject({ ok: true, format: 'wiz', variant: 'wiz/defend-detection-webhook' });
    const [f] = findingsOf(input, { format: 'auto' });
    expect(f).toMatchObject({
      kind: 'compromise-indicator',
      status: 'open',
      title: 'Timestomping technique was detected',
      severity: { label: 'medium', score: 50 },
      time: '2025-01-21T18:52:16.819Z',
    });
    expect(f!.identities).toEqual([]);
    expect(f!.resources[0]).toMatchObject({
      uid: 'provider-resource-uid-456',
      type: 'ecs#containerinstance',
    });
    expect(f!.cloud).toMatchObject({ provider: 'aws', account: '134653897021' });
  });

  it('GraphQL detection nodes (MATCH_ONLY from GuardDuty, GENERATED_THREAT) → findings on their VMs', () => {
    const input = fixtureFile('wiz/defend-detections.ndjson');
    const findings = findingsOf(input, { format: 'auto' });
    expect(findings.map((f) => f.title)).toEqual([
      'UnauthorizedAccess:EC2/SSHBruteForce',
      'Service account token was accessed',
    ]);
    expect(findings.map((f) => f.kind)).toEqual(['compromise-indicator', 'compromise-indicator']);
    // The actor is an IP address or unknown: no identity; the VM stays a resource.
    expect(findings.map((f) => f.identities)).toEqual([[], []]);
    expect(findings.map((f) => f.resources[0]!.uid)).toEqual(['i-0000000000000001', 'i-0000000000000002']);
    expect(findings[0]!.references).toContainEqual({
      kind: 'rule',
      id: 'f0568339-eb51-486b-bac1-7a835689f051',
    });
  });

  it('a detection whose actor used an access key → the key is the identity', () => {
    const line = JSON.parse(fixtureFile('wiz/defend-detections.ndjson').toString('utf8').split('\n')[0]!);
    const keyId = `AKIA${'Q'.repeat(4)}${'7'.repeat(4)}${'R'.repeat(8)}`;
    const withKey = {
      ...line,
      primaryActor: {
        ...line.primaryActor,
        type: 'USER_ACCOUNT',
        name: 'ci-bot',
        accessKeyId: keyId,
        externalId: 'ci-bot',
      },
    };
    const [f] = findingsOf(JSON.stringify(withKey), { format: 'auto' });
    expect(f!.identities.map((i) => i.type)).toEqual(['aws-access-key']);
    expect(f!.identities[0]!.key).toContain(keyId);
  });

  it('a GraphQL {data: {detections: {nodes}}} response unwraps', () => {
    const nodes = fixtureFile('wiz/defend-detections.ndjson')
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const doc = { data: { detections: { nodes, pageInfo: { hasNextPage: false } } } };
    const outcomes = outcomesOf(JSON.stringify(doc), { format: 'auto' });
    expect(outcomes.map((o) => o.ok)).toEqual([true, true]);
    expect(outcomes[0]!.variant).toBe('wiz/graphql-detections');
  });

  it('a Wiz audit log entry is refused naming it', () => {
    const entry = {
      id: 'b1a5e1c2-7f0e-4c35-9f9d-3b2a1c0d9e8f',
      action: 'Login',
      requestId: '5c7e2d1a-0b9f-4e3c-8a7d-6f5e4d3c2b1a',
      status: 'SUCCESS',
      timestamp: '2026-11-30T08:00:00Z',
      actionParameters: {},
      user: { id: 'analyst@example.com', name: 'Analyst' },
      serviceAccount: null,
    };
    const [o] = outcomesOf(JSON.stringify(entry), { format: 'auto' });
    expect(o).toMatchObject({ ok: false, format: 'wiz' });
    if (!o!.ok)
      expect(o!.reason).toContain(
        'wiz: a Wiz audit log entry (action "Login"): Wiz\'s own record of what its users did in Wiz, not a finding about a cloud identity',
      );
  });
});

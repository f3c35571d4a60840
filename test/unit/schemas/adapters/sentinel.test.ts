import { describe, expect, it } from 'vitest';
import { sentinelAdapter } from '../../../../schemas/adapters/sentinel.ts';
import {
  corpusAvailable,
  corpusFile,
  fixtureFile,
  identifiersOf,
  readManifest,
} from '../../../support/corpus.ts';
import { findingsOf, formatsOf, outcomesOf } from '../../../support/normalize.ts';

const INCIDENT = 'sentinel/elastic-integrations-sentinel-incident.ndjson';
const ALERT = 'sentinel/elastic-integrations-sentinel-alert.ndjson';

const manifestRow = (file: string) => readManifest().find((r) => r.file === file)!;

describe.runIf(corpusAvailable())('sentinel corpus: ARM incident', () => {
  const input = corpusFile(INCIDENT);
  const findings = findingsOf(input, { format: 'auto' });
  const [f] = findings;

  it('auto-detects sentinel and emits one finding', () => {
    expect(formatsOf(input)).toEqual(new Set(['sentinel']));
    expect(findings).toHaveLength(1);
  });

  it('maps severity, status, kind and time', () => {
    expect(f!.title).toBe('Myincident');
    expect(f!.severity).toEqual({ label: 'high', score: 75 });
    expect(f!.status).toBe('resolved'); // Closed (FalsePositive)
    expect(f!.kind).toBe('compromise-indicator'); // tactics InitialAccess, Persistence
    expect(f!.time).toBe('2019-01-01T13:15:30.000Z'); // createdTimeUtc
    expect(f!.source.nativeId).toBe('aaaaaaa-5cd7-4139-a149-9f2736ff2ab5');
    expect(f!.evidence).toMatchObject({
      incidentNumber: 3177,
      classification: 'FalsePositive',
      tactics: 'InitialAccess, Persistence',
    });
  });

  it('has no identities: the owner is the assigned analyst, kept as a resource', () => {
    expect(f!.identities).toEqual([]);
    expect(f!.resources).toContainEqual({
      uid: 'john@example.com',
      type: 'sentinel-incident-owner',
      name: 'john.doe@example.com',
    });
    expect(f!.cloud).toEqual({ provider: 'azure', account: 'd0cfe6b2-9ac0-4464-9919-dccaee2e48c0' });
    expect(f!.references).toEqual([{ kind: 'rule', id: 'fab3d2d4-747f-46a7-8ef0-9c0be8112bf7' }]);
  });

  it('ignores the twice-quoted etag', () => {
    expect(JSON.stringify(f)).not.toContain('bbbbbbbb-0000');
  });

  it('extracts every id the manifest names', () => {
    const ids = identifiersOf(findings);
    for (const id of [
      'john.doe@example.com',
      'john@example.com',
      'd0cfe6b2-9ac0-4464-9919-dccaee2e48c0',
      'myWorkspace',
    ]) {
      expect(manifestRow(INCIDENT).identities).toContain(id);
      expect(ids).toContain(id);
    }
  });
});

describe.runIf(corpusAvailable())('sentinel corpus: SecurityAlert entity', () => {
  const input = corpusFile(ALERT);
  const findings = findingsOf(input, { format: 'auto' });
  const [f] = findings;

  it('auto-detects sentinel and emits one open low alert', () => {
    expect(formatsOf(input)).toEqual(new Set(['sentinel']));
    expect(findings).toHaveLength(1);
    expect(f!.title).toBe('myAlert');
    expect(f!.severity).toEqual({ label: 'low', score: 30 });
    expect(f!.status).toBe('open'); // New
    expect(f!.kind).toBe('compromise-indicator');
    expect(f!.identities).toEqual([]);
  });

  it('cuts the 7-digit fractional seconds of timeGenerated', () => {
    expect(f!.time).toBe('2020-07-20T18:21:53.615Z');
  });

  it('takes the subscription from resourceIdentifiers and keeps both workspaces', () => {
    expect(f!.cloud).toEqual({ provider: 'azure', account: 'a123456-4d29-4647-9105-6339bfdb4e6a' });
    expect(f!.resources.map((r) => r.uid)).toContain('abcdefg-985d-4e4e-8e91-fb3466cd0e5b');
    const ids = identifiersOf(findings);
    expect(manifestRow(ALERT).identities).toContain('a123456-4d29-4647-9105-6339bfdb4e6a');
    expect(ids).toContain('a123456-4d29-4647-9105-6339bfdb4e6a');
    expect(ids).toContain('abcdefg-985d-4e4e-8e91-fb3466cd0e5b');
  });
});

describe('sentinel fixture: SecurityAlert Log Analytics rows', () => {
  const input = fixtureFile('sentinel/securityalert-rows.ndjson');
  const findings = findingsOf(input, { format: 'auto' });

  it('auto-detects the rows', () => {
    expect(formatsOf(input)).toEqual(new Set(['sentinel']));
    expect(findings).toHaveLength(2);
  });

  it('turns account entities into Azure principals (UPN alias) and cloud apps into named principals', () => {
    const [sp] = findings;
    expect(sp!.identities).toEqual([
      {
        key: 'azure:principal:3f2504e0-4f89-41d3-9a0c-0305e82c3301',
        type: 'azure-principal',
        provider: 'azure',
        account: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        name: 'deploy-pipeline@contoso.onmicrosoft.com',
        aliases: ['deploy-pipeline@contoso.onmicrosoft.com'],
      },
      {
        key: 'principal:azure:Microsoft Graph',
        type: 'principal',
        provider: 'azure',
        name: 'Microsoft Graph',
        aliases: ['00000003-0000-0000-c000-000000000000'],
      },
    ]);
    expect(sp!.resources.map((r) => r.type)).toEqual([
      'log-analytics-workspace',
      'ip-address',
      'azure-resource',
    ]);
    expect(sp!.evidence.sourceIp).toBe('198.51.100.77');
    expect(sp!.references).toEqual([
      { kind: 'technique', id: 'T1078' },
      { kind: 'technique', id: 'T1078.004' },
      { kind: 'rule', id: '24d005cc-4dd7-437d-82fd-0a1b2c3d4e5f_9e8d7c6b-dd8c-41e7-b686-fd5adbbd0aee' },
    ]);
    expect(sp!.severity.label).toBe('high');
    expect(sp!.kind).toBe('compromise-indicator');
    expect(sp!.time).toBe('2024-09-26T05:23:30.559Z');
  });

  it('reads AWS ARNs and access keys in account entities and links them', () => {
    const leaked = findings[1]!;
    expect(leaked.kind).toBe('exposed-secret');
    expect(leaked.status).toBe('resolved');
    expect(leaked.identities.map((i) => [i.key, i.owner])).toEqual([
      ['arn:aws:iam::123456789012:user/legacy-uploader', undefined],
    ]);
    // The access key id is AWS's documentation placeholder: a resource, never an identity (aws-id-check.ts).
    expect(leaked.resources).toContainEqual({ uid: 'AKIAIOSFODNN7EXAMPLE', type: 'aws-sample-id' });
  });
});

describe('sentinel fixture: incident list with related entities', () => {
  const findings = findingsOf(fixtureFile('sentinel/incident-list.json'), { format: 'auto' });

  it('unwraps {"value": [...]} and reads related Account entities', () => {
    expect(findings).toHaveLength(1);
    const [f] = findings;
    expect(f!.identities.map((i) => i.key)).toEqual(['azure:principal:9c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e']);
    expect(f!.status).toBe('open');
    expect(f!.severity).toEqual({ label: 'medium', score: 50 });
    expect(f!.references).toContainEqual({ kind: 'technique', id: 'T1555' });
    // An unassigned incident (owner fields all null) has no owner resource.
    expect(f!.resources.some((r) => r.type === 'sentinel-incident-owner')).toBe(false);
  });
});

describe('sentinel edge cases', () => {
  const incident = JSON.parse(corpusAvailable() ? corpusFile(INCIDENT).toString('utf8') : '{}') as Record<
    string,
    unknown
  >;
  const minimal = {
    id: '/subscriptions/s1/resourceGroups/rg/providers/Microsoft.OperationalInsights/workspaces/w/providers/Microsoft.SecurityInsights/incidents/i1',
    type: 'Microsoft.SecurityInsights/incidents',
    properties: {
      title: 'x',
      severity: 'Informational',
      status: 'New',
      createdTimeUtc: '2024-01-01T00:00:00Z',
    },
  };

  it('wrong types are a typed rejection with a readable reason', () => {
    const [o] = outcomesOf(JSON.stringify({ ...minimal, properties: { ...minimal.properties, title: 7 } }), {
      format: 'auto',
    });
    expect(o!.ok).toBe(false);
    expect(o!.ok ? '' : o!.reason).toBe(
      'not a valid sentinel incident record: properties.title: Invalid input: expected string, received number',
    );
    const [other] = outcomesOf(
      JSON.stringify({
        kind: 'Account',
        type: 'Microsoft.SecurityInsights/Entities',
        id: 'x',
        properties: {},
      }),
      {
        format: 'sentinel',
      },
    );
    expect(other!.ok).toBe(false);
  });

  it('tolerates unknown extra fields', () => {
    const [f] = findingsOf(
      JSON.stringify({
        ...minimal,
        surprise: { a: 1 },
        properties: { ...minimal.properties, newField: [1] },
      }),
    );
    expect(f!.severity).toEqual({ label: 'info', score: 10 });
    expect(f!.cloud?.account).toBe('s1');
  });

  it.runIf(corpusAvailable())('the same incident gives the same id; closing it gives a new one', () => {
    const a = findingsOf(JSON.stringify(incident))[0]!;
    const reopened = { ...incident, properties: { ...(incident.properties as object), status: 'Active' } };
    const b = findingsOf(JSON.stringify(reopened))[0]!;
    expect(findingsOf(JSON.stringify(incident))[0]!.id).toBe(a.id);
    expect(b.id).not.toBe(a.id);
    expect(b.source.nativeId).toBe(a.source.nativeId);
  });

  it('does not claim Splunk or Elastic documents', () => {
    expect(sentinelAdapter.detect({ _raw: 'search_name="x"', index: 'notable' })).toBe(false);
    expect(sentinelAdapter.detect({ 'kibana.alert.rule.name': 'x' })).toBe(false);
    expect(sentinelAdapter.detect({ value: [] })).toBe(false);
  });
});

// The Microsoft Sentinel Logic Apps connector's three playbook triggers (learn.microsoft.com/azure/sentinel/
// automation/playbook-triggers-actions): incident (read: the incident under `object`), alert (read: the alert's
// own fields), entity (refused: one entity, no alert). Shapes written from the connector's documented fields.
describe('sentinel: Logic App playbook trigger bodies', () => {
  const WS =
    '/subscriptions/00000000-1111-2222-3333-444444444444/resourceGroups/soc/providers/Microsoft.OperationalInsights/workspaces/sentinel-ws';
  const account = {
    $id: '2',
    Type: 'account',
    Name: 'svc-deploy',
    AadUserId: '6a2f1c9e-1d1e-4a4b-9f3e-2b7c8d9e0f11',
    UPNSuffix: 'contoso.com',
  };

  it('incident trigger (automation rule, objectEventType Update) → the incident, its account entity', () => {
    const body = {
      eventUniqueId: '2f7a3c1e-0d2b-4a43-9a51-6b1f1e2d3c4b',
      objectSchemaType: 'Incident',
      objectEventType: 'Update',
      workspaceInfo: {
        SubscriptionId: '00000000-1111-2222-3333-444444444444',
        ResourceGroupName: 'soc',
        WorkspaceName: 'sentinel-ws',
      },
      workspaceId: '5459abf0-b03a-4279-9add-03ba03e3edaf',
      object: {
        id: `${WS}/providers/Microsoft.SecurityInsights/Incidents/63883bf7-5be1-42f4-809a-0417943b837b`,
        name: '63883bf7-5be1-42f4-809a-0417943b837b',
        type: 'Microsoft.SecurityInsights/Incidents',
        properties: {
          title: 'Leaked credentials for a service principal',
          severity: 'High',
          status: 'New',
          createdTimeUtc: '2026-12-01T10:00:00.1234567Z',
          incidentNumber: 42,
          relatedEntities: [
            {
              kind: 'Account',
              properties: {
                accountName: 'svc-deploy',
                aadUserId: account.AadUserId,
                upnSuffix: 'contoso.com',
              },
            },
          ],
        },
      },
    };
    const [o] = outcomesOf(JSON.stringify(body), { format: 'auto' });
    expect(o).toMatchObject({ ok: true, format: 'sentinel', variant: 'sentinel/automation-trigger' });
    if (o!.ok) expect(o!.findings[0]!.title).toBe('Leaked credentials for a service principal');
  });

  it('alert trigger → one alert finding: title, severity, Intent as tactics, the account entity', () => {
    const body = {
      SystemAlertId: '0f3c6c2e-3a3e-4b1f-9d55-2ad7c1f3e001',
      AlertDisplayName: 'Suspicious use of a service principal key',
      AlertType: 'SentinelScheduledAnalytics',
      Severity: 'Medium',
      Status: 'New',
      Description: 'The service principal signed in from a new country.',
      Intent: 'CredentialAccess',
      StartTimeUtc: '2026-12-01T09:55:00Z',
      EndTimeUtc: '2026-12-01T09:56:00Z',
      TimeGenerated: '2026-12-01T10:00:00Z',
      ProductName: 'Azure Sentinel',
      VendorName: 'Microsoft',
      WorkspaceSubscriptionId: '00000000-1111-2222-3333-444444444444',
      WorkspaceResourceGroup: 'soc',
      WorkspaceId: '5459abf0-b03a-4279-9add-03ba03e3edaf',
      ExtendedProperties: { 'Query Period': '05:00:00' },
      Entities: [account],
    };
    const [o] = outcomesOf(JSON.stringify(body), { format: 'auto' });
    expect(o).toMatchObject({ ok: true, format: 'sentinel', variant: 'sentinel/alert-trigger' });
    if (!o!.ok) return;
    const f = o!.findings[0]!;
    expect(f.title).toBe('Suspicious use of a service principal key');
    expect(f.severity.label).toBe('medium');
    expect(f.time).toBe('2026-12-01T10:00:00.000Z');
    expect(f.evidence.tactics).toBe('CredentialAccess');
    expect(f.identities.map((i) => i.type)).toContain('azure-principal');
    expect(f.cloud).toEqual({ provider: 'azure', account: '00000000-1111-2222-3333-444444444444' });
  });

  it('entity trigger → refused naming it (one entity, no alert or incident)', () => {
    const body = {
      Entity: { kind: 'Account', properties: { accountName: 'svc-deploy', aadUserId: account.AadUserId } },
      EntityType: 'Account',
      IncidentArmId: `${WS}/providers/Microsoft.SecurityInsights/Incidents/63883bf7-5be1-42f4-809a-0417943b837b`,
      WorkspaceInfo: {
        SubscriptionId: '00000000-1111-2222-3333-444444444444',
        ResourceGroupName: 'soc',
        WorkspaceName: 'sentinel-ws',
      },
      WorkspaceId: '5459abf0-b03a-4279-9add-03ba03e3edaf',
    };
    const [o] = outcomesOf(JSON.stringify(body), { format: 'auto' });
    expect(o).toMatchObject({ ok: false, format: 'sentinel' });
    if (!o!.ok)
      expect(o!.reason).toContain(
        'sentinel: a Logic App entity trigger (entity "Account"): one entity a playbook was run on, with no alert or incident: not read',
      );
  });
});

import { describe, expect, it } from 'vitest';
import { elasticAlertAdapter } from '../../../../schemas/adapters/elastic-alert.ts';
import { sentinelAdapter } from '../../../../schemas/adapters/sentinel.ts';
import { splunkNotableAdapter } from '../../../../schemas/adapters/splunk-notable.ts';
import { fixtureFile } from '../../../support/corpus.ts';
import { findingsOf, formatsOf, outcomesOf } from '../../../support/normalize.ts';

describe('elastic-alert fixture: search response of CloudTrail alerts (flattened kibana.alert.* + nested ECS)', () => {
  const input = fixtureFile('elastic-alert/aws-cloudtrail-alerts.json');
  const findings = findingsOf(input, { format: 'auto' });
  const [createKey, adminPolicy] = findings;

  it('auto-detects elastic-alert and unwraps hits.hits', () => {
    expect(formatsOf(input)).toEqual(new Set(['elastic-alert']));
    expect(findings).toHaveLength(2);
  });

  it('resolves the assumed-role session to its role (issuer ARN) and links the session key to it', () => {
    expect(createKey!.identities).toEqual([
      {
        key: 'arn:aws:iam::111122223333:role/automation/ci-runner',
        type: 'aws-role',
        provider: 'aws',
        account: '111122223333',
        name: 'ci-runner',
        aliases: [
          'arn:aws:sts::111122223333:assumed-role/ci-runner/ci-runner-session',
          'AROAEXAMPLEROLEID0001',
        ],
      },
      {
        key: 'aws:access-key:ASIAEXAMPLETEMPKEY01',
        type: 'aws-access-key',
        provider: 'aws',
        account: '111122223333',
        name: 'ASIAEXAMPLETEMPKEY01',
        aliases: [],
        owner: 'arn:aws:iam::111122223333:role/automation/ci-runner',
      },
      {
        key: 'principal:aws:svc-reporting',
        type: 'principal',
        provider: 'aws',
        account: '111122223333',
        name: 'svc-reporting',
        aliases: [],
      },
    ]);
  });

  it('maps severity word + risk score, kind, status, time and references', () => {
    expect(createKey!.severity).toEqual({ label: 'medium', score: 47 });
    expect(createKey!.kind).toBe('compromise-indicator'); // Persistence / Privilege Escalation detection
    expect(createKey!.status).toBe('open');
    expect(createKey!.time).toBe('2025-03-04T10:16:02.511Z');
    expect(createKey!.references).toEqual([
      { kind: 'rule', id: '696015ef-718e-40ff-ac4a-cc2ba88dbeeb' },
      { kind: 'technique', id: 'T1098' },
      { kind: 'technique', id: 'T1098.001' },
    ]);
    expect(createKey!.cloud).toEqual({ provider: 'aws', account: '111122223333', region: 'us-east-1' });
    expect(createKey!.evidence).toMatchObject({
      action: 'CreateAccessKey',
      sourceIp: '198.51.100.23',
      originalTime: '2025-03-04T10:09:41.000Z',
    });
    expect(createKey!.source.nativeId).toBe(
      '5b1e7f4c0f0d2b8a3c9e41d7a6f2c8b9e0d1a2b3c4d5e6f708192a3b4c5d6e7f',
    );
    // The CloudTrail response elements are never copied.
    expect(JSON.stringify(createKey)).not.toContain('AKIAEXAMPLENEWKEY001');
  });

  it('reads fully flattened dotted keys too; closed alerts are resolved', () => {
    expect(adminPolicy!.status).toBe('resolved');
    expect(adminPolicy!.kind).toBe('excess-privilege');
    expect(adminPolicy!.severity).toEqual({ label: 'high', score: 73 });
    expect(adminPolicy!.identities.map((i) => [i.key, i.owner, i.aliases])).toEqual([
      ['arn:aws:iam::111122223333:user/deploy-bot', undefined, ['AIDAEXAMPLEUSERID0001']],
      ['aws:access-key:AKIAEXAMPLEDEPLOY001', 'arn:aws:iam::111122223333:user/deploy-bot', []],
    ]);
  });
});

describe('elastic-alert fixture: nested kibana.alert objects, one per line', () => {
  const findings = findingsOf(fixtureFile('elastic-alert/nested-alerts.ndjson'), { format: 'auto' });
  const [gcpKey, mlSpike] = findings;

  it('turns a GCP principal email that is a service account into a gcp service account', () => {
    expect(gcpKey!.identities.map((i) => [i.key, i.type, i.account])).toEqual([
      [
        'gcp:service-account:ci-builder@prod-platform-1234.iam.gserviceaccount.com',
        'gcp-service-account',
        'prod-platform-1234',
      ],
    ]);
    expect(gcpKey!.status).toBe('open'); // acknowledged is still open
    expect(gcpKey!.severity).toEqual({ label: 'low', score: 21 });
    expect(gcpKey!.kind).toBe('compromise-indicator');
    expect(gcpKey!.cloud).toEqual({ provider: 'gcp', account: 'prod-platform-1234' });
  });

  it('machine-learning rules are anomalous use; named users outside a cloud dataset are generic principals', () => {
    expect(mlSpike!.kind).toBe('anomalous-use');
    expect(mlSpike!.severity).toEqual({ label: 'critical', score: 99 });
    expect(mlSpike!.identities.map((i) => i.key)).toEqual(['principal:generic:svc_backup']);
    expect(mlSpike!.resources).toEqual([{ uid: 'WIN-APP-01', type: 'host', name: 'WIN-APP-01' }]);
    expect(mlSpike!.cloud).toBeUndefined();
  });
});

describe('elastic-alert fixture: legacy 7.x signal.* documents', () => {
  const input = fixtureFile('elastic-alert/legacy-signals.json');
  const findings = findingsOf(input, { format: 'auto' });
  const [f] = findings;

  it('auto-detects legacy signals and maps them', () => {
    expect(formatsOf(input)).toEqual(new Set(['elastic-alert']));
    expect(findings).toHaveLength(1);
    expect(f!.source.product).toBe('Elastic SIEM signal');
    expect(f!.source.nativeId).toBe('820e05ab0a10a2110d6f0ab2e1864402724a88680d5b49840ecc17dd069d7646'); // the hit _id
    expect(f!.title).toBe('Windows logon failures from the internet');
    expect(f!.kind).toBe('anomalous-use'); // logon failures
    expect(f!.status).toBe('resolved'); // signal.status closed
    expect(f!.severity).toEqual({ label: 'high', score: 79 });
    expect(f!.time).toBe('2020-02-15T00:15:19.231Z');
    // A Windows account on a GCP VM is not a GCP principal, and does not live in the GCP project.
    expect(f!.identities).toEqual([
      { key: 'principal:generic:ADMIN', type: 'principal', provider: 'generic', name: 'ADMIN', aliases: [] },
    ]);
    expect(f!.references).toEqual([
      { kind: 'rule', id: '82b2b065-a2ee-49fc-9d6d-781a75c3d280' },
      { kind: 'technique', id: 'T1110' },
    ]);
  });
});

describe('elastic-alert edge cases', () => {
  const base = {
    '@timestamp': '2025-01-01T00:00:00.000Z',
    'kibana.alert.rule.name': 'Rule',
    'kibana.alert.risk_score': 91,
    'user.name': 'arn:aws:iam::123456789012:user/x',
  };

  it('only a risk score: label from the score', () => {
    const [f] = findingsOf(JSON.stringify(base));
    expect(f!.severity).toEqual({ label: 'critical', score: 91 });
    expect(f!.identities.map((i) => i.key)).toEqual(['arn:aws:iam::123456789012:user/x']);
  });

  it('wrong types are a typed rejection with a readable reason', () => {
    const [o] = outcomesOf(JSON.stringify({ ...base, 'kibana.alert.risk_score': { high: true } }), {
      format: 'auto',
    });
    expect(o!.ok).toBe(false);
    expect(o!.ok ? '' : o!.reason).toMatch(/^not a valid elastic alert record: kibana\.alert\.risk_score: /);
    const [noRule] = outcomesOf(
      JSON.stringify({ '@timestamp': '2025-01-01T00:00:00Z', 'kibana.alert.uuid': 'u' }),
      { format: 'elastic-alert' },
    );
    expect(noRule!.ok ? '' : noRule!.reason).toMatch(/kibana\.alert\.rule\.name/);
  });

  it('tolerates unknown extra fields and mixed flat/nested spellings', () => {
    const [f] = findingsOf(
      JSON.stringify({
        ...base,
        kibana: { alert: { workflow_status: 'closed', new_thing: 1 } },
        whatever: [1],
      }),
    );
    expect(f!.status).toBe('resolved');
  });

  it('does not confuse Splunk notables or Sentinel alerts with Elastic alerts, nor the reverse', () => {
    const notable = {
      _raw: '1, search_name="Threat - X - Rule"',
      index: 'notable',
      _time: '2025-01-01T00:00:00Z',
    };
    const sentinel = {
      id: '/x',
      type: 'Microsoft.SecurityInsights/Entities',
      kind: 'SecurityAlert',
      properties: {},
    };
    expect(elasticAlertAdapter.detect(notable)).toBe(false);
    expect(elasticAlertAdapter.detect(sentinel)).toBe(false);
    expect(elasticAlertAdapter.detect({ event: { kind: 'signal' }, rule: { name: 'not an alert' } })).toBe(
      false,
    );
    expect(splunkNotableAdapter.detect(base)).toBe(false);
    expect(sentinelAdapter.detect(base)).toBe(false);
    expect(elasticAlertAdapter.detect(base)).toBe(true);
  });
});

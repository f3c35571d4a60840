// OCSF adapter: the shared corpus (Prowler arrays with epoch seconds and <placeholder> values, the Security
// Hub/GuardDuty mapping with epoch milliseconds, Okta with a nonstandard class_name) and our fixtures
// (Compliance Finding, a GCP detection, Security Lake API Activity; Prowler credential checks).
import { describe, expect, it } from 'vitest';
import { ocsfAdapter } from '../../../../schemas/adapters/ocsf.ts';
import {
  isOcsfFindingClass,
  isOcsfIdentityActivityClass,
  OCSF_CLASSES,
  ocsfClassRefusal,
} from '../../../../schemas/adapters/ocsf-classes.ts';
import type { Finding } from '../../../../schemas/finding.ts';
import {
  corpusAvailable,
  corpusFile,
  fixtureFile,
  identifiersOf,
  manifestIds,
} from '../../../support/corpus.ts';
import { findingsOf, outcomesOf } from '../../../support/normalize.ts';

const keys = (f: Finding) => f.identities.map((i) => i.key).sort();
const idsOf = (f: Finding) =>
  f.identities.map((i) => ({ key: i.key, aliases: [...i.aliases].sort(), owner: i.owner }));

describe.runIf(corpusAvailable())('ocsf corpus', () => {
  it('prowler-aws: FAIL → findings, PASS/MANUAL skipped; epoch seconds, not the zone-less *_dt', () => {
    const file = 'ocsf/prowler-aws.ocsf.json';
    const outcomes = outcomesOf(corpusFile(file), { format: 'auto' });
    expect(new Set(outcomes.map((o) => o.format))).toEqual(new Set(['ocsf']));
    expect(outcomes).toHaveLength(5); // 5 records: 2 FAIL, 3 MANUAL
    const findings = findingsOf(corpusFile(file), { format: 'auto' });
    expect(findings).toHaveLength(2);
    expect(findings.map((f) => f.evidence.eventCode)).toEqual([
      'accessanalyzer_enabled',
      'account_maintain_different_contact_details_to_security_billing_and_operations',
    ]);
    expect(findings.map((f) => f.kind)).toEqual(['misconfiguration', 'misconfiguration']);
    expect(findings.map((f) => f.severity)).toEqual([
      { label: 'low', score: 30 },
      { label: 'medium', score: 50 },
    ]);
    // time 1739539623 (s) = 13:27:03Z; time_dt "2025-02-14T14:27:03.913874" is local time without a zone.
    expect(findings.map((f) => f.time)).toEqual(['2025-02-14T13:27:03.000Z', '2025-02-14T13:27:03.000Z']);
    expect(findings.map((f) => f.status)).toEqual(['open', 'open']);
    // "arn:aws:iam::<account_uid>:root" names no account: a resource and a warning, not an identity.
    expect(findings.map(keys)).toEqual([[], []]);
    expect(findings[1]!.resources).toContainEqual({
      uid: 'arn:aws:iam::<account_uid>:root',
      type: 'aws-malformed-id',
    });
    expect(findings[0]!.resources).toEqual([
      {
        uid: '<resource_uid>',
        type: 'Other',
        name: '<resource_name>',
        region: '<region>',
        account: '<account_uid>',
      },
    ]);
    expect(findings[0]!.references).toContainEqual({ kind: 'control', id: 'CIS-2.0 1.20' });
    expect(findings[0]!.references).toContainEqual({ kind: 'rule', id: 'accessanalyzer_enabled' });
    // finding_info.uid is "<finding_uid>" in every record: ids still differ.
    expect(findings[0]!.id).not.toBe(findings[1]!.id);
    const ids = [...identifiersOf(findings)];
    expect(ids).toContain('<account_uid>');
    for (const id of manifestIds(file)) expect(ids).toContain(id);
  });

  it('prowler-gcp: project id as account, no ARNs; PASS records are passed findings', () => {
    const file = 'ocsf/prowler-gcp.ocsf.json';
    const all = findingsOf(corpusFile(file), { format: 'auto' });
    const passed = all.filter((f) => f.evidence.statusCode === 'PASS');
    expect(passed.length).toBeGreaterThan(0);
    expect(passed.every((f) => f.status === 'passed')).toBe(true);
    const findings = all.filter((f) => f.evidence.statusCode !== 'PASS');
    expect(findings).toHaveLength(2);
    expect(findings.map((f) => f.resources[0]!.uid)).toEqual(['containeranalysis.googleapis.com', '<uid>']);
    expect(findings.map((f) => f.kind)).toEqual(['misconfiguration', 'misconfiguration']);
    expect(findings.map((f) => f.severity.label)).toEqual(['medium', 'critical']);
    expect(findings.map((f) => f.time)).toEqual(['2025-02-14T13:27:20.000Z', '2025-02-14T13:27:20.000Z']);
    expect(findings.every((f) => f.cloud?.provider === 'gcp' && f.cloud.account === '<project_id>')).toBe(
      true,
    );
    expect(findings.every((f) => f.identities.length === 0)).toBe(true);
    expect(findings[1]!.references).toContainEqual({ kind: 'technique', id: 'T1190' });
  });

  it('prowler-kubernetes: no cloud block; namespace kept as evidence', () => {
    const file = 'ocsf/prowler-kubernetes.ocsf.json';
    const all = findingsOf(corpusFile(file), { format: 'auto' });
    expect(all).toHaveLength(6); // 6 records, 1 PASS: passed
    expect(all.filter((f) => f.status === 'passed').map((f) => f.evidence.statusCode)).toEqual(['PASS']);
    const findings = all.filter((f) => f.evidence.statusCode !== 'PASS');
    expect(findings.every((f) => f.cloud === undefined)).toBe(true);
    expect(findings.map((f) => f.severity.label)).toEqual(['medium', 'medium', 'medium', 'medium', 'high']);
    expect(findings[0]!.resources).toEqual([
      { uid: '<resource_uid>', type: 'KubernetesAPIServer', name: '<pod>' },
    ]);
    expect(findings[0]!.evidence).toMatchObject({ namespace: '<namespace>', statusCode: 'FAIL' });
    expect(new Set(findings.map((f) => f.id)).size).toBe(5);
    expect(findings.map((f) => f.time)).toEqual(Array(5).fill('2025-02-14T13:27:38.000Z'));
  });

  it('sechub-guardduty: single object, epoch milliseconds; role + ASIA key from the JSON-string resource data', () => {
    const file = 'ocsf/ocsf-examples-sechub-guardduty.ocsf.json';
    expect(outcomesOf(corpusFile(file), { format: 'auto' }).map((o) => o.format)).toEqual(['ocsf']);
    const [f, ...rest] = findingsOf(corpusFile(file), { format: 'auto' });
    expect(rest).toHaveLength(0);
    expect(f!.time).toBe('2023-09-19T15:05:22.487Z'); // 1695135922487 ms
    expect(f!.kind).toBe('anomalous-use');
    expect(f!.severity).toEqual({ label: 'low', score: 30 });
    // ASIATMJPC7EXAMPLE has 17 characters: malformed, a resource and a warning, not an identity.
    expect(keys(f!)).toEqual(['arn:aws:iam::111111111111:role/Admin']);
    expect(f!.resources.map((r) => r.uid)).toEqual([
      'arn:aws:cloudtrail:us-east-2:111111111111:trail/delete-me',
      'ASIATMJPC7EXAMPLE',
    ]);
    expect(f!.evidence).toMatchObject({ api: 'DeleteTrail', srcIp: '52.94.133.131', asn: '16509' });
    expect(f!.source).toMatchObject({
      product: 'GuardDuty',
      nativeId:
        'arn:aws:guardduty:us-east-2:111111111111:detector/1ac1bfceda6679698215d5d0EXAMPLE/finding/a6c556fcbc9bea427a19f8b787099a0b',
    });
    const ids = [...identifiersOf([f!])];
    for (const id of manifestIds(file)) expect(ids).toContain(id);
  });

  it('the OCSF mapping and its raw ASFF twin name the same identities', () => {
    const [ocsf] = findingsOf(corpusFile('ocsf/ocsf-examples-sechub-guardduty.ocsf.json'));
    const [asff] = findingsOf(corpusFile('asff/ocsf-examples-sechub-guardduty.raw.json'));
    expect(ocsf!.source.format).toBe('ocsf');
    expect(asff!.source.format).toBe('asff');
    expect(keys(ocsf!)).toEqual(keys(asff!));
    expect(idsOf(ocsf!)).toEqual(idsOf(asff!));
    expect(ocsf!.resources).toEqual(asff!.resources);
    expect(ocsf!.kind).toBe(asff!.kind);
    expect(ocsf!.severity).toEqual(asff!.severity);
  });

  it('okta: nonstandard class_name, severity Unknown, IP actor only in unmapped → no identity', () => {
    const file = 'ocsf/ocsf-examples-okta-detection-finding.ocsf.json';
    const [f, ...rest] = findingsOf(corpusFile(file), { format: 'auto' });
    expect(rest).toHaveLength(0);
    expect(f).toMatchObject({
      kind: 'anomalous-use',
      status: 'open',
      severity: { label: 'info', score: 10 },
    });
    expect(f!.time).toBe('2024-08-13T15:58:20.000Z'); // epoch seconds 1723564700
    expect(f!.identities).toEqual([]);
    expect(f!.resources).toEqual([{ uid: '/app/office365/1111111111/sso/wsfed/active' }]);
    expect(f!.evidence).toMatchObject({
      actorType: 'IP address',
      actorId: '10.0.0.1',
      srcIp: '10.0.0.1',
      action: 'Denied',
    });
    expect(f!.source).toMatchObject({ product: 'Okta System Log', vendor: 'Okta' });
  });
});

describe('ocsf fixtures', () => {
  it('Compliance Finding Fail → open with the control; Pass → passed; status Resolved → resolved; API Activity → activity', () => {
    const outcomes = outcomesOf(fixtureFile('ocsf/compliance-and-activity.jsonl'), { format: 'auto' });
    expect(outcomes.map((o) => o.format)).toEqual(['ocsf', 'ocsf', 'ocsf', 'ocsf']);
    const all = findingsOf(fixtureFile('ocsf/compliance-and-activity.jsonl'));
    expect(all).toHaveLength(4);
    const pass = all.filter(
      (f) => f.evidence.complianceStatus !== undefined && /pass/i.test(String(f.evidence.complianceStatus)),
    );
    const findings = all.filter((f) => !pass.includes(f));
    expect(pass.map((f) => f.status)).toEqual(['passed']);
    const [compliance, detection, activity] = findings;

    expect(compliance).toMatchObject({
      kind: 'unused-credential',
      status: 'open',
      severity: { label: 'medium' },
    });
    expect(compliance!.time).toBe('2024-06-01T10:00:00.000Z');
    expect(compliance!.identities).toEqual([
      expect.objectContaining({
        key: 'arn:aws:iam::456789012345:user/old-etl',
        aliases: ['AIDAEXAMPLEOLDETL001'],
      }),
    ]);
    expect(compliance!.references).toEqual([
      { kind: 'control', id: 'IAM.8' },
      { kind: 'control', id: 'NIST.800-53.r5 AC-2(3)' },
    ]);

    expect(detection).toMatchObject({
      kind: 'anomalous-use',
      status: 'resolved',
      severity: { label: 'high' },
    });
    expect(keys(detection!)).toEqual([
      'gcp:service-account:etl-runner@payments-prod.iam.gserviceaccount.com',
    ]);
    expect(detection!.references).toEqual([{ kind: 'technique', id: 'T1078.004' }]);

    expect(activity).toMatchObject({
      kind: 'activity',
      title: 'secretsmanager:GetSecretValue (API Activity)',
    });
    expect(keys(activity!)).toEqual([
      'arn:aws:iam::456789012345:role/service/etl-role',
      'aws:access-key:ASIAEXAMPLEETLSESS01',
    ]);
    const role = activity!.identities.find((i) => i.type === 'aws-role')!;
    expect(role.aliases).toEqual([
      'arn:aws:sts::456789012345:assumed-role/etl-role/session-42',
      'AROAEXAMPLEETLROLE01',
    ]);
    expect(activity!.identities.find((i) => i.type === 'aws-access-key')!.owner).toBe(role.key);
  });

  it('Prowler credential checks: key rotation → stale-credential, secrets in variables → exposed-secret', () => {
    const findings = findingsOf(fixtureFile('ocsf/prowler-credentials.ocsf.json'), { format: 'auto' });
    expect(findings.map((f) => f.kind)).toEqual(['stale-credential', 'exposed-secret', 'stale-credential']);
    expect(keys(findings[0]!)).toEqual([
      'gcp:service-account:etl-runner@payments-prod.iam.gserviceaccount.com',
    ]);
    expect(findings[1]!.resources.map((r) => r.uid)).toEqual([
      'arn:aws:lambda:us-east-1:210987654321:function:etl-loader',
    ]);
    expect(keys(findings[2]!)).toEqual(['arn:aws:iam::210987654321:user/ci-bot']);
    // Suppressed (muted in Prowler): closed for scoring and action, the status detail kept as the reason.
    expect(findings[2]!.status).toBe('suppressed');
    expect(findings[1]!.severity).toEqual({ label: 'critical', score: 95 });
  });
});

describe('ocsf: shapes and edge cases', () => {
  it('one event maps to itself and is detected; an array unwraps', () => {
    const events = JSON.parse(fixtureFile('ocsf/prowler-credentials.ocsf.json').toString('utf8'));
    expect(ocsfAdapter.detect(events)).toBe(true);
    expect(ocsfAdapter.records(events)).toHaveLength(3);
    expect(ocsfAdapter.detect(events[0])).toBe(true);
    expect(ocsfAdapter.records(events[0])).toEqual([events[0]]);
    expect(ocsfAdapter.detect({ class_uid: 2004 })).toBe(false); // no metadata: not claimed
  });

  it('wrong types are a typed rejection with a readable reason', () => {
    const events = JSON.parse(fixtureFile('ocsf/prowler-credentials.ocsf.json').toString('utf8'));
    const [o] = outcomesOf(
      JSON.stringify({ ...events[2], resources: 'arn:aws:iam::210987654321:user/ci-bot' }),
      { format: 'auto' },
    );
    expect(o).toMatchObject({ ok: false, format: 'ocsf' });
    if (!o!.ok) expect(o!.reason).toMatch(/^not a valid OCSF record: resources: /);
    const [noTime] = outcomesOf(
      JSON.stringify({ ...events[2], time: 'soon', time_dt: undefined, finding_info: { title: 'x' } }),
      {
        format: 'ocsf',
      },
    );
    expect(noTime).toMatchObject({ ok: false, reason: expect.stringContaining('no usable timestamp') });
  });

  it('unknown extra fields and nulls are tolerated', () => {
    const events = JSON.parse(fixtureFile('ocsf/prowler-credentials.ocsf.json').toString('utf8'));
    const extended = {
      ...events[2],
      brand_new: { x: [1] },
      message: null,
      resources: [{ ...events[2].resources[0], region: null, owner: { uid: 'x' } }],
    };
    const [f] = findingsOf(JSON.stringify(extended), { format: 'auto' });
    expect(keys(f!)).toEqual(['arn:aws:iam::210987654321:user/ci-bot']);
  });
});

// Every class of the OCSF 1.x class list (schemas/adapters/ocsf-classes.ts, from ocsf/ocsf-schema's events/):
// finding classes read as findings, IAM classes and API Activity as activity, every other class refused by name.
describe('ocsf: every OCSF 1.x class is read or refused by name', () => {
  const eventOf = (classUid: number, className: string) => ({
    class_uid: classUid,
    class_name: className,
    category_uid: Math.floor(classUid / 1000),
    type_uid: classUid * 100 + 1,
    activity_id: 1,
    severity_id: 3,
    time: 1_765_000_000_000,
    metadata: { version: '1.4.0', product: { name: 'Example', vendor_name: 'Example' } },
    finding_info: { uid: `f-${classUid}`, title: `${className} sample` },
    actor: { user: { uid: 'arn:aws:iam::210987654321:user/ci-bot', type: 'IAMUser' } },
    cloud: { provider: 'AWS', account: { uid: '210987654321' } },
  });
  const entries = Object.entries(OCSF_CLASSES).map(([uid, name]) => [Number(uid), name] as const);

  it('lists the 1.x classes of every category (0 to 8), 80 in all (79 classes and the Base Event)', () => {
    expect(entries).toHaveLength(80);
    expect(new Set(entries.map(([uid]) => Math.floor(uid / 1000)))).toEqual(
      new Set([0, 1, 2, 3, 4, 5, 6, 7, 8]),
    );
  });

  it.each(entries)('class %i %s', (uid, name) => {
    const [o] = outcomesOf(JSON.stringify(eventOf(uid, name)), { format: 'auto' });
    expect(o!.format).toBe('ocsf');
    if (isOcsfFindingClass(uid)) {
      expect(o).toMatchObject({ ok: true });
      if (o!.ok) expect(o!.findings[0]!.kind).not.toBe('activity');
    } else if (isOcsfIdentityActivityClass(uid)) {
      expect(o).toMatchObject({ ok: true });
      if (o!.ok) {
        expect(o!.findings[0]!.kind).toBe('activity');
        expect(keys(o!.findings[0]!)).toEqual(['arn:aws:iam::210987654321:user/ci-bot']);
      }
    } else {
      expect(o).toMatchObject({ ok: false });
      if (!o!.ok) expect(o!.reason).toContain(`OCSF class ${uid} ${name} is not a finding about an identity`);
    }
  });

  it('counts: 8 finding classes and 9 activity classes read, 63 refused (the Base Event among them)', () => {
    expect(entries.filter(([u]) => isOcsfFindingClass(u))).toHaveLength(8);
    expect(entries.filter(([u]) => isOcsfIdentityActivityClass(u))).toHaveLength(9);
    expect(entries.filter(([u]) => ocsfClassRefusal(u) !== undefined)).toHaveLength(63);
  });

  it('a class outside the list is refused naming its uid and the class_name it claims', () => {
    const [o] = outcomesOf(JSON.stringify(eventOf(99_001, 'Vendor Widget Activity')), { format: 'auto' });
    expect(o).toMatchObject({ ok: false });
    if (!o!.ok)
      expect(o!.reason).toContain(
        'OCSF class 99001 "Vendor Widget Activity" is not in OCSF 1.x\'s class list: not a finding about an identity',
      );
  });

  it('an extension class in the findings category (category_uid 2) is read as a finding', () => {
    const [o] = outcomesOf(JSON.stringify({ ...eventOf(2_999, 'Vendor Finding'), category_uid: 2 }), {
      format: 'auto',
    });
    expect(o).toMatchObject({ ok: true });
  });
});

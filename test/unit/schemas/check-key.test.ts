// The check key's subject is a set (schemas/check-key.ts): reports of the same check that list their resources in
// another order, or add who worked the finding, keep one key; another resource is another key.
import { describe, expect, it } from 'vitest';
import { fixtureFile } from '../../support/corpus.ts';
import { findingsOf } from '../../support/normalize.ts';

const json = (name: string) => JSON.parse(fixtureFile(name).toString('utf8'));
const keyOf = (input: unknown) => {
  const findings = findingsOf(JSON.stringify(input));
  expect(findings).toHaveLength(1);
  expect(findings[0]!.checkKey).toMatch(/^ck_[0-9a-f]{32}$/);
  return findings[0]!.checkKey;
};
const BUCKET = {
  Type: 'AwsS3Bucket',
  Id: 'arn:aws:s3:::example-artifacts',
  Partition: 'aws',
  Region: 'eu-west-1',
};
const KMS_KEY = {
  Type: 'AwsKmsKey',
  Id: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  Partition: 'aws',
  Region: 'eu-west-1',
};

describe('check key: the subject is the set of what the check concerns, not the first listed', () => {
  it('ASFF: the same control listing its resources in either order has one key; without one, another', () => {
    const asff = json('asff/controls-resolved-keys.json');
    const control = (Array.isArray(asff) ? asff : asff.Findings)[0];
    const [key] = control.Resources;
    const forward = keyOf({ ...control, Resources: [key, BUCKET, KMS_KEY] });
    expect(keyOf({ ...control, Resources: [KMS_KEY, key, BUCKET] })).toBe(forward);
    expect(keyOf({ ...control, Resources: [key, BUCKET] })).not.toBe(forward);
  });

  it('OCSF (Prowler): resources in either order have one key; another resource is another key', () => {
    const fail = json('ocsf/prowler-4.2-fail-single.json');
    const [role] = fail.resources;
    const bucket = {
      ...role,
      type: 'AwsS3Bucket',
      uid: 'arn:aws:s3:::example-artifacts',
      name: 'example-artifacts',
    };
    const kms = { ...role, type: 'AwsKmsKey', uid: KMS_KEY.Id, name: 'key' };
    const forward = keyOf({ ...fail, resources: [role, bucket, kms] });
    expect(keyOf({ ...fail, resources: [kms, role, bucket] })).toBe(forward);
    expect(keyOf({ ...fail, resources: [role, bucket] })).not.toBe(forward);
  });

  it('Wiz issue: who commented (note authors, kept as resources) does not change the key', () => {
    const node = json('wiz/issues-graphql-response.json').data.issues.nodes[1];
    expect(node.notes.length).toBeGreaterThan(0);
    const withNotes = findingsOf(JSON.stringify(node))[0]!;
    expect(withNotes.resources.some((r) => r.type === 'wiz-note-author')).toBe(true);
    const another = { user: { name: 'A. Reviewer', email: 'reviewer@example.com' } };
    expect(keyOf({ ...node, notes: [] })).toBe(withNotes.checkKey);
    expect(keyOf({ ...node, notes: [another, ...node.notes] })).toBe(withNotes.checkKey);
  });

  it('Wiz issue without an entity id: note authors are left out of the default subject too', () => {
    const node = json('wiz/issues-graphql-response.json').data.issues.nodes[1];
    const { id: _id, ...entity } = node.entitySnapshot;
    const bare = { ...node, entitySnapshot: entity };
    const another = { user: { name: 'A. Reviewer', email: 'reviewer@example.com' } };
    expect(keyOf({ ...bare, notes: [another] })).toBe(keyOf({ ...bare, notes: [] }));
  });

  it('Google SCC: the person who muted it (muteInitiator) is not part of the subject', () => {
    const response = json('google-scc/list-findings-response.json');
    const result = response.listFindingsResults[0];
    const withFinding = (finding: unknown) => ({
      ...response,
      listFindingsResults: [{ ...result, finding }],
    });
    const open = keyOf(withFinding(result.finding));
    const muted = withFinding({
      ...result.finding,
      mute: 'MUTED',
      muteInitiator: 'Manual mute by secops@example.com',
    });
    expect(findingsOf(JSON.stringify(muted))[0]!.resources.some((r) => r.type === 'scc-mute-initiator')).toBe(
      true,
    );
    expect(keyOf(muted)).toBe(open);
  });

  it('Sentinel: the analyst the incident is assigned to is not part of the subject', () => {
    const incident = json('sentinel/incident-rest-get.json');
    const rule = `${incident.id.split('/incidents/')[0]}/alertRules/leaked-key-rule`;
    const properties = { ...incident.properties, relatedAnalyticRuleIds: [rule] };
    const assigned = findingsOf(JSON.stringify({ ...incident, properties }))[0]!;
    expect(assigned.resources.some((r) => r.type === 'sentinel-incident-owner')).toBe(true);
    const { owner, ...unassigned } = properties;
    const reassigned = { ...properties, owner: { ...owner, userPrincipalName: 'other@contoso.example' } };
    expect(keyOf({ ...incident, properties: unassigned })).toBe(assigned.checkKey);
    expect(keyOf({ ...incident, properties: reassigned })).toBe(assigned.checkKey);
  });

  it('trivy: the IaC block a FAIL names is not part of the subject (a PASS names none)', () => {
    const report = json('trivy/config-terraform.json');
    const result = report.Results[0];
    const fail = result.Misconfigurations[0];
    const withBlock = keyOf({ ...report, Results: [{ ...result, Misconfigurations: [fail] }] });
    const otherBlock = keyOf({
      ...report,
      Results: [
        {
          ...result,
          Misconfigurations: [
            { ...fail, CauseMetadata: { ...fail.CauseMetadata, Resource: 'aws_iam_policy.other' } },
          ],
        },
      ],
    });
    expect(otherBlock).toBe(withBlock);
  });
});

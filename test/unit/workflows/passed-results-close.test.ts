// trivy PASS (`--include-non-failures`) and Wiz configuration PASS results are findings with status passed: the
// PASS of a check on the subject its FAIL named gets the FAIL's check key and closes it in the identity record
// (a pure test of the closing match); a PASS of another check closes nothing.
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../schemas/finding.ts';
import type { IdentityRef } from '../../../schemas/identity.ts';
import { emptyRecord, IdentityState } from '../../../workflows/identity/state.ts';
import { fixtureFile } from '../../support/corpus.ts';
import { findingsOf } from '../../support/normalize.ts';

const NOW = '2026-11-20T12:00:00.000Z';
/** The record's identity: an IaC check on a file names none. */
const SOME_IDENTITY: IdentityRef = {
  key: 'arn:aws:iam::123456789012:user/ci',
  type: 'aws-user',
  provider: 'aws',
  aliases: [],
};
const one = (input: unknown): Finding => {
  const findings = findingsOf(JSON.stringify(input));
  expect(findings).toHaveLength(1);
  return findings[0]!;
};

/** Delivers `fail`, then `closing`: the fail's status after, and how many stay open. */
function afterClosing(fail: Finding, closing: Finding) {
  const state = new IdentityState(emptyRecord(fail.identities[0] ?? SOME_IDENTITY));
  state.addFindings([fail], NOW);
  state.addFindings([closing], NOW);
  const after = state.record.findings.find((f) => f.id === fail.id);
  return { after: after?.status, closedBy: after?.closedBy, open: state.openFindings().length };
}

describe('trivy: a PASS closes the FAIL of the same check on the same file', () => {
  const report = JSON.parse(fixtureFile('trivy/config-terraform.json').toString('utf8'));
  const result = report.Results[0];
  const [wildcard, passed] = result.Misconfigurations; // AVD-AWS-0057 FAIL, AVD-AWS-0143 PASS (the fixture's)
  const reportOf = (...misconfigurations: unknown[]) => ({
    ...report,
    Results: [{ ...result, Misconfigurations: misconfigurations }],
  });
  // The earlier scan: AVD-AWS-0143 failed on a policy attached to a user in the same file (trivy names the block).
  const failed = {
    ...passed,
    Status: 'FAIL',
    Message: 'One or more policies are attached directly to a user',
    CauseMetadata: {
      ...passed.CauseMetadata,
      Resource: 'aws_iam_user_policy.ci',
      StartLine: 30,
      EndLine: 40,
    },
  };

  it('the FAIL and the PASS get the same check key, and ids of their own', () => {
    const fail = one(reportOf(failed));
    const pass = one(reportOf(passed));
    expect([fail.status, pass.status]).toEqual(['open', 'passed']);
    expect(pass.checkKey).toMatch(/^ck_[0-9a-f]{32}$/);
    expect(pass.checkKey).toBe(fail.checkKey);
    expect(pass.id).not.toBe(fail.id);
  });

  it('the PASS closes the FAIL as passed; a PASS of another check (AVD-AWS-0057) does not', () => {
    const fail = one(reportOf(failed));
    const pass = one(reportOf(passed));
    expect(afterClosing(fail, pass)).toEqual({ after: 'passed', closedBy: pass.id, open: 0 });
    const otherPass = one(reportOf({ ...wildcard, Status: 'PASS', Message: 'No issues found' }));
    expect(otherPass.checkKey).not.toBe(fail.checkKey);
    expect(afterClosing(fail, otherPass)).toMatchObject({ after: 'open', open: 1 });
  });

  it('the same check on another file, or in another artifact, is another subject', () => {
    const fail = one(reportOf(failed));
    const elsewhere = one({
      ...reportOf(passed),
      Results: [{ ...result, Target: 'other.tf', Misconfigurations: [passed] }],
    });
    const otherArtifact = one({ ...reportOf(passed), ArtifactName: 'other-infra/' });
    expect(elsewhere.checkKey).not.toBe(fail.checkKey);
    expect(otherArtifact.checkKey).not.toBe(fail.checkKey);
  });

  it('the FAIL and EXCEPTION findings keep the ids they had before PASS results were read', () => {
    const ids = findingsOf(fixtureFile('trivy/config-terraform.json'))
      .filter((f) => f.status !== 'passed')
      .map((f) => f.id);
    expect(ids).toEqual(['f_ea5b204c93d123e9d5776adae90557c2', 'f_84b4673314bd58f302d13be49a2847b7']);
  });
});

describe('trivy k8s: a PASS on a Role closes its FAIL on that identity', () => {
  // The findings reach the identity workflow of the Role they name; there the PASS closes the FAIL.
  const report = JSON.parse(fixtureFile('trivy/k8s-cluster.json').toString('utf8'));
  const [role] = report.Resources;
  const [result] = role.Results;
  const [failed] = result.Misconfigurations;
  const reportOf = (misconfiguration: unknown) => ({
    ...report,
    Resources: [{ ...role, Results: [{ ...result, Misconfigurations: [misconfiguration] }] }],
  });

  it('same identity, same check key; the PASS closes the FAIL, a PASS of another check does not', () => {
    const fail = one(reportOf(failed));
    const pass = one(reportOf({ ...failed, Status: 'PASS', Message: 'No issues found', CauseMetadata: {} }));
    expect(fail.identities.map((i) => i.key)).toEqual(pass.identities.map((i) => i.key));
    expect(fail.identities).toHaveLength(1);
    expect(pass.checkKey).toBe(fail.checkKey);
    expect(afterClosing(fail, pass)).toEqual({ after: 'passed', closedBy: pass.id, open: 0 });
    const other = one(reportOf({ ...failed, ID: 'KSV049', AVDID: 'AVD-KSV-0049', Status: 'PASS' }));
    expect(other.checkKey).not.toBe(fail.checkKey);
    expect(afterClosing(fail, other)).toMatchObject({ after: 'open', open: 1 });
  });
});

describe('Wiz: a configuration PASS closes the FAIL of the same rule on the same entity', () => {
  // The real sample's two results of "Root account access keys exist" on the root user: a PASS that names the
  // root user's ARN, a FAIL whose providerId is empty. Wiz's own entity id is the same in both.
  const lines = fixtureFile('wiz/configuration-findings.ndjson').toString('utf8').trim().split('\n');
  const passJson = JSON.parse(lines[1]!);
  const failJson = { ...JSON.parse(lines[2]!), status: 'OPEN' };

  it('the PASS is a passed finding with the FAIL check key', () => {
    expect(passJson.result).toBe('PASS');
    expect(failJson.result).toBe('FAIL');
    const pass = one(passJson);
    const fail = one(failJson);
    expect([fail.status, pass.status]).toEqual(['open', 'passed']);
    expect(pass.checkKey).toMatch(/^ck_[0-9a-f]{32}$/);
    expect(pass.checkKey).toBe(fail.checkKey);
  });

  it('the FAIL findings keep the ids they had before PASS results were read', () => {
    const ids = findingsOf(fixtureFile('wiz/configuration-findings.ndjson'))
      .filter((f) => f.status !== 'passed')
      .map((f) => f.id);
    expect(ids).toEqual(['f_a5976405962857cf560401fc68368e09', 'f_a95df124f10d19fe1204ddfcb251eee3']);
  });

  // The sample's PASS was analysed before its FAIL; here it stands for a later scan (same time as the FAIL).
  it('the PASS closes the FAIL; a PASS of another rule on the same entity does not', () => {
    const fail = one(failJson);
    const pass = one(passJson);
    expect(afterClosing(fail, { ...pass, time: fail.time })).toEqual({
      after: 'passed',
      closedBy: pass.id,
      open: 0,
    });
    const other = one({
      ...passJson,
      id: 'another-result',
      rule: { ...passJson.rule, id: 'another-rule', shortId: 'X-1' },
    });
    expect(other.checkKey).not.toBe(fail.checkKey);
    expect(afterClosing(fail, { ...other, time: fail.time })).toMatchObject({ after: 'open', open: 1 });
  });

  it('IN_PROGRESS (no verdict) is still no finding', () => {
    expect(findingsOf(lines[3]!)).toEqual([]);
  });
});

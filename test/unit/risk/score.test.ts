// The risk score explains itself: every point comes from a factor with a reason a reviewer can read.
import { describe, expect, it } from 'vitest';
import { computeReach } from '../../../risk/reach.ts';
import { explainScore, type IdentitySummary, type RiskScore, scoreIdentity } from '../../../risk/score.ts';
import { DEFAULT_HYGIENE, DEFAULT_WEIGHTS } from '../../../schemas/policy.ts';
import { arn, deployChain, PASSROLE_LAMBDA, policies, SCOPED_S3, user } from './fixtures.ts';

const POLICY = { weights: DEFAULT_WEIGHTS, hygiene: DEFAULT_HYGIENE };
const CI = arn('user/ci');
const ciReach = () => computeReach(deployChain()).get(CI)!;

function expectExplained(risk: RiskScore) {
  for (const f of risk.factors) {
    expect(f.contribution).toBe(Math.round(f.points * f.weight));
    expect(f.points).toBeGreaterThan(0);
    expect(f.points).toBeLessThanOrEqual(100);
    expect(f.reason.length).toBeGreaterThan(10);
  }
  expect(risk.total).toBe(risk.factors.reduce((s, f) => s + f.contribution, 0));
  expect(risk.score).toBe(Math.min(100, risk.total));
  const contributions = risk.factors.map((f) => f.contribution);
  expect(contributions).toEqual([...contributions].sort((a, b) => b - a));
}

describe('scoreIdentity', () => {
  it('scores a CI user by what it can become: admin two hops away', () => {
    const risk = scoreIdentity({ key: CI, type: 'aws-user', reach: ciReach(), findings: [] }, POLICY);
    expectExplained(risk);
    const top = risk.factors[0]!;
    expect(top).toMatchObject({ id: 'capability', points: 100, weight: 0.5, contribution: 50 });
    expect(top.reason).toMatch(
      /^can become role\/admin via role\/deploy \(2 hops\): full-admin \(all actions on all resources\) — /,
    );
    expect(risk.factors.find((f) => f.id === 'breadth')!.reason).toContain(
      'can assume 2 roles: role/deploy, role/admin',
    );
  });

  it('adds exposure: a verified key in a public repository pushes an admin-capable identity over 80', () => {
    const summary: IdentitySummary = {
      key: 'aws:access-key:AKIAIOSFODNN7EXAMPLE',
      type: 'aws-access-key',
      reach: ciReach(),
      findings: [
        {
          kind: 'exposed-secret',
          severity: 90,
          title: 'AWS key in acme/infra',
          public: true,
          verified: true,
        },
        { kind: 'exposed-secret', severity: 60, title: 'AWS key in a CI log', status: 'resolved' },
      ],
    };
    const risk = scoreIdentity(summary, POLICY);
    expectExplained(risk);
    expect(risk.score).toBeGreaterThanOrEqual(80);
    expect(risk.factors.find((f) => f.id === 'exposure')).toMatchObject({
      points: 100,
      contribution: 35,
      reason: 'secret exposed: "AWS key in acme/infra", in a public place, verified live by the scanner',
    });
  });

  it('counts compromise signals, GuardDuty in full and plain anomalies for less', () => {
    const risk = scoreIdentity(
      {
        key: CI,
        type: 'aws-user',
        findings: [
          { kind: 'anomalous-use', severity: 70, title: 'Console login from new ASN' },
          {
            kind: 'anomalous-use',
            severity: 80,
            title: 'InstanceCredentialExfiltration.OutsideAWS',
            format: 'guardduty',
          },
        ],
      },
      POLICY,
    );
    expectExplained(risk);
    expect(risk.factors).toEqual([
      {
        id: 'compromise',
        points: 90,
        weight: 0.45,
        contribution: 41,
        reason:
          'anomalous-use: GuardDuty: "InstanceCredentialExfiltration.OutsideAWS" (severity 80); 1 more signal (+10)',
      },
    ]);
  });

  it('scores hygiene against the policy limits', () => {
    const risk = scoreIdentity(
      { key: CI, type: 'aws-user', findings: [], keyAgeDays: 400, unusedDays: 120, owner: null },
      POLICY,
    );
    expectExplained(risk);
    expect(Object.fromEntries(risk.factors.map((f) => [f.id, [f.points, f.reason]]))).toEqual({
      keyAge: [100, 'key is 400 days old (limit 90)'],
      unused: [67, 'not used for 120 days (limit 90): access nobody needs'],
      noOwner: [100, 'no owner: nobody to ask before remediating, nobody watching it'],
    });
    const young = scoreIdentity(
      { key: CI, type: 'aws-user', findings: [], keyAgeDays: 30, unusedDays: 2 },
      POLICY,
    );
    expect(young).toEqual({ score: 0, total: 0, factors: [] });
  });

  it('discounts capabilities scoped to named resources', () => {
    const scoped = computeReach([user('builder', { inline: [{ name: 'artifacts', document: SCOPED_S3 }] })]);
    const risk = scoreIdentity(
      { key: arn('user/builder'), type: 'aws-user', reach: scoped.get(arn('user/builder'))!, findings: [] },
      POLICY,
    );
    expect(risk.factors[0]).toMatchObject({ id: 'capability', points: 23 }); // s3-write 45 × 0.5
    expect(risk.factors[0]!.reason).toContain(
      'scoped to arn:aws:s3:::acme-build-artifacts/* (counted at 50%)',
    );
  });

  it('names the granting statement for a direct capability', () => {
    const reach = computeReach([
      user('deployer', { inline: [{ name: 'deploy-lambda', document: PASSROLE_LAMBDA }] }),
    ]);
    const risk = scoreIdentity(
      { key: arn('user/deployer'), type: 'aws-user', reach: reach.get(arn('user/deployer'))!, findings: [] },
      POLICY,
    );
    expect(risk.factors[0]!.reason).toMatch(
      /^holds it directly \(inline:deploy-lambda\[ManageFunctions\], inline:deploy-lambda\[PassAnyRole\]\): privesc-passrole-lambda /,
    );
  });

  it('caps at 100 and says so', () => {
    const risk = scoreIdentity(
      {
        key: CI,
        type: 'aws-user',
        reach: ciReach(),
        findings: [
          { kind: 'exposed-secret', severity: 90, public: true, verified: true },
          { kind: 'compromise-indicator', severity: 95, title: 'Credentials used from TOR' },
        ],
        keyAgeDays: 500,
      },
      POLICY,
    );
    expectExplained(risk);
    expect(risk.score).toBe(100);
    expect(risk.total).toBeGreaterThan(100);
    expect(explainScore(risk)).toMatch(/^100 \(capped from \d+\): /);
  });

  it('is deterministic and independent of finding order', () => {
    const findings = [
      { kind: 'exposed-secret' as const, severity: 70, title: 'b' },
      { kind: 'misconfiguration' as const, severity: 40, title: 'a' },
      { kind: 'compromise-indicator' as const, severity: 60, title: 'c' },
    ];
    const a = scoreIdentity({ key: CI, type: 'aws-user', reach: ciReach(), findings }, POLICY);
    const b = scoreIdentity(
      { key: CI, type: 'aws-user', reach: ciReach(), findings: [...findings].reverse() },
      POLICY,
    );
    expect(b).toEqual(a);
  });

  it('follows the policy weights', () => {
    const weights = { ...DEFAULT_WEIGHTS, capability: 0.2 };
    const risk = scoreIdentity(
      { key: CI, type: 'aws-user', reach: ciReach(), findings: [] },
      { ...POLICY, weights },
    );
    expect(risk.factors[0]).toMatchObject({ id: 'capability', contribution: 20 });
  });

  it('an identity with no known policies and no findings scores 0', () => {
    const none = scoreIdentity({ key: 'secret:x', type: 'secret', findings: [] }, POLICY);
    expect(none.score).toBe(0);
    expect(policies()).toEqual({ inline: [], attached: [], groups: [] });
  });
});

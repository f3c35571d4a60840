// Residual risk after containment: a deactivated key scores what an inactive key can do (next to nothing), naming
// the remediation; a dead exposed value stops counting; a scope-down is scored on what IAM shows it kept; a
// rollback (the remediation no longer ended executed) gives the full score back.
import { describe, expect, it } from 'vitest';
import { computeReach } from '../../../risk/reach.ts';
import { containmentsOf, RESIDUAL_POINTS, residualRisk, shortKeyId } from '../../../risk/residual.ts';
import { type RiskFinding, scoreIdentity } from '../../../risk/score.ts';
import { DEFAULT_HYGIENE, DEFAULT_WEIGHTS } from '../../../schemas/policy.ts';
import { arn, deployChain } from './fixtures.ts';

const POLICY = { weights: DEFAULT_WEIGHTS, hygiene: DEFAULT_HYGIENE };
const KEY = { key: 'aws:access-key:AKIAIOSFODNN7EXAMPLE', type: 'aws-access-key' as const };
const AT = '2026-12-07T10:00:00.000Z';
const DEACTIVATE = `remediate/deactivate-key/${KEY.key}/0`;
const leak: RiskFinding = {
  kind: 'exposed-secret',
  severity: 90,
  public: true,
  verified: true,
  title: 'AWS key',
};

/** The key of user/ci, which can become role/admin through role/deploy: it scores high before containment. */
const full = () =>
  scoreIdentity(
    { ...KEY, reach: computeReach(deployChain()).get(arn('user/ci'))!, findings: [leak] },
    POLICY,
  );

const executed = (action: string, workflowId: string, extra: { target?: string } = {}) => ({
  action,
  workflowId,
  score: full().score,
  ended: { status: 'executed', at: AT },
  ...extra,
});

describe('containmentsOf', () => {
  it('only real remediations that ended executed contain: not running, observed, failed or rolled back', () => {
    const records = [
      executed('deactivate-key', 'a'),
      { action: 'deactivate-key', workflowId: 'b', score: 90 },
      { ...executed('deactivate-key', 'c'), observe: true },
      { ...executed('deactivate-key', 'd'), ended: { status: 'failed', at: AT } },
      { ...executed('deactivate-key', 'e'), ended: { status: 'rolled-back', at: AT } },
    ];
    expect(containmentsOf(records).map((c) => c.workflowId)).toEqual(['a']);
    expect(containmentsOf(records)[0]).toEqual({
      action: 'deactivate-key',
      workflowId: 'a',
      at: AT,
      scoreBefore: full().score,
    });
  });
});

describe('residualRisk', () => {
  it('a deactivated key can do nothing: it scores the residual level alone, naming the remediation', () => {
    const before = full();
    expect(before.score).toBeGreaterThanOrEqual(80);
    const risk = residualRisk(KEY, before, containmentsOf([executed('deactivate-key', DEACTIVATE)]));
    expect(risk).toEqual({
      score: RESIDUAL_POINTS,
      total: RESIDUAL_POINTS,
      factors: [
        {
          id: 'residual',
          points: RESIDUAL_POINTS,
          weight: 1,
          contribution: RESIDUAL_POINTS,
          reason: `key AKIA…MPLE deactivated by ${DEACTIVATE} at ${AT}: an inactive key can do nothing; it can be re-activated until it is deleted`,
        },
      ],
      contained: { before: before.score, reasons: [] },
    });
  });

  it("an access key's rotation deactivated the old key (this identity): the same", () => {
    const risk = residualRisk(KEY, full(), containmentsOf([executed('rotate-secret', 'rot')]));
    expect(risk.score).toBe(RESIDUAL_POINTS);
    expect(risk.factors[0]!.reason).toMatch(/^key AKIA…MPLE rotated by rot at /);
  });

  it('rollback restores the full score: the remediation no longer ended executed', () => {
    const rolledBack = {
      ...executed('deactivate-key', DEACTIVATE),
      ended: { status: 'rolled-back', at: AT },
    };
    expect(residualRisk(KEY, full(), containmentsOf([rolledBack]))).toEqual(full());
  });

  it("a secret's rotation kills the exposed value: exposure no longer counts, what it can do still does", () => {
    const secret = { key: 'secret:uri:abc', type: 'secret' as const };
    const before = scoreIdentity({ ...secret, findings: [leak] }, POLICY);
    expect(before.factors.map((f) => f.id)).toEqual(['exposure']);
    const risk = residualRisk(secret, before, containmentsOf([executed('rotate-secret', 'rot')]));
    expect(risk).toEqual({
      score: 0,
      total: 0,
      factors: [],
      contained: {
        before: before.score,
        reasons: [`secret rotated by rot at ${AT}: the exposed value is dead, so exposure no longer counts`],
      },
    });
  });

  it('a user whose keys were deactivated keeps what the user can do; the exposed keys stop counting', () => {
    const user = { key: arn('user/ci'), type: 'aws-user' as const };
    const before = scoreIdentity(
      { ...user, reach: computeReach(deployChain()).get(user.key)!, findings: [leak] },
      POLICY,
    );
    const risk = residualRisk(user, before, containmentsOf([executed('deactivate-key', 'd')]));
    expect(risk.factors.map((f) => f.id)).toEqual(
      before.factors.map((f) => f.id).filter((id) => id !== 'exposure'),
    );
    expect(risk.score).toBe(before.score - before.factors.find((f) => f.id === 'exposure')!.contribution);
    expect(risk.factors.find((f) => f.id === 'capability')).toEqual(
      before.factors.find((f) => f.id === 'capability'),
    );
  });

  it('a scope-down keeps the score IAM shows (what it kept), with the remediation named', () => {
    const user = { key: arn('user/ci'), type: 'aws-user' as const };
    const kept = scoreIdentity({ ...user, findings: [] }, POLICY);
    const risk = residualRisk(
      user,
      kept,
      containmentsOf([executed('scope-down', 'sd', { target: user.key })]),
    );
    expect(risk.score).toBe(kept.score);
    expect(risk.factors).toEqual(kept.factors);
    expect(risk.contained?.reasons).toEqual([
      `${user.key} scoped down by sd at ${AT}: scored on what IAM shows it kept (${full().score} when proposed)`,
    ]);
  });

  it("a key's user scoped down does not make the key dead; an action that contains nothing changes nothing", () => {
    const scoped = residualRisk(KEY, full(), containmentsOf([executed('scope-down', 'sd', { target: 'u' })]));
    expect(scoped.score).toBe(full().score);
    expect(residualRisk(KEY, full(), containmentsOf([executed('revoke-sessions', 'rs')]))).toEqual(full());
    expect(residualRisk(KEY, full(), [])).toEqual(full());
  });

  it('shortKeyId keeps the ends of a long key id, short ones whole', () => {
    expect(shortKeyId(KEY.key)).toBe('AKIA…MPLE');
    expect(shortKeyId('secret:uri:abc')).toBe('abc');
  });
});

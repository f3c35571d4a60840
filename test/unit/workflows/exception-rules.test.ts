// Exceptions as requests: who may ask, approve and revoke, for which action and how long (pure rules).
import { describe, expect, it } from 'vitest';
import { exceptionDecision, exceptionRequest } from '../../../cli/decisions.ts';
import { type ExceptionTerms, identityWorkflowId } from '../../../workflows/identity/definitions.ts';
import {
  exceptionDecisionRefusal,
  requestRefusal,
  revokeRefusal,
} from '../../../workflows/identity/exception-rules.ts';
import { emptyRecord, IdentityState } from '../../../workflows/identity/state.ts';
import { person, snapshotOf } from '../../support/people.ts';

const KEY = 'aws:access-key:AKIAIOSFODNN7EXAMPLE';
const NOW = '2026-11-20T12:00:00.000Z';
const bob = person('bob@example.com', 'payments');
const alice = person('alice@example.com', 'security');
const tess = person('tess@example.com', 'security', 'team-ci');
const directory = snapshotOf([bob, alice, tess]);
const signer = (p: typeof bob) => ({ person: p.id, secretKey: p.secretKey });
const terms = (extra: Partial<ExceptionTerms> = {}): ExceptionTerms => ({
  identityKey: KEY,
  action: 'deactivate-key',
  for: '7d',
  ...extra,
});
const ctx = {
  workflowId: identityWorkflowId(KEY),
  identityType: 'aws-access-key' as const,
  directory,
  limits: { maxDurationDays: 30 },
  ruleActions: ['deactivate-key', 'payments/rotate-stripe-key'],
};
const refusalOf = (t: ExceptionTerms, who = bob) => {
  const { signed } = exceptionRequest(signer(who), terms(), 'nightly batch until the 27th');
  return requestRefusal(ctx, t, exceptionRequest(signer(who), t, 'r').signed ?? signed);
};

describe('requestRefusal', () => {
  it('opens a well-formed signed request', () => {
    expect(refusalOf(terms())).toBeUndefined();
    expect(refusalOf(terms({ action: 'payments/rotate-stripe-key' }))).toBeUndefined();
  });

  it.each([
    [{ action: '' }, 'must name the action'],
    [{ action: 'Drop Tables' }, 'is not an action name'],
    [{ action: 'payments/unknown' }, 'no action payments/unknown in the policy'],
    [{ action: 'delete-key' }, 'no action delete-key'],
    [{ for: '31d' }, 'at most 30 days'],
    [{ for: 'a week' }, 'is not a duration'],
  ])('refuses %o', (change, message) => {
    expect(refusalOf(terms(change as Partial<ExceptionTerms>))).toContain(message);
  });

  it('refuses an action that does not apply to the identity type', () => {
    const role = { ...ctx, identityType: 'aws-role' as const };
    const t = terms({ action: 'rotate-secret' });
    expect(requestRefusal(role, t, exceptionRequest(signer(bob), t, 'r').signed)).toMatch(
      /^rotate-secret does not apply to aws-role identities/,
    );
  });

  it('refuses unknown people, forged signatures and terms changed after signing', () => {
    const mallory = person('mallory@example.com', 'security');
    expect(refusalOf(terms(), mallory)).toMatch(/^unknown person mallory@example\.com/);
    const { signed } = exceptionRequest(signer(bob), terms(), 'r');
    expect(requestRefusal(ctx, terms(), { ...signed, person: alice.id })).toMatch(/^bad signature/);
    expect(requestRefusal(ctx, terms({ for: '30d' }), signed)).toMatch(/different terms/);
  });
});

describe('exceptionDecisionRefusal and revokeRefusal', () => {
  const open = () => {
    const s = new IdentityState(
      emptyRecord({ key: KEY, type: 'aws-access-key', provider: 'aws', aliases: [] }),
    );
    const hash = requestHash();
    const r = s.openExceptionRequest({
      workflowId: identityWorkflowId(KEY),
      action: 'deactivate-key',
      for: '7d',
      termsHash: hash,
      requestedBy: bob.id,
      reason: 'r',
      openedAt: NOW,
      deadline: '2026-11-23T12:00:00.000Z',
      approvers: ['security'],
      directory,
    });
    return { s, r };
  };
  const requestHash = () => exceptionRequest(signer(bob), terms(), 'r').signed.planHash;
  const decide = (who: typeof bob, id = 'exc-1', decision: 'approve' | 'revoke' = 'approve') =>
    exceptionDecision(signer(who), KEY, id, requestHash(), decision, 'ok');

  it('a different person from the approver groups approves; the requester and the owner cannot', () => {
    const { r } = open();
    expect(exceptionDecisionRefusal(r, 'exc-1', ['team-ci'], decide(alice))).toBeUndefined();
    expect(exceptionDecisionRefusal(r, 'exc-1', ['team-ci'], decide(bob))).toBe(
      'bob@example.com requested this exception and cannot approve it',
    );
    expect(exceptionDecisionRefusal(r, 'exc-1', ['team-ci'], decide(tess))).toMatch(
      /is the identity's owner \(team-ci\)/,
    );
    expect(exceptionDecisionRefusal(undefined, 'exc-9', [], decide(alice, 'exc-9'))).toMatch(
      /no exception request exc-9/,
    );
  });

  it('live exceptions are never evicted; revoke ends one, once', () => {
    const { s, r } = open();
    const grant = s.grantException(r, { by: alice.id, reason: 'ok' }, 7 * 86_400_000, NOW);
    expect(grant.expiresAt).toBe('2026-11-27T12:00:00.000Z');
    // Sixty ended ones later, the live one is still there.
    for (let i = 0; i < 60; i++) {
      const next = s.openExceptionRequest({ ...r, directory, approvers: ['security'] });
      const g = s.grantException(next, { by: alice.id, reason: 'ok' }, 1000, NOW);
      s.revokeException(g, alice.id, 'done', NOW);
    }
    expect(s.exception('exc-1')).toBeDefined();
    expect(s.record.exceptions.length).toBeLessThanOrEqual(51);
    const wf = identityWorkflowId(KEY);
    const mallory = person('mallory@example.com', 'marketing');
    const withMallory = snapshotOf([bob, alice, mallory]);
    expect(
      revokeRefusal(grant, 'exc-1', wf, withMallory, ['security'], decide(mallory, 'exc-1', 'revoke')),
    ).toMatch(/may not revoke it/);
    expect(
      revokeRefusal(grant, 'exc-1', wf, directory, ['security'], decide(bob, 'exc-1', 'revoke')),
    ).toBeUndefined();
    s.revokeException(grant, bob.id, 'migrated', NOW);
    expect(
      revokeRefusal(grant, 'exc-1', wf, directory, ['security'], decide(bob, 'exc-1', 'revoke')),
    ).toMatch(/already revoked/);
  });
});

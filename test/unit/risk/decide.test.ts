// Which remediations fire: thresholds, kinds and identity types; live vs expired exceptions at `now`; actions
// already started; one decision per action. And deterministic remediation workflow ids.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type DecisionInput,
  decide,
  encodeIdentityKey,
  evaluateRules,
  fnv1a32,
  isExceptionLive,
  remediationIdParts,
  remediationWorkflowId,
} from '../../../risk/decide.ts';
import type { RiskFactor } from '../../../risk/score.ts';
import { parsePolicy } from '../../../schemas/policy.ts';
import { parsePolicyText } from '../../../schemas/policy-file.ts';

const POLICY = parsePolicyText(
  readFileSync(new URL('../../../policies/default.yaml', import.meta.url), 'utf8'),
  'policies/default.yaml',
);
const KEY = 'aws:access-key:AKIAIOSFODNN7EXAMPLE';
const NOW = '2025-06-01T12:00:00Z';

const factor: RiskFactor = {
  id: 'capability',
  points: 100,
  weight: 0.5,
  contribution: 50,
  reason: 'can become role/admin via role/deploy (2 hops): full-admin',
};

const input = (over: Partial<DecisionInput> = {}): DecisionInput => ({
  identity: { key: KEY, type: 'aws-access-key' },
  risk: { score: 85, factors: [factor] },
  openFindingKinds: ['exposed-secret'],
  now: NOW,
  ...over,
});

describe('decide (default policy)', () => {
  it('an exposed high-risk access key is deactivated automatically, with reasons', () => {
    expect(decide(POLICY, input())).toEqual([
      {
        ruleId: 'exposed-access-key',
        action: 'deactivate-key',
        mode: 'auto',
        epoch: 0,
        reasons: [
          'risk score 85 ≥ 80',
          'open exposed-secret finding',
          'identity type aws-access-key',
          'can become role/admin via role/deploy (2 hops): full-admin (+50)',
        ],
      },
    ]);
  });

  it('nothing fires below the threshold or without the finding kind', () => {
    expect(decide(POLICY, input({ risk: { score: 79, factors: [] } }))).toEqual([]);
    expect(decide(POLICY, input({ openFindingKinds: ['stale-credential'] }))).toEqual([]);
  });

  it('a risky role gets a scope-down proposal that waits for security', () => {
    const d = decide(
      POLICY,
      input({
        identity: { key: 'arn:aws:iam::123456789012:role/admin', type: 'aws-role' },
        openFindingKinds: [],
      }),
    );
    expect(d.map((x) => [x.action, x.mode, x.approval])).toEqual([
      ['scope-down', 'approval', expect.objectContaining({ groups: { security: 1 } })],
    ]);
  });

  it('a compromised admin-capable user gets sessions revoked now and quarantine proposed', () => {
    const d = decide(
      POLICY,
      input({
        identity: { key: 'arn:aws:iam::123456789012:user/ci', type: 'aws-user' },
        risk: { score: 95, factors: [] },
        openFindingKinds: ['compromise-indicator'],
      }),
    );
    expect(d.map((x) => `${x.ruleId}:${x.action}:${x.mode}`)).toEqual([
      'compromised-sessions:revoke-sessions:auto',
      'compromised-quarantine:quarantine:approval',
      'excess-privilege:scope-down:approval',
    ]);
  });

  it('a live exception suppresses its action; an expired one does not', () => {
    const live = { action: 'deactivate-key', expiresAt: '2025-06-08T12:00:00Z' };
    const expired = { action: 'deactivate-key', expiresAt: '2025-06-01T11:59:59Z' };
    const suppressed = evaluateRules(POLICY, input({ exceptions: [live] }));
    expect(suppressed.decisions).toEqual([]);
    expect(suppressed.skipped).toEqual([
      {
        ruleId: 'exposed-access-key',
        action: 'deactivate-key',
        reason: 'live exception for deactivate-key until 2025-06-08T12:00:00Z',
      },
    ]);
    expect(decide(POLICY, input({ exceptions: [expired] })).map((d) => d.action)).toEqual(['deactivate-key']);
    // an exception for another action covers nothing here
    expect(decide(POLICY, input({ exceptions: [{ ...live, action: 'rotate-secret' }] }))).toHaveLength(1);
  });

  it('an exception expiring exactly at now is over', () => {
    expect(isExceptionLive({ action: 'x', expiresAt: NOW }, NOW)).toBe(false);
    expect(isExceptionLive({ action: 'x', expiresAt: '2025-06-01T12:00:01Z' }, NOW)).toBe(true);
    expect(isExceptionLive({ action: 'x', expiresAt: 'soon' }, NOW)).toBe(false);
    expect(() => isExceptionLive({ action: 'x', expiresAt: NOW }, 'today')).toThrow(
      'now is not an ISO 8601 time',
    );
  });

  it('an action already started or done is not started again', () => {
    const r = evaluateRules(POLICY, input({ startedActions: ['deactivate-key'] }));
    expect(r.decisions).toEqual([]);
    expect(r.skipped[0]!.reason).toBe('deactivate-key already started or done for this identity');
  });
});

describe('one decision per action', () => {
  const policy = parsePolicy({
    version: 1,
    rules: [
      { id: 'urgent', when: { minScore: 90 }, action: 'scope-down', mode: 'auto' },
      {
        id: 'normal',
        when: { minScore: 60 },
        action: 'scope-down',
        mode: 'approval',
        approval: { groups: { security: 1 } },
      },
    ],
  });

  it('the first rule to fire decides mode and approval', () => {
    const high = evaluateRules(
      policy,
      input({ identity: { key: 'r', type: 'aws-role' }, risk: { score: 95, factors: [] } }),
    );
    expect(high.decisions.map((d) => [d.ruleId, d.mode])).toEqual([['urgent', 'auto']]);
    expect(high.skipped).toEqual([
      { ruleId: 'normal', action: 'scope-down', reason: 'action scope-down already decided by rule urgent' },
    ]);
    const mid = decide(
      policy,
      input({ identity: { key: 'r', type: 'aws-role' }, risk: { score: 70, factors: [] } }),
    );
    expect(mid.map((d) => [d.ruleId, d.mode])).toEqual([['normal', 'approval']]);
  });

  it('is deterministic', () => {
    expect(evaluateRules(POLICY, input())).toEqual(evaluateRules(POLICY, input()));
  });
});

describe('remediationWorkflowId', () => {
  it('is stable and readable', () => {
    expect(remediationWorkflowId('arn:aws:iam::123456789012:user/ci', 'deactivate-key', 0)).toBe(
      'remediate/deactivate-key/arn:aws:iam::123456789012:user%2Fci/0',
    );
    expect(remediationWorkflowId(KEY, 'deactivate-key', 3)).toBe(
      'remediate/deactivate-key/aws:access-key:AKIAIOSFODNN7EXAMPLE/3',
    );
  });

  it("reads back a built-in's and a team action's action and key (a team action's name has a slash)", () => {
    const key = 'arn:aws:iam::123456789012:user/ci';
    expect(remediationIdParts(remediationWorkflowId(key, 'deactivate-key', 0))).toEqual({
      action: 'deactivate-key',
      key: encodeIdentityKey(key),
    });
    expect(remediationIdParts(remediationWorkflowId(key, 'dbteam/rotate-postgres-password', 2))).toEqual({
      action: 'dbteam/rotate-postgres-password',
      key: encodeIdentityKey(key),
    });
    expect(remediationIdParts('remediate/x')).toBeUndefined();
  });

  it('differs by key, action and epoch', () => {
    const ids = new Set([
      remediationWorkflowId('a/b', 'x', 0),
      remediationWorkflowId('a', 'b/x', 0),
      remediationWorkflowId('a/b', 'x', 1),
      remediationWorkflowId('a/b', 'y', 0),
    ]);
    expect(ids.size).toBe(4);
  });

  it('keeps long keys bounded and unique', () => {
    const a = `arn:aws:iam::123456789012:role/${'x'.repeat(300)}a`;
    const b = `arn:aws:iam::123456789012:role/${'x'.repeat(300)}b`;
    expect(encodeIdentityKey(a)).toHaveLength(201);
    expect(encodeIdentityKey(a)).not.toBe(encodeIdentityKey(b));
  });

  it('rejects a bad epoch, an empty key or action', () => {
    expect(() => remediationWorkflowId(KEY, 'rotate-secret', -1)).toThrow(
      'epoch must be a non-negative integer',
    );
    expect(() => remediationWorkflowId(KEY, 'rotate-secret', 1.5)).toThrow('epoch');
    expect(() => remediationWorkflowId('', 'rotate-secret', 0)).toThrow('identity key is empty');
    expect(() => remediationWorkflowId(KEY, '', 0)).toThrow('action is empty');
  });

  it('fnv1a32 matches the reference vectors', () => {
    expect(fnv1a32('')).toBe('811c9dc5');
    expect(fnv1a32('a')).toBe('e40c292c');
    expect(fnv1a32('foobar')).toBe('bf9cf968');
  });
});

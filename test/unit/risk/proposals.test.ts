// Proposing again: each proposal its own epoch; after a rejection (expiry, failure, refusal) only on new risk that
// crosses the threshold, and not before the cool-down. Observe plans never number or block proposals.
import { describe, expect, it } from 'vitest';
import { evaluateRules } from '../../../risk/decide.ts';
import {
  observationGate,
  type ProposalRecord,
  proposalGate,
  rearm,
  rearmObservations,
  reopenedBy,
} from '../../../risk/proposals.ts';
import { configHashOf } from '../../../schemas/config-hash.ts';
import { parsePolicy } from '../../../schemas/policy.ts';

const T0 = Date.parse('2026-11-30T10:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

describe('proposalGate', () => {
  it('the first proposal is epoch 0; one not ended blocks; executed is final', () => {
    expect(proposalGate([], 'deactivate-key', at(0), 60)).toEqual({ open: true, epoch: 0 });
    expect(proposalGate([{ action: 'deactivate-key' }], 'deactivate-key', at(0), 60)).toEqual({
      open: false,
      reason: 'deactivate-key already proposed (epoch 0) and not ended',
    });
    expect(
      proposalGate(
        [{ action: 'deactivate-key', epoch: 0, ended: { status: 'executed', at: at(0) } }],
        'deactivate-key',
        at(99),
        0,
      ),
    ).toEqual({
      open: false,
      reason: `deactivate-key executed at ${at(0)} (epoch 0); not proposed again because it is done (only a signed rollback re-arms it)`,
    });
  });

  it('an end that is final says when it ended and why it is not proposed again', () => {
    const gate = (status: 'noop' | 'not-applicable') =>
      proposalGate([{ action: 'a', epoch: 2, ended: { status, at: at(0) } }], 'a', at(9), 0);
    expect(gate('noop')).toEqual({
      open: false,
      reason: `a noop at ${at(0)} (epoch 2); not proposed again because there was nothing to change`,
    });
    expect(gate('not-applicable')).toEqual({
      open: false,
      reason: `a not-applicable at ${at(0)} (epoch 2); not proposed again because the action does not apply to this identity`,
    });
  });

  it('after a rejection: blocked until re-armed, then until the cool-down, then epoch + 1', () => {
    const records: ProposalRecord[] = [
      { action: 'scope-down', epoch: 0, ended: { status: 'rejected', at: at(0) } },
    ];
    expect(proposalGate(records, 'scope-down', at(120), 60)).toEqual({
      open: false,
      reason: `scope-down rejected at ${at(0)} (epoch 0); proposed again only when new risk crosses the threshold`,
    });
    // The rule still fires: nothing re-arms.
    expect(rearm(records, new Set(['scope-down']), at(1))).toEqual([]);
    // The rule stopped firing: re-armed.
    expect(rearm(records, new Set(), at(2))).toHaveLength(1);
    expect(proposalGate(records, 'scope-down', at(30), 60)).toEqual({
      open: false,
      reason: `scope-down rejected at ${at(0)}; cool-down until ${at(60)}`,
      retryAt: at(60),
    });
    expect(proposalGate(records, 'scope-down', at(60), 60)).toEqual({ open: true, epoch: 1 });
    for (const status of ['expired', 'failed', 'refused'] as const) {
      const r: ProposalRecord[] = [{ action: 'a', epoch: 3, ended: { status, at: at(0) }, rearmedAt: at(1) }];
      expect(proposalGate(r, 'a', at(61), 60)).toEqual({ open: true, epoch: 4 });
    }
  });

  it('the latest epoch counts; observe plans are not proposals', () => {
    const records: ProposalRecord[] = [
      { action: 'a', epoch: 0, ended: { status: 'rejected', at: at(0) }, rearmedAt: at(1) },
      { action: 'a', epoch: 1 },
      { action: 'a', observe: true },
    ];
    expect(proposalGate(records, 'a', at(500), 0)).toMatchObject({
      open: false,
      reason: 'a already proposed (epoch 1) and not ended',
    });
    expect(proposalGate([{ action: 'a', observe: true }], 'a', at(0), 0)).toEqual({ open: true, epoch: 0 });
  });

  it('observations: one per crossing, numbered', () => {
    const records: ProposalRecord[] = [{ action: 'a', observe: true }];
    expect(observationGate(records, 'a')).toEqual({
      open: false,
      reason: 'a already observed (plan 0); nothing acts in observe mode',
    });
    rearmObservations(records, new Set(['a']), at(1));
    expect(observationGate(records, 'a').open).toBe(false);
    rearmObservations(records, new Set(), at(2));
    expect(observationGate(records, 'a')).toEqual({ open: true, n: 1 });
  });
});

describe('refusals that depended on configuration re-arm when it changes', () => {
  const before = configHashOf('sha256:aa', []);
  const after = configHashOf('sha256:bb', []);
  const refused = (cause?: 'configuration'): ProposalRecord[] => [
    {
      action: 'revoke-sessions',
      epoch: 0,
      configHash: before,
      ended: { status: 'refused', at: at(0), ...(cause ? { cause } : {}) },
    },
  ];

  it('under the same configuration: blocked as before (re-arm and 24 h cool-down)', () => {
    expect(proposalGate(refused('configuration'), 'revoke-sessions', at(5), 1440, before)).toMatchObject({
      open: false,
      reason: expect.stringContaining('proposed again only when new risk crosses the threshold'),
    });
    const rearmed = refused('configuration');
    rearm(rearmed, new Set(), at(1));
    expect(proposalGate(rearmed, 'revoke-sessions', at(5), 1440, before)).toMatchObject({
      open: false,
      retryAt: at(1440),
    });
  });

  it('under another configuration: proposed again at once, with the next epoch, without re-arm or cool-down', () => {
    expect(proposalGate(refused('configuration'), 'revoke-sessions', at(5), 1440, after)).toEqual({
      open: true,
      epoch: 1,
    });
    expect(reopenedBy(refused('configuration')[0]!, after)).toMatch(/because of configuration under config:/);
  });

  it('a refusal for another reason (a person, an exception, a protected identity) keeps the cool-down', () => {
    expect(proposalGate(refused(), 'revoke-sessions', at(5), 1440, after).open).toBe(false);
    const rejected: ProposalRecord[] = [
      {
        action: 'a',
        epoch: 0,
        configHash: before,
        ended: { status: 'rejected', at: at(0) },
        rearmedAt: at(1),
      },
    ];
    expect(proposalGate(rejected, 'a', at(5), 1440, after)).toMatchObject({ open: false, retryAt: at(1440) });
  });

  it('records from before the hash (none recorded, or none now) keep the ordinary gate', () => {
    const old: ProposalRecord[] = [
      { action: 'a', epoch: 0, ended: { status: 'refused', at: at(0), cause: 'configuration' } },
    ];
    expect(proposalGate(old, 'a', at(5), 0, after).open).toBe(false);
    expect(proposalGate(refused('configuration'), 'revoke-sessions', at(5), 0).open).toBe(false);
  });

  it('a signed retry opens the gate for the next epoch, whatever the status or cool-down', () => {
    for (const status of ['rejected', 'noop', 'not-applicable', 'refused'] as const) {
      const r: ProposalRecord[] = [
        {
          action: 'a',
          epoch: 2,
          ended: { status, at: at(0) },
          retry: { by: 'alice', reason: 'r', at: at(1), round: 1 },
        },
      ];
      expect(proposalGate(r, 'a', at(2), 1440)).toEqual({ open: true, epoch: 3 });
    }
    expect(
      reopenedBy({ action: 'a', retry: { by: 'alice', reason: 'r', at: at(1), round: 1 } }, undefined),
    ).toBe(undefined);
  });

  it('evaluateRules passes the configuration in force to the gate', () => {
    const policy = parsePolicy({
      version: 1,
      rules: [{ id: 'c', when: { minScore: 50 }, action: 'revoke-sessions', mode: 'auto' }],
    });
    const input = {
      identity: { key: 'arn:aws:iam::333333333333:user/far', type: 'aws-user' as const },
      risk: { score: 85, factors: [] },
      openFindingKinds: [],
      proposals: refused('configuration'),
      cooldownMinutes: 1440,
      now: at(5),
    };
    expect(evaluateRules(policy, { ...input, configHash: before }).decisions).toEqual([]);
    expect(evaluateRules(policy, { ...input, configHash: after }).decisions).toMatchObject([
      { action: 'revoke-sessions', epoch: 1 },
    ]);
  });

  it('the configuration hash: the policy and the registered team actions the rules name, in any order', () => {
    const a = { name: 'db/rotate', taskQueue: 'db', registeredAt: at(0) };
    const b = { name: 'ci/revoke', taskQueue: 'ci', registeredAt: at(0) };
    expect(configHashOf('sha256:aa', [a, b])).toBe(configHashOf('sha256:aa', [b, a]));
    expect(configHashOf('sha256:aa', [a])).not.toBe(configHashOf('sha256:aa', []));
    // A worker that starts registers again: the same action, a new registration, a new configuration.
    expect(configHashOf('sha256:aa', [a])).not.toBe(
      configHashOf('sha256:aa', [{ ...a, registeredAt: at(9) }]),
    );
    expect(before).toMatch(/^config:[0-9a-f]{64}$/);
  });
});

describe('evaluateRules with brakes', () => {
  const policy = parsePolicy({
    version: 1,
    rules: [
      { id: 'leak', when: { minScore: 50 }, action: 'deactivate-key', mode: 'observe' },
      {
        id: 'priv',
        when: { minScore: 50 },
        action: 'scope-down',
        mode: 'approval',
        approval: { groups: { sec: 1 } },
      },
    ],
  });
  const input = {
    identity: { key: 'arn:aws:iam::1:user/u', type: 'aws-user' as const },
    risk: { score: 60, factors: [] },
    openFindingKinds: [],
    now: at(0),
  };

  it('a rule in observe mode plans only; the policy-wide observe mode makes every rule observe', () => {
    const e = evaluateRules(policy, input);
    expect(e.decisions.map((d) => [d.action, d.mode, d.observation ?? d.epoch])).toEqual([
      ['deactivate-key', 'observe', 0],
      ['scope-down', 'approval', 0],
    ]);
    expect(e.decisions[0]!.reasons).toContain('rule in observe mode: plan only');
    const all = evaluateRules(policy, { ...input, observeAll: true });
    expect(all.decisions.map((d) => d.mode)).toEqual(['observe', 'observe']);
    expect(all.decisions[1]!.reasons).toContain('policy in observe mode: plan only');
    expect(e.fired).toEqual(['deactivate-key', 'scope-down']);
  });

  it('an observation does not block the real proposal once the rule is switched to auto', () => {
    const auto = parsePolicy({
      version: 1,
      rules: [{ id: 'leak', when: { minScore: 50 }, action: 'deactivate-key', mode: 'auto' }],
    });
    const e = evaluateRules(auto, { ...input, proposals: [{ action: 'deactivate-key', observe: true }] });
    expect(e.decisions).toMatchObject([{ action: 'deactivate-key', mode: 'auto', epoch: 0 }]);
  });

  it('a protected identity: every firing rule is skipped with the reason; a cool-down is reported with its end', () => {
    const p = evaluateRules(policy, { ...input, protection: 'protected: x matches y' });
    expect(p.decisions).toEqual([]);
    expect(p.skipped.map((s) => s.reason)).toEqual(['protected: x matches y', 'protected: x matches y']);
    const c = evaluateRules(policy, {
      ...input,
      cooldownMinutes: 60,
      proposals: [
        { action: 'scope-down', epoch: 0, ended: { status: 'rejected', at: at(0) }, rearmedAt: at(1) },
      ],
      now: at(10),
    });
    expect(c.skipped).toEqual([
      {
        ruleId: 'priv',
        action: 'scope-down',
        reason: `scope-down rejected at ${at(0)}; cool-down until ${at(60)}`,
        retryAt: at(60),
      },
    ]);
  });
});

// A finding older than the policy's maxFindingAgeForAction is kept but never makes a rule fire.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type DecisionInput, evaluateRules } from '../../../risk/decide.ts';
import { durationMs, isTooOldToAct } from '../../../risk/finding-age.ts';
import { parsePolicy } from '../../../schemas/policy.ts';
import { parsePolicyText } from '../../../schemas/policy-file.ts';

const NOW = '2025-06-01T12:00:00Z';
const DEFAULT = parsePolicyText(
  readFileSync(new URL('../../../policies/default.yaml', import.meta.url), 'utf8'),
  'policies/default.yaml',
);
const POLICY = { ...DEFAULT, maxFindingAgeForAction: '30d' };
/** The default policy without a max age: findings of any age may act. */
const UNBOUNDED = { ...DEFAULT, maxFindingAgeForAction: undefined };

describe('durationMs', () => {
  it('reads days, hours and minutes', () => {
    expect(durationMs('30d')).toBe(30 * 86_400_000);
    expect(durationMs('12h')).toBe(12 * 3_600_000);
    expect(durationMs('90m')).toBe(90 * 60_000);
  });
  it('refuses anything else', () => {
    for (const bad of ['30', '0d', '1w', '-1d', '1.5d', ''])
      expect(() => durationMs(bad), bad).toThrow(/not a duration/);
  });
});

describe('isTooOldToAct', () => {
  it('compares the finding time with now', () => {
    expect(isTooOldToAct({ time: '2025-04-01T00:00:00Z' }, NOW, '30d')).toBe(true);
    expect(isTooOldToAct({ time: '2025-05-20T00:00:00Z' }, NOW, '30d')).toBe(false);
  });
  it("counts from the newer of the tool's time and when the report reached Kafka (reportedAt)", () => {
    // A secret scanner reports a two-year-old commit today: news, young.
    expect(
      isTooOldToAct({ time: '2023-06-01T00:00:00Z', reportedAt: '2025-05-31T00:00:00Z' }, NOW, '30d'),
    ).toBe(false);
    // A new consumer group re-reads a message published in January: old, whatever the tool's time.
    expect(
      isTooOldToAct({ time: '2025-01-01T00:00:00Z', reportedAt: '2025-01-02T00:00:00Z' }, NOW, '30d'),
    ).toBe(true);
  });
  it('the default policy sets 30d', () => {
    expect(DEFAULT.maxFindingAgeForAction).toBe('30d');
  });
  it('no max age: never too old', () => {
    expect(isTooOldToAct({ time: '2019-01-01T00:00:00Z' }, NOW, undefined)).toBe(false);
  });
  it('a tool that wrote no time (the epoch) is aged by when we first saw it; nothing readable is not too old', () => {
    const epoch = '1970-01-01T00:00:00.000Z';
    expect(isTooOldToAct({ time: epoch, firstSeen: '2025-05-31T00:00:00Z' }, NOW, '30d')).toBe(false);
    expect(isTooOldToAct({ time: epoch, firstSeen: '2025-01-01T00:00:00Z' }, NOW, '30d')).toBe(true);
    expect(isTooOldToAct({ time: epoch }, NOW, '30d')).toBe(false);
    expect(isTooOldToAct({ time: 'garbage' }, NOW, '30d')).toBe(false);
  });
});

const input = (time: string, over: Partial<DecisionInput> = {}): DecisionInput => ({
  identity: { key: 'aws:access-key:AKIAIOSFODNN7EXAMPLE', type: 'aws-access-key' },
  risk: { score: 95, factors: [] },
  openFindingKinds: ['exposed-secret'],
  openFindings: [{ kind: 'exposed-secret', time }],
  now: NOW,
  ...over,
});

describe('evaluateRules with maxFindingAgeForAction', () => {
  it('a young finding acts as before', () => {
    const young = evaluateRules(POLICY, input('2025-05-30T00:00:00Z'));
    expect(young.decisions.length).toBeGreaterThan(0);
    expect(young).toEqual(evaluateRules(UNBOUNDED, input('2025-05-30T00:00:00Z')));
  });

  it('an old finding makes no rule fire, and each rule it would have fired says why', () => {
    const old = evaluateRules(POLICY, input('2025-01-01T00:00:00Z'));
    expect(old.decisions).toEqual([]);
    expect(old.skipped.length).toBeGreaterThan(0);
    for (const s of old.skipped) expect(s.reason).toMatch(/older than maxFindingAgeForAction \(30d\)/);
    // Without the field the same finding acts: the age is the only difference.
    expect(evaluateRules(UNBOUNDED, input('2025-01-01T00:00:00Z')).decisions.length).toBeGreaterThan(0);
  });

  it('a kind counts when one of its findings is young; a sample excluded from the kinds stays excluded', () => {
    const mixed = input('2025-01-01T00:00:00Z', {
      openFindings: [
        { kind: 'exposed-secret', time: '2025-01-01T00:00:00Z' },
        { kind: 'exposed-secret', time: '2025-05-31T00:00:00Z' },
      ],
    });
    expect(evaluateRules(POLICY, mixed).decisions.length).toBeGreaterThan(0);
    const sampleOnly = input('2025-05-31T00:00:00Z', { openFindingKinds: [] });
    expect(evaluateRules(POLICY, sampleOnly).decisions).toEqual([]);
  });

  it('a rule without kinds needs one young open finding', () => {
    const policy = parsePolicy({
      version: 1,
      maxFindingAgeForAction: '7d',
      rules: [
        {
          id: 'any',
          when: { minScore: 90, identityTypes: ['aws-access-key'] },
          action: 'deactivate-key',
          mode: 'auto',
        },
      ],
    });
    expect(evaluateRules(policy, input('2025-05-01T00:00:00Z')).skipped[0]?.reason).toBe(
      'every open finding is older than maxFindingAgeForAction (7d)',
    );
    expect(evaluateRules(policy, input('2025-05-31T00:00:00Z')).decisions).toHaveLength(1);
  });
});

describe('policy schema', () => {
  it('admits a duration and refuses anything else with the field named', () => {
    expect(parsePolicy({ version: 1, maxFindingAgeForAction: '30d', rules: [] }).maxFindingAgeForAction).toBe(
      '30d',
    );
    expect(() => parsePolicy({ version: 1, maxFindingAgeForAction: '30 days', rules: [] })).toThrow(
      /maxFindingAgeForAction.*30d, 12h or 90m/,
    );
  });
});

// The policy file: the shipped default parses, and every mistake is one readable line naming file and field.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ENFORCEMENT,
  DEFAULT_WEIGHTS,
  PolicyError,
  parsePolicy,
  safeParsePolicy,
} from '../../../schemas/policy.ts';
import { parsePolicyText } from '../../../schemas/policy-file.ts';

const DEFAULT_PATH = new URL('../../../policies/default.yaml', import.meta.url);

const rule = (over: Record<string, unknown> = {}) => ({
  id: 'scope-down-risky',
  when: { minScore: 60 },
  action: 'scope-down',
  mode: 'approval',
  approval: { groups: { security: 1 } },
  ...over,
});

function errorOf(value: unknown, file = 'policies/team.yaml'): string {
  const r = safeParsePolicy(value, file);
  if (r.ok) throw new Error('expected the policy to be rejected');
  expect(r.error).not.toContain('\n');
  return r.error;
}

describe('policies/default.yaml', () => {
  const policy = parsePolicyText(readFileSync(DEFAULT_PATH, 'utf8'), 'policies/default.yaml');

  it('parses, with the rules the issue asks for', () => {
    expect(policy.version).toBe(1);
    expect(policy.rules.map((r) => [r.id, r.when.minScore, r.action, r.mode])).toEqual([
      ['exposed-access-key', 80, 'deactivate-key', 'auto'],
      ['compromised-sessions', 70, 'revoke-sessions', 'auto'],
      ['compromised-quarantine', 90, 'quarantine', 'approval'],
      ['excess-privilege', 60, 'scope-down', 'approval'],
    ]);
    expect(policy.rules.find((r) => r.id === 'excess-privilege')!.approval).toEqual({
      groups: { security: 1 },
      timeout: '72h',
      onTimeout: 'cancel',
      reject: 'any',
      remindEvery: '24h',
    });
    expect(policy.rules.find((r) => r.id === 'compromised-quarantine')!.approval).toMatchObject({
      groups: { security: 1, 'incident-response': 1 },
      onTimeout: { escalate: 'security-leads' },
    });
    expect(policy.directory).toBe('directory.yaml');
    expect(policy.exceptions).toEqual({
      maxDurationDays: 30,
      approvers: ['security'],
      requestTimeout: '72h',
    });
    expect(policy.weights).toEqual(DEFAULT_WEIGHTS);
    expect(policy.hygiene).toEqual({ maxKeyAgeDays: 90, maxUnusedDays: 90 });
    expect(policy.enforcement).toEqual({
      mode: 'enforce',
      cooldownMinutes: 1440,
      rateLimits: { overLimit: 'wait' },
      circuitBreaker: { failures: 5, windowMinutes: 60, quietMinutes: 60 },
      protected: ['arn:aws:iam::*:role/*break-glass*'],
    });
  });
});

describe('policy validation', () => {
  it('fills defaults for everything but rules', () => {
    const p = parsePolicy({ version: 1, rules: [] });
    expect(p.weights).toEqual(DEFAULT_WEIGHTS);
    expect(p.exceptions.maxDurationDays).toBe(30);
    expect(p.enforcement).toEqual(DEFAULT_ENFORCEMENT);
    expect(DEFAULT_ENFORCEMENT).toMatchObject({ mode: 'enforce', cooldownMinutes: 1440, protected: [] });
    expect(parsePolicy({ version: 1, weights: { exposure: 0.6 }, rules: [] }).weights.exposure).toBe(0.6);
  });

  it('enforcement.approval names who approves when a brake asks; unset by default', () => {
    expect(DEFAULT_ENFORCEMENT.approval).toBeUndefined();
    const p = parsePolicy({
      version: 1,
      enforcement: { approval: { groups: { 'sre-leads': 2 } } },
      rules: [],
    });
    expect(p.enforcement.approval).toEqual({
      groups: { 'sre-leads': 2 },
      timeout: '72h',
      onTimeout: 'cancel',
      reject: 'any',
    });
  });

  it('accepts a team action', () => {
    expect(
      parsePolicy({ version: 1, rules: [rule({ action: 'payments/rotate-stripe-key' })] }).rules[0]!.action,
    ).toBe('payments/rotate-stripe-key');
  });

  it('a threshold out of range names the rule and field', () => {
    expect(errorOf({ version: 1, rules: [rule({ when: { minScore: 120 } })] })).toBe(
      'policies/team.yaml: rules[0](scope-down-risky).when.minScore: must be at most 100 (got 120)',
    );
    expect(errorOf({ version: 1, rules: [rule({ when: { minScore: '80' } })] })).toBe(
      'policies/team.yaml: rules[0](scope-down-risky).when.minScore: must be a number (got "80")',
    );
  });

  it('mode approval needs an approval block; mode auto must not have one', () => {
    expect(errorOf({ version: 1, rules: [rule({ approval: undefined })] })).toBe(
      'policies/team.yaml: rules[0](scope-down-risky).approval: is required when mode is approval',
    );
    expect(errorOf({ version: 1, rules: [rule({ mode: 'auto' })] })).toBe(
      'policies/team.yaml: rules[0](scope-down-risky).approval: is only allowed when mode is approval',
    );
    expect(
      errorOf({ version: 1, rules: [rule({ approval: { groups: { security: 0 }, timeout: 'soon' } })] }),
    ).toBe(
      'policies/team.yaml: rules[0](scope-down-risky).approval.groups.security: must be at least 1 (got 0); ' +
        'rules[0](scope-down-risky).approval.timeout: must be a duration such as 30m, 72h or 7d (got "soon")',
    );
  });

  it('an action of unknown shape is named, with what is allowed', () => {
    expect(errorOf({ version: 1, rules: [rule({ action: 'Rotate Key!' })] })).toBe(
      'policies/team.yaml: rules[0](scope-down-risky).action: must be one of deactivate-key, rotate-secret, ' +
        'quarantine, revoke-sessions, scope-down or a team action "team/action-name" ' +
        '(delete-key is not implemented by any worker yet) (got "Rotate Key!")',
    );
  });

  it('rule ids must be unique', () => {
    expect(errorOf({ version: 1, rules: [rule(), rule({ action: 'quarantine' })] })).toBe(
      'policies/team.yaml: rules[1](scope-down-risky).id: duplicates rules[0].id',
    );
  });

  it('unknown kinds, identity types and misspelt fields are errors, not silently ignored', () => {
    expect(errorOf({ version: 1, rules: [rule({ when: { minScore: 50, kinds: ['leak'] } })] })).toMatch(
      /^policies\/team\.yaml: rules\[0\]\(scope-down-risky\)\.when\.kinds\[0\]: must be one of exposed-secret, .* \(got "leak"\)$/,
    );
    expect(errorOf({ version: 1, rules: [rule({ when: { minscore: 50 } })] })).toBe(
      'policies/team.yaml: rules[0](scope-down-risky).when.minScore: is required; ' +
        'rules[0](scope-down-risky).when: unknown field minscore',
    );
  });

  it('parsePolicy throws a PolicyError with the same line', () => {
    expect(() => parsePolicy({ version: 2, rules: [] }, 'p.json')).toThrow(PolicyError);
    expect(() => parsePolicy({ version: 2, rules: [] }, 'p.json')).toThrow(
      'p.json: version: must be 1 (got 2)',
    );
  });
});

describe('parsePolicyText', () => {
  it('reports YAML syntax errors with file, line and column', () => {
    expect(() => parsePolicyText('version: 1\nrules:\n  - id: a\n  id: b\n', 'bad.yaml')).toThrow(
      /^bad\.yaml:\d+:\d+: /,
    );
    expect(() => parsePolicyText('version: 1\nversion: 1\nrules: []\n', 'dup.yaml')).toThrow(
      'dup.yaml:2:1: Map keys must be unique',
    );
  });

  it('reports schema errors with the field path, and an empty file plainly', () => {
    expect(() =>
      parsePolicyText(
        'version: 1\nrules:\n  - id: x\n    when: { minScore: -1 }\n    action: quarantine\n    mode: auto\n',
        'team.yaml',
      ),
    ).toThrow('team.yaml: rules[0](x).when.minScore: must be at least 0 (got -1)');
    expect(() => parsePolicyText('', 'empty.yaml')).toThrow('empty.yaml: the file is empty');
  });

  it('reads JSON too', () => {
    expect(parsePolicyText(JSON.stringify({ version: 1, rules: [rule()] }), 'p.json').rules).toHaveLength(1);
  });
});

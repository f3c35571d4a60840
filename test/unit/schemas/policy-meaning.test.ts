// A policy's meaning against what the worker can do: each problem one line, naming the rule and field.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { builtInActions } from '../../../activities/actions/registry.ts';
import { RegisteredAction } from '../../../schemas/action-contract.ts';
import { ACTION_SUPPORT, changedIdentityKey } from '../../../schemas/action-support.ts';
import { Policy, parsePolicy } from '../../../schemas/policy.ts';
import { policyMeaningErrors } from '../../../schemas/policy-meaning.ts';

const rule = (id: string, action: string, identityTypes?: string[]) => ({
  id,
  when: { minScore: 80, ...(identityTypes ? { identityTypes } : {}) },
  action,
  mode: 'auto',
});

describe('policyMeaningErrors', () => {
  it('reports an unknown action, an unsupported identity type and a rule open to every type, one line each', () => {
    const policy = parsePolicy({
      version: 1,
      rules: [
        rule('leaked-token', 'deactivate-key', ['aws-role', 'aws-access-key']),
        rule('delete', 'delete-key', ['aws-access-key']),
        rule('team', 'payments/rotate-stripe-key', ['secret']),
        rule('everything', 'quarantine'),
        rule('fine', 'scope-down', ['aws-user', 'aws-role']),
      ],
    });
    expect(policyMeaningErrors(policy)).toEqual([
      'rules[0](leaked-token).when.identityTypes: deactivate-key cannot act on aws-role (it supports aws-access-key, aws-user)',
      expect.stringMatching(
        /^rules\[1\]\(delete\)\.action: delete-key is not implemented by any worker yet \(this worker has /,
      ),
      'rules[3](everything).when.identityTypes: missing, so quarantine would be sent every identity type; it supports only aws-user, aws-role, aws-access-key',
    ]);
  });

  it('leaves team actions to the registry: without it they are checked at run time, with it one line each', () => {
    const registered = RegisteredAction.parse({
      name: 'dbteam/rotate-postgres-password',
      description: 'rotate a role password',
      identityTypes: ['secret'],
      parameters: z.toJSONSchema(
        z.strictObject({ secretId: z.string().min(1), passwordLength: z.int().min(20).default(32) }),
        { io: 'input' },
      ),
      reversible: true,
      risk: 'medium',
      team: 'dbteam',
      taskQueue: 'dbteam',
    });
    const team = (id: string, action: string, params: unknown, identityTypes = ['secret']) => ({
      ...rule(id, action, identityTypes),
      params,
    });
    const policy = parsePolicy({
      version: 1,
      rules: [
        team('ok', 'dbteam/rotate-postgres-password', { secretId: 'prod/db/app' }),
        team('bad-params', 'dbteam/rotate-postgres-password', { secretId: 'x', passwordLength: 8 }),
        team('extra-param', 'dbteam/rotate-postgres-password', { secretId: 'x', rolee: 'app' }),
        team('unknown', 'payments/rotate-stripe-key', {}),
        team('wrong-type', 'dbteam/rotate-postgres-password', { secretId: 'x' }, ['aws-user']),
      ],
    });
    expect(policyMeaningErrors(policy)).toEqual([]);
    expect(policyMeaningErrors(policy, { teamActions: [registered] })).toEqual([
      expect.stringMatching(
        /^rules\[1\]\(bad-params\)\.params: dbteam\/rotate-postgres-password: params do not fit its schema: passwordLength: .*20/,
      ),
      expect.stringMatching(/^rules\[2\]\(extra-param\)\.params: .*rolee/),
      "rules[3](unknown).action: unknown action 'payments/rotate-stripe-key': no team action of that name is registered (registered: dbteam/rotate-postgres-password)",
      'rules[4](wrong-type).when.identityTypes: dbteam/rotate-postgres-password cannot act on aws-user (it supports secret)',
    ]);
  });

  it('refuses params and onNoWorker on a built-in action', () => {
    expect(() =>
      parsePolicy({
        version: 1,
        rules: [{ ...rule('x', 'deactivate-key', ['aws-user']), params: { a: 1 } }],
      }),
    ).toThrow(/rules\[0\]\(x\)\.params: is only for team actions; deactivate-key is built in/);
  });

  it('reports protected patterns that can match no identity key, and accepts those that can', () => {
    const policy = parsePolicy({
      version: 1,
      rules: [],
      enforcement: {
        protected: [
          'arn:aws:iam::*:role/break-glass-*',
          'arn:aws:iam::123456789012:user/nhi-enforcer',
          'aws:access-key:AKIAIOSFODNN7EXAMPLE',
          'role/break-glass',
          'arn:aws:iam::12345:role/admin',
          'arn:aws:s3:::payments-bucket',
          'arn:aws:iam::123456789012:policy/Admin',
        ],
      },
    });
    expect(policyMeaningErrors(policy)).toEqual([
      "enforcement.protected[3]: 'role/break-glass' matches no identity: identity keys are ARNs (arn:aws:iam::123456789012:role/NAME), aws:access-key:… or secret:…",
      "enforcement.protected[4]: 'arn:aws:iam::12345:role/admin' matches no identity: account '12345' is not 12 digits",
      "enforcement.protected[5]: 'arn:aws:s3:::payments-bucket' matches no identity: identities are IAM principals (service iam), not s3",
      "enforcement.protected[6]: 'arn:aws:iam::123456789012:policy/Admin' matches no identity: 'policy/Admin' names no user or role (user/NAME, role/NAME)",
    ]);
  });

  it('runs extra checks (the hook for facts it does not know, e.g. approval groups nobody belongs to)', () => {
    const policy = parsePolicy({ version: 1, rules: [] });
    expect(
      policyMeaningErrors(policy, { extraChecks: [() => ['approval group x: nobody belongs to it']] }),
    ).toEqual(['approval group x: nobody belongs to it']);
  });

  it('revoke-sessions does not claim to act on a long-term key itself: it changes the principal behind it', () => {
    expect(ACTION_SUPPORT['revoke-sessions']!.changes).toBe('principal');
    const key = { key: 'aws:access-key:AKIAIOSFODNN7EXAMPLE' };
    const user = 'arn:aws:iam::123456789012:user/ci';
    expect(changedIdentityKey('revoke-sessions', key, user)).toBe(user);
    expect(changedIdentityKey('scope-down', key, user)).toBe(user);
    expect(changedIdentityKey('deactivate-key', key, user)).toBe(key.key);
    expect(changedIdentityKey('revoke-sessions', key, undefined)).toBe(key.key);
  });
});

describe('actions a worker implements: one list', () => {
  it('the worker registers exactly the actions ACTION_SUPPORT describes', () => {
    expect(builtInActions.map((a) => a.name).sort()).toEqual(Object.keys(ACTION_SUPPORT).sort());
  });

  it('a planned action (delete-key): the schema knows the name, the meaning check refuses it, with the same words', () => {
    const unknown = Policy.safeParse({ version: 1, rules: [rule('x', 'remove-key', ['aws-access-key'])] });
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0]?.message).toContain('(delete-key is not implemented by any worker yet)');
    const planned = parsePolicy({ version: 1, rules: [rule('delete', 'delete-key', ['aws-access-key'])] });
    expect(policyMeaningErrors(planned)).toEqual([
      expect.stringMatching(
        /^rules\[0\]\(delete\)\.action: delete-key is not implemented by any worker yet \(/,
      ),
    ]);
  });
});

describe('accounts', () => {
  it('a role ARN in another account than its key is an error', () => {
    expect(() =>
      parsePolicy({
        version: 1,
        rules: [],
        accounts: { '222222222222': { roleArn: 'arn:aws:iam::333333333333:role/nhi' } },
      }),
    ).toThrow(/accounts\.222222222222\.roleArn: names a role in account 333333333333, not 222222222222/);
    expect(() =>
      parsePolicy({
        version: 1,
        rules: [],
        accounts: { '12': { roleArn: 'arn:aws:iam::123456789012:role/nhi' } },
      }),
    ).toThrow(/accounts\.12: Invalid key/);
  });
});

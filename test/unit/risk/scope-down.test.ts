import { describe, expect, it } from 'vitest';
import { planScopeDown } from '../../../risk/scope-down.ts';

const admin = [{ id: 'full-admin', title: 'all actions on all resources', actions: ['*'] }] as const;

describe('planScopeDown', () => {
  it('deny-unused: every sensitive action an Allow * hands out is denied unless it was used', () => {
    const plan = planScopeDown({
      direct: admin,
      roles: [],
      used: ['s3:GetObject', 'sqs:SendMessage'],
      strategy: 'deny-unused',
    });
    const denied = plan.statements[0]!.Action as string[];
    expect(denied).toContain('iam:CreateAccessKey');
    expect(denied).toContain('secretsmanager:GetSecretValue');
    expect(denied).not.toContain('s3:GetObject');
    expect(plan.explanation).toContainEqual({
      action: 's3:GetObject',
      verdict: 'keep',
      why: 'used: seen in its CloudTrail activity',
    });
    expect(plan.explanation).toContainEqual({
      action: 'sqs:SendMessage',
      verdict: 'keep',
      why: 'used: seen in its CloudTrail activity',
    });
    expect(plan.explanation.find((e) => e.action === 'iam:CreateAccessKey')?.why).toMatch(
      /never used; grants: /,
    );
  });

  it('matches used actions case-insensitively and keeps sts:AssumeRole only when roles were assumed', () => {
    const roles = [{ key: 'arn:aws:iam::123456789012:role/deploy', path: ['u', 'r'] }];
    const unused = planScopeDown({ direct: [], roles, used: [], strategy: 'deny-unused' });
    expect(unused.statements[0]!.Action).toEqual(['sts:AssumeRole']);
    expect(unused.explanation[0]!.why).toMatch(/reaches 1 role/);
    const used = planScopeDown({ direct: [], roles, used: ['STS:assumerole'], strategy: 'deny-unused' });
    expect(used.statements).toEqual([]);
  });

  it('nothing held that was not used: no statement (the action is a no-op)', () => {
    const plan = planScopeDown({
      direct: [{ id: 's3-read-all', title: 'read every S3 object', actions: ['s3:GetObject'] }],
      roles: [],
      used: ['s3:GetObject'],
      strategy: 'deny-unused',
    });
    expect(plan.statements).toEqual([]);
  });

  it('used-only: one Deny on everything but the used set; with no recorded use, everything', () => {
    const plan = planScopeDown({
      direct: admin,
      roles: [],
      used: ['sqs:SendMessage', 's3:GetObject'],
      strategy: 'used-only',
    });
    expect(plan.statements).toEqual([
      {
        Sid: 'NhiEnforceOnlyUsedActions',
        Effect: 'Deny',
        NotAction: ['s3:GetObject', 'sqs:SendMessage'],
        Resource: '*',
      },
    ]);
    const none = planScopeDown({ direct: admin, roles: [], used: [], strategy: 'used-only' });
    expect(none.statements[0]).toMatchObject({ Action: '*' });
    expect(none.explanation.at(-1)?.why).toMatch(/no recorded activity/);
  });
});

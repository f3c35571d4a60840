// Our reading of IAM's service-last-accessed answer, with IAM's responses given (the emulator has no such API).
import {
  GenerateServiceLastAccessedDetailsCommand,
  GetServiceLastAccessedDetailsCommand,
  type GetServiceLastAccessedDetailsCommandOutput,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { lastAccessedActions } from '../../../activities/aws/last-accessed.ts';
import { planScopeDown } from '../../../risk/scope-down.ts';

type Page = Partial<GetServiceLastAccessedDetailsCommandOutput>;

function iamAnswering(pages: Page[], generate: () => unknown = () => ({ JobId: 'job-1' })) {
  const calls: unknown[] = [];
  return {
    calls,
    send: async (command: unknown) => {
      calls.push(command);
      if (command instanceof GenerateServiceLastAccessedDetailsCommand) return generate();
      if (command instanceof GetServiceLastAccessedDetailsCommand)
        return pages.shift() ?? { JobStatus: 'FAILED' };
      throw new Error('unexpected command');
    },
  };
}

const at = new Date('2026-11-01T00:00:00Z');

describe('lastAccessedActions', () => {
  it('waits for the job, reads every page: tracked actions one by one, other used services whole', async () => {
    const iam = iamAnswering([
      { JobStatus: 'IN_PROGRESS' },
      {
        JobStatus: 'COMPLETED',
        IsTruncated: true,
        Marker: 'm1',
        ServicesLastAccessed: [
          {
            ServiceName: 'Amazon S3',
            ServiceNamespace: 's3',
            LastAuthenticated: at,
            TrackedActionsLastAccessed: [
              { ActionName: 'GetObject', LastAccessedTime: at },
              { ActionName: 'PutObject' }, // tracked, never used
            ],
          },
          { ServiceName: 'IAM', ServiceNamespace: 'iam' }, // never authenticated
        ],
      },
      {
        JobStatus: 'COMPLETED',
        ServicesLastAccessed: [{ ServiceName: 'Amazon SQS', ServiceNamespace: 'sqs', LastAuthenticated: at }],
      },
    ]);
    const out = await lastAccessedActions(iam as never, 'arn:aws:iam::123456789012:user/ci', {
      sleep: async () => {},
    });
    expect(out).toEqual({ actions: ['s3:GetObject', 'sqs:*'] });
    const generate = iam.calls[0] as GenerateServiceLastAccessedDetailsCommand;
    expect(generate.input).toEqual({ Arn: 'arn:aws:iam::123456789012:user/ci', Granularity: 'ACTION_LEVEL' });
  });

  it('an endpoint without the API (the emulator) or a failed job: undefined', async () => {
    const missing = iamAnswering([], () => {
      throw new Error('not implemented');
    });
    expect(await lastAccessedActions(missing as never, 'arn')).toBeUndefined();
    expect(
      await lastAccessedActions(iamAnswering([{ JobStatus: 'FAILED' }]) as never, 'arn'),
    ).toBeUndefined();
  });

  it('feeds scope-down: a whole used service stays, with the reason', () => {
    const plan = planScopeDown({
      direct: [{ id: 'full-admin', title: 'all actions on all resources', actions: ['*'] }],
      roles: [],
      used: [],
      lastAccessed: ['s3:*', 'sqs:SendMessage'],
      strategy: 'deny-unused',
    });
    expect(plan.statements[0]!.Action).not.toContain('s3:GetObject');
    expect(plan.statements[0]!.Action).toContain('iam:CreateAccessKey');
    expect(plan.explanation).toContainEqual({
      action: 's3:*',
      verdict: 'keep',
      why: 'used: IAM last-accessed data (service level: the whole service stays)',
    });
  });
});

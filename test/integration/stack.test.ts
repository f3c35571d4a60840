// The local stack that global-setup brought up: all healthy, topics in place, and moto really
// enforcing IAM (a key allowed only iam:ListUsers is denied iam:CreateUser).
import { randomUUID } from 'node:crypto';
import {
  CreateAccessKeyCommand,
  CreateUserCommand,
  ListUsersCommand,
  PutUserPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { awsClients, awsClientsFor } from '../../activities/aws/clients.ts';
import { localPorts } from '../../infra/endpoints.ts';
import { kafkaClient } from '../../infra/services/kafka.ts';
import { stackStatus } from '../../infra/stack.ts';
import { topicPartitions } from '../../infra/topics.ts';

describe('local stack', () => {
  it('reports kafka, temporal and moto healthy', async () => {
    const status = await stackStatus();
    for (const name of ['kafka', 'temporal', 'moto'] as const) {
      expect(status.services[name]).toMatchObject({ healthy: true, pid: expect.any(Number) });
    }
  });

  it('has every pipeline topic with its partition count', async () => {
    const admin = kafkaClient(localPorts().kafka, 3).admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: Object.keys(topicPartitions) });
      const counts = Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]));
      expect(counts).toEqual(topicPartitions);
    } finally {
      await admin.disconnect();
    }
  });

  it('moto enforces IAM policies: a ListUsers-only key cannot CreateUser', async () => {
    const { iam } = awsClients();
    const userName = `restricted-${randomUUID().slice(0, 8)}`;
    await iam.send(new CreateUserCommand({ UserName: userName }));
    await iam.send(
      new PutUserPolicyCommand({
        UserName: userName,
        PolicyName: 'list-only',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'iam:ListUsers', Resource: '*' }],
        }),
      }),
    );
    const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    const restricted = awsClientsFor({
      accessKeyId: AccessKey!.AccessKeyId!,
      secretAccessKey: AccessKey!.SecretAccessKey!,
    });

    const listed = await restricted.iam.send(new ListUsersCommand({}));
    expect(listed.Users?.map((u) => u.UserName)).toContain(userName);
    await expect(
      restricted.iam.send(new CreateUserCommand({ UserName: `${userName}-x` })),
    ).rejects.toMatchObject({
      name: expect.stringMatching(/AccessDenied/),
    });
  });

  it('moto rejects an unknown access key', async () => {
    const stranger = awsClientsFor({
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'not-a-real-secret',
    });
    await expect(stranger.sts.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: expect.stringMatching(/InvalidClientTokenId|AccessDenied|SignatureDoesNotMatch/),
    });
  });
});

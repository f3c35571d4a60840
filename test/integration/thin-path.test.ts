// The whole path, real all the way: a scanner finding on Kafka → consumer → identity workflow in Temporal →
// an activity reads the identity from the AWS emulator → an event on the enforcement topic.
import { randomUUID } from 'node:crypto';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClients } from '../../activities/aws/clients.ts';
import { temporalClient } from '../../runtime/connections.ts';
import { type RunningPipeline, startPipeline } from '../../runtime/pipeline.ts';
import { EnforcementEvent } from '../../schemas/enforcement-event.ts';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { historyText } from '../support/history.ts';
import { collect, createTestTopics, deleteTestTopics } from '../support/kafka.ts';
import { publishLeak } from '../support/trufflehog-leak.ts';

let topics: Record<string, string>;
let pipeline: RunningPipeline;
const taskQueue = `thin-path-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  topics = await createTestTopics('thin', ['scanner', 'dlq', 'events']);
  pipeline = await startPipeline({
    taskQueue,
    topics: [topics.scanner!],
    dlqTopic: topics.dlq,
    eventsTopic: topics.events,
    groupId: taskQueue,
  });
});

afterAll(async () => {
  await pipeline?.stop();
  if (topics) await deleteTestTopics(topics);
});

describe('thin end-to-end path', () => {
  it('a leaked key found by a scanner reaches its identity workflow and produces an enforcement event', async () => {
    const { iam } = awsClients();
    const userName = `ci-${randomUUID().slice(0, 8)}`;
    const user = await iam.send(new CreateUserCommand({ UserName: userName }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
    const userArn = user.User!.Arn!;

    await publishLeak(topics.scanner!, userArn, key);

    const events = await collect(topics.events!, (ms) => ms.some((m) => m.key?.toString() === userArn));
    const event = EnforcementEvent.parse(
      JSON.parse(events.find((m) => m.key?.toString() === userArn)!.value!.toString()),
    );
    expect(event.type).toBe('identity.assessed');
    expect(event.workflowId).toBe(identityWorkflowId(userArn));
    expect(event.detail.score).toBeGreaterThan(0);

    const client = await temporalClient();
    try {
      const state = await client.workflow.getHandle(identityWorkflowId(userArn)).query(identityQuery);
      expect(state.findingIds).toHaveLength(1);
      expect(state.findings[0]).toMatchObject({ kind: 'exposed-secret', format: 'trufflehog' });
      // The activity read the user from the AWS emulator: its key's age is known.
      expect(state.assessment?.credentials).toMatchObject({ userName, keyAgeDays: 0 });
      const history = await historyText(client, identityWorkflowId(userArn));
      expect(history).toContain(key.AccessKeyId);
      expect(history).not.toContain(key.SecretAccessKey);
    } finally {
      await client.connection.close();
    }

    // The secret itself went nowhere: not into the event, not into the workflow's history.
    expect(JSON.stringify(events.map((m) => m.value?.toString()))).not.toContain(key.SecretAccessKey);
  });
});

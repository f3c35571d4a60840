// The policy's caps per message through the real consumer: with `limits.recordsPerMessage: 2`, a message of three
// records is dead-lettered whole with a reason naming the policy's cap, and a message of two goes through.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalClient } from '../../runtime/connections.ts';
import { type RunningPipeline, startPipeline } from '../../runtime/pipeline.ts';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { notableTraffic, terminateIdentities, waitUntil } from '../fault/support/ingest.ts';
import { collect, createTestTopics, deleteTestTopics, produce } from '../support/kafka.ts';

let topics: Record<string, string>;
let pipeline: RunningPipeline;
let client: Client;
const groupId = `limits-${randomUUID().slice(0, 8)}`;
const three = notableTraffic(3, 1);
const two = notableTraffic(2, 1);
const saved = process.env.NHI_MAX_RECORDS_PER_MESSAGE;

beforeAll(async () => {
  delete process.env.NHI_MAX_RECORDS_PER_MESSAGE; // the policy decides here, not an override
  const policyFile = join(mkdtempSync(join(tmpdir(), 'nhi-limits-')), 'policy.yaml');
  writeFileSync(policyFile, 'version: 1\nlimits: { recordsPerMessage: 2 }\nrules: []\n');
  topics = await createTestTopics('limits', ['siem', 'dlq', 'events'], 1);
  client = await temporalClient();
  pipeline = await startPipeline({
    taskQueue: groupId,
    groupId,
    topics: [topics.siem!],
    dlqTopic: topics.dlq,
    eventsTopic: topics.events,
    lagIntervalMs: 0,
    policyFile,
  });
});

afterAll(async () => {
  if (saved !== undefined) process.env.NHI_MAX_RECORDS_PER_MESSAGE = saved;
  await pipeline?.stop();
  if (client) {
    await terminateIdentities(client, [...three.expected.keys(), ...two.expected.keys()]);
    await client.connection.close();
  }
  if (topics) await deleteTestTopics(topics);
});

const lines = (t: { messages: Array<{ value?: unknown }> }) =>
  t.messages.map((m) => String(m.value)).join('\n');

describe('limits per message from the policy', () => {
  it('a message over the cap is dead-lettered whole, naming the cap; one within it goes through', async () => {
    await produce(topics.siem!, [
      { key: 'three', value: lines(three), headers: { format: 'splunk-notable' } },
      { key: 'two', value: lines(two), headers: { format: 'splunk-notable' } },
    ]);
    const dead = await collect(topics.dlq!, (ms) => ms.length >= 1, 90_000);
    expect(dead).toHaveLength(1);
    expect(dead[0]!.key?.toString()).toBe('three');
    expect(dead[0]!.headers?.reason?.toString()).toBe(
      'message exceeds the limit of 2 records (has 3; policy limits.recordsPerMessage)',
    );
    for (const [key, ids] of two.expected)
      await waitUntil(
        `findings of ${key}`,
        async () =>
          (
            await client.workflow
              .getHandle(identityWorkflowId(key))
              .query(identityQuery)
              .catch(() => undefined)
          )?.findingIds.length === ids.size,
        90_000,
      );
  });
});

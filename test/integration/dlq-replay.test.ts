// No good finding lost with a bad one, and a DLQ that can be replayed, against the real pipeline:
// - a message with two valid findings and one invalid record delivers the two and dead-letters the one, alone;
// - a message over the records-per-message limit is dead-lettered whole; once the limit is raised (the fix),
//   `nhi dlq replay` re-drives it, its findings reach their identity, and a second replay changes nothing;
// - while the cap is in force, the dry run and the replay say it would be dead-lettered again and which setting to
//   raise, and send nothing; `nhi dlq list` marks each letter with its last replay (when, sent or left, why).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { readToEnd } from '../../consumers/dlq-reader.ts';
import { isReplayRecord } from '../../consumers/dlq-replay-record.ts';
import { kafka, temporalClient } from '../../runtime/connections.ts';
import { type RunningPipeline, startPipeline } from '../../runtime/pipeline.ts';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { notableTraffic, terminateIdentities, uncommitted, waitUntil } from '../fault/support/ingest.ts';
import { collect, createTestTopics, deleteTestTopics, produce } from '../support/kafka.ts';
import { fetchHistory } from './identity-support.ts';

let topics: Record<string, string>;
let pipeline: RunningPipeline;
let client: Client;
const groupId = `dlq-replay-${randomUUID().slice(0, 8)}`;
const mixed = notableTraffic(2, 2);
const overLimit = notableTraffic(4, 1);
const savedLimit = process.env.NHI_MAX_RECORDS_PER_MESSAGE;

beforeAll(async () => {
  topics = await createTestTopics('dlq-replay', ['siem', 'dlq', 'events'], 1);
  process.env.NHI_MAX_RECORDS_PER_MESSAGE = '3';
  client = await temporalClient();
  pipeline = await startPipeline({
    taskQueue: groupId,
    groupId,
    topics: [topics.siem!],
    dlqTopic: topics.dlq,
    eventsTopic: topics.events,
    lagIntervalMs: 0,
  });
});

afterAll(async () => {
  if (savedLimit === undefined) delete process.env.NHI_MAX_RECORDS_PER_MESSAGE;
  else process.env.NHI_MAX_RECORDS_PER_MESSAGE = savedLimit;
  await pipeline?.stop();
  if (client) {
    await terminateIdentities(client, [...mixed.expected.keys(), ...overLimit.expected.keys()]);
    await client.connection.close();
  }
  if (topics) await deleteTestTopics(topics);
});

const lines = (t: { messages: Array<{ value?: unknown }> }) => t.messages.map((m) => String(m.value));

async function findingIdsOf(key: string): Promise<string[]> {
  return (await client.workflow.getHandle(identityWorkflowId(key)).query(identityQuery)).findingIds;
}

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('dead letters per record, and replay', () => {
  it('delivers the good records, dead-letters the bad one alone, and replays a fixed message once', async () => {
    const [a, b] = lines(mixed);
    await produce(topics.siem!, [
      { key: 'mixed', value: [a, '{}', b].join('\n'), headers: { format: 'splunk-notable' } },
      { key: 'over-limit', value: lines(overLimit).join('\n'), headers: { format: 'splunk-notable' } },
    ]);

    const dead = await collect(topics.dlq!, (ms) => ms.length >= 2, 90_000);
    const h = (i: number, name: string) => dead[i]!.headers?.[name]?.toString();
    expect(dead).toHaveLength(2);
    expect(h(0, 'record-line')).toBe('2');
    expect(dead[0]!.value?.toString()).toBe('{}');
    expect(dead[0]!.key?.toString()).toBe('mixed');
    expect(h(1, 'reason')).toMatch(/limit of 3 records \(has 4/);
    expect(dead[1]!.key?.toString()).toBe('over-limit');
    expect(h(1, 'original.format')).toBe('splunk-notable');

    for (const [key, ids] of mixed.expected)
      await waitUntil(
        `findings of ${key}`,
        async () => (await findingIdsOf(key).catch(() => [])).length === ids.size,
        90_000,
      );

    const listed = await cli('dlq', 'list', '--topic', topics.dlq!, '--json');
    expect(listed.code).toBe(0);
    expect(listed.out.map((l) => JSON.parse(l))).toMatchObject([
      { record: { line: 2, index: 0 }, sealed: false },
      { reason: expect.stringMatching(/limit/) },
    ]);
    const dry = await cli('dlq', 'replay', '--dry-run', '--topic', topics.dlq!, '--json');
    const stillCapped = expect.stringMatching(
      /^would be dead-lettered again: message exceeds the limit of 3 records .*; raise NHI_MAX_RECORDS_PER_MESSAGE first$/,
    );
    expect(dry.out.map((l) => JSON.parse(l))).toMatchObject([
      { action: 'skipped', reason: expect.stringMatching(/^still rejected/) },
      { action: 'skipped', reason: stillCapped },
    ]);
    // A real replay while the cap is in force sends nothing (no loop through the DLQ) and is recorded as such.
    const early = await cli('dlq', 'replay', '--topic', topics.dlq!, '--json');
    expect(early.out.map((l) => JSON.parse(l))[1]).toMatchObject({ action: 'skipped', reason: stillCapped });
    expect(
      (await cli('dlq', 'list', '--topic', topics.dlq!, '--json')).out.map((l) => JSON.parse(l)),
    ).toMatchObject([
      { lastReplay: { sent: false } },
      { lastReplay: { sent: false, outcome: expect.stringMatching(/^left: would be dead-lettered again/) } },
    ]);

    // The fix: a higher limit (the consumer reads it per message, as does the replay's check).
    process.env.NHI_MAX_RECORDS_PER_MESSAGE = '10';
    const [key] = [...overLimit.expected.keys()];
    const want = [...overLimit.expected.get(key!)!].sort();
    for (let round = 1; round <= 2; round++) {
      const replayed = await cli('dlq', 'replay', '--topic', topics.dlq!, '--json');
      expect(replayed.code).toBe(0);
      expect(replayed.out.map((l) => JSON.parse(l))).toMatchObject([
        { action: 'skipped' },
        { action: 'replayed', findings: 4, sourceTopic: topics.siem },
      ]);
      await waitUntil(
        'replay consumed',
        async () => (await uncommitted(groupId, [topics.siem!])) === 0,
        90_000,
      );
      // The first replay reaches the workflow as one signal, worked; the second is a repeat the consumer's
      // change detection drops (its digest says the workflow holds these findings): still one signal.
      await waitUntil(
        `delivery ${round} worked`,
        async () => {
          const events = (await fetchHistory(client, identityWorkflowId(key!))).events ?? [];
          const signals = events.flatMap((e, i) => (e.workflowExecutionSignaledEventAttributes ? [i] : []));
          const last = signals[0];
          return (
            signals.length === 1 &&
            last !== undefined &&
            events.slice(last).some((e) => e.workflowTaskCompletedEventAttributes)
          );
        },
        90_000,
      );
      expect((await findingIdsOf(key!)).sort()).toEqual(want);
    }
    // Nothing new was dead-lettered by the replays; the listing marks the replayed letter.
    const all = await readToEnd(kafka('nhi-test-reader'), topics.dlq!);
    expect(all.filter(({ message }) => !isReplayRecord(message))).toHaveLength(2);
    const listedAfter = await cli('dlq', 'list', '--topic', topics.dlq!);
    expect(listedAfter.out[1]).toMatch(/\[replayed \S+Z: sent to .* \(4 finding\(s\)\)\]$/);
  });
});

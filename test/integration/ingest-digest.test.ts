// The digest survives restarts and rebalances: a consumer that starts fresh (no memory) restores what the
// identity workflows already hold from the compacted digest topic, so findings re-sent with only volatile fields
// changed are not signalled again; new and changed findings still reach their workflows (nothing lost).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changedNotable } from '../../bench/traffic.ts';
import { temporalClient } from '../../runtime/connections.ts';
import { type RunningPipeline, startPipeline } from '../../runtime/pipeline.ts';
import {
  notableTraffic,
  publish,
  terminateIdentities,
  uncommitted,
  waitForIdentities,
  waitUntil,
} from '../fault/support/ingest.ts';
import { createTestTopics, deleteTestTopics } from '../support/kafka.ts';

const DEADLINE_MS = 240_000;
const traffic = notableTraffic(300, 20, undefined, { repeatRatio: 0.5 });
const taskQueue = `ingest-digest-${randomUUID().slice(0, 8)}`;
let topics: Record<string, string>;
let client: Client;
const running: RunningPipeline[] = [];
const logs: Array<{ event: string; fields?: Record<string, unknown> }> = [];

async function metric(p: RunningPipeline, name: string): Promise<number> {
  const text = await p.metrics.registry.metrics();
  return [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\d+)`, 'gm'))].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
}

async function start(role: 'all' | 'consumer'): Promise<RunningPipeline> {
  const p = await startPipeline({
    role,
    taskQueue,
    groupId: taskQueue,
    topics: [topics.siem!],
    dlqTopic: topics.dlq,
    eventsTopic: topics.events,
    digestTopic: topics.digest,
    lagIntervalMs: 0,
    sessionTimeoutMs: 6_000,
    log: (event, fields) => logs.push({ event, fields }),
  });
  running.push(p);
  return p;
}

const allCommitted = () =>
  waitUntil(
    'all offsets committed',
    async () => (await uncommitted(taskQueue, [topics.siem!])) === 0,
    DEADLINE_MS,
  );

beforeAll(async () => {
  topics = await createTestTopics('ingest-digest', ['siem', 'dlq', 'events', 'digest'], 2);
  client = await temporalClient();
});

afterAll(async () => {
  for (const p of running) await p.stop().catch(() => {});
  if (client) {
    await terminateIdentities(client, traffic.expected.keys());
    await client.connection.close();
  }
  if (topics) await deleteTestTopics(topics);
});

describe('digest on a compacted topic', () => {
  it('repeats are not signalled after a restart or a rebalance; new and changed findings are; nothing is lost', async () => {
    await publish(topics.siem!, traffic.messages);
    const first = await start('all');
    await allCommitted();
    expect(await metric(first, 'nhi_consumer_repeats_total')).toBe(300 - traffic.distinct);
    const firstSignals = await metric(first, 'nhi_consumer_signals_total');
    expect(firstSignals).toBeGreaterThan(0);
    // Coalesced: never more signals than distinct findings, usually far fewer.
    expect(firstSignals).toBeLessThanOrEqual(traffic.distinct);
    let check = await waitForIdentities(client, traffic.expected, DEADLINE_MS);
    expect(check.missing).toBe(0);
    await first.stop();

    // Restart: a fresh process memory. Everything again (a tool re-sending it all), plus one changed finding.
    const changed = changedNotable(traffic.messages[0]!, 'password spraying');
    await publish(topics.siem!, [...traffic.messages, changed]);
    const second = await start('all');
    await allCommitted();
    expect(logs.some((l) => l.event === 'digest-restored' && Number(l.fields?.entries) > 0)).toBe(true);
    expect(await metric(second, 'nhi_consumer_repeats_total')).toBe(300);
    expect(await metric(second, 'nhi_consumer_signals_total')).toBe(1); // the changed one only

    // Rebalance: a second member joins; each restores the partitions it is given. New findings on top.
    const fresh = notableTraffic(40, 10);
    const consumerOnly = await start('consumer');
    await waitUntil(
      'the group to rebalance onto two members with a partition each',
      async () => {
        const latest = new Map<unknown, unknown>();
        for (const l of logs.filter((l) => l.event === 'group-joined'))
          latest.set(l.fields?.memberId, l.fields?.assignment);
        const sizes = [...latest.values()].map((a) =>
          Object.values(a as Record<string, number[]>).reduce((n, ps) => n + ps.length, 0),
        );
        return sizes.filter((n) => n === 1).length >= 2;
      },
      DEADLINE_MS,
    );
    await publish(topics.siem!, [...traffic.messages, ...fresh.messages]);
    await allCommitted();
    const repeats =
      (await metric(second, 'nhi_consumer_repeats_total')) +
      (await metric(consumerOnly, 'nhi_consumer_repeats_total'));
    // All but one: the first finding, sent in its original form again, differs from its changed version.
    expect(repeats).toBe(300 * 2 - 1);
    // Both members restored their partition from the topic before working it.
    expect(logs.filter((l) => l.event === 'digest-restored').length).toBeGreaterThanOrEqual(3);
    const expected = new Map([...traffic.expected, ...fresh.expected]);
    check = await waitForIdentities(client, expected, DEADLINE_MS);
    expect(check.missing).toBe(0);
    expect(check.duplicated).toBe(0);
    await terminateIdentities(client, fresh.expected.keys());
  }, 600_000);
});

// Hostile messages interleaved with good findings, published to a running pipeline (`nhi run all` in-process):
// what reached the DLQ, whether every good finding reached its identity, how the consumer group behaved (joins,
// crashes) and how long the slowest message held its partition (the consumer's own metric).
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { KafkaMessage, Message } from 'kafkajs';
import { expect } from 'vitest';
import { messageLimits } from '../../../consumers/decode-message.ts';
import { temporalClient } from '../../../runtime/connections.ts';
import { startPipeline } from '../../../runtime/pipeline.ts';
import { collect, createTestTopics, deleteTestTopics } from '../../support/kafka.ts';
import { type HostileMessage, hostileMessages, TEN_MB } from './hostile.ts';
import {
  type IdentityCheck,
  notableTraffic,
  publish,
  terminateIdentities,
  uncommitted,
  waitForIdentities,
  waitUntil,
} from './ingest.ts';

export interface HostileRunOptions {
  hostile: number;
  /** Of the hostile ones, 10 MB values. */
  huge: number;
  good: number;
  identities: number;
  timeoutMs: number;
  log?: (line: string) => void;
}

export interface HostileRun {
  sent: HostileMessage[];
  dead: KafkaMessage[];
  check: IdentityCheck;
  /** Consumer events by name (group-joined, consumer-crash, message-over-budget, …). */
  events: Map<string, number>;
  /** The consumer's own measure: the longest one message took to decode, and how many ran out of budget. */
  slowestMessageMs: number;
  overBudget: number;
  budgetMs: number;
  ms: number;
}

export async function hostileRun(opts: HostileRunOptions): Promise<HostileRun> {
  const id = randomUUID().slice(0, 8);
  const taskQueue = `hostile-${id}`;
  const traffic = notableTraffic(opts.good, opts.identities);
  const sent = hostileMessages(opts.hostile, opts.huge, id);
  const events = new Map<string, number>();
  // Kafka's default largest message is ~1 MB: the findings topic takes the 10 MB ones.
  const created = await createTestTopics('hostile', ['siem', 'dlq'], 2, {
    maxMessageBytes: 12 * 1024 * 1024,
  });
  const topics = { siem: created.siem!, dlq: created.dlq! };
  const client: Client = await temporalClient();
  const pipeline = await startPipeline({
    taskQueue,
    groupId: taskQueue,
    topics: [topics.siem],
    dlqTopic: topics.dlq,
    lagIntervalMs: 0,
    log: (event) => events.set(event, (events.get(event) ?? 0) + 1),
  });
  try {
    // A hostile message after every good one (or more of them: the hostile ones outnumber the good).
    const good = [...traffic.messages];
    const perGood = Math.max(1, Math.floor(sent.length / Math.max(1, good.length)));
    const mixed: Message[] = [];
    for (let i = 0; i < sent.length; i += perGood) {
      if (good.length) mixed.push(good.shift()!);
      for (const h of sent.slice(i, i + perGood))
        mixed.push({ key: h.key, value: h.value, headers: h.headers });
    }
    mixed.push(...good);
    const isHuge = (m: Message) => Buffer.isBuffer(m.value) && m.value.length >= TEN_MB;
    const started = Date.now();
    await publish(
      topics.siem,
      mixed.filter((m) => !isHuge(m)),
      100,
    );
    await publish(topics.siem, mixed.filter(isHuge), 1);
    opts.log?.(`published ${mixed.length} messages in ${Date.now() - started} ms`);

    const want = new Set(sent.map((h) => h.key));
    const dead = await collect(
      topics.dlq,
      (ms) => new Set(ms.map((m) => m.key?.toString())).size >= want.size,
      opts.timeoutMs,
    );
    const check = await waitForIdentities(client, traffic.expected, opts.timeoutMs);
    await waitUntil(
      'offsets committed',
      async () => (await uncommitted(taskQueue, [topics.siem])) === 0,
      120_000,
    );
    const ms = Date.now() - started;
    const metric = async (name: string) => {
      const text = await pipeline.metrics.registry.getSingleMetricAsString(name);
      return Number(/\} ([\d.e+-]+)$/m.exec(text)?.[1] ?? 0);
    };
    return {
      sent,
      dead,
      check,
      events,
      slowestMessageMs: (await metric('nhi_consumer_slowest_message_seconds')) * 1000,
      overBudget: await metric('nhi_consumer_over_budget_messages_total'),
      budgetMs: messageLimits().budgetMs,
      ms,
    };
  } finally {
    await pipeline.stop();
    await terminateIdentities(client, traffic.expected.keys());
    await client.connection.close();
    await deleteTestTopics(topics).catch(() => {});
  }
}

/** Thread start-up on a loaded machine, added to "the budget plus one retry": a hang guard, not a speed claim. */
const SLACK_MS = 15_000;

export function expectHostileRunClean(run: HostileRun): void {
  // Every good finding reached its identity, once.
  expect(run.check.problems).toEqual([]);
  expect(run.check).toMatchObject({ missing: 0, unexpected: 0, duplicated: 0 });
  expect(run.check.complete).toBe(run.check.identities);
  // Every hostile message is in the DLQ (a multi-record one record by record), each with its reason.
  const byKey = new Map(run.sent.map((h) => [h.key, h]));
  const deadKeys = new Set(run.dead.map((m) => m.key?.toString() ?? ''));
  expect([...byKey.keys()].filter((k) => !deadKeys.has(k))).toEqual([]);
  for (const m of run.dead) {
    const sent = byKey.get(m.key?.toString() ?? '');
    expect(sent, `a dead letter nobody sent: ${m.key}`).toBeDefined();
    const reason = m.headers?.reason?.toString() ?? '';
    const record = m.headers?.['record-line'] !== undefined;
    // A record of a multi-record message carries its position before the reason.
    const own = record ? reason.replace(/^record \d+ of line \d+: /, '') : reason;
    // Its own reason, or the budget's when a loaded machine made it that slow (a reason either way).
    if (!/^message exceeded its time budget of \d+ ms/.test(own))
      expect(own, sent!.kind).toMatch(sent!.reason);
    expect(m.headers?.['source-offset']?.toString()).toMatch(/^\d+$/);
  }
  // Input never crashed or restarted the consumer, nor cost it its partitions: one join, no crash.
  expect(run.events.get('consumer-crash') ?? 0).toBe(0);
  expect(run.events.get('consumer-restart') ?? 0).toBe(0);
  expect(run.events.get('group-joined')).toBe(1);
  // No message held its partition longer than its budget plus one retry (and a thread's start-up).
  expect(run.slowestMessageMs).toBeLessThanOrEqual(2 * run.budgetMs + SLACK_MS);
}

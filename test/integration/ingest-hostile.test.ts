// 1,000 malformed and hostile messages mixed into good traffic: every one of them ends in the DLQ with a reason
// (and no value that could hold a secret in clear), every good finding reaches its identity, and nothing stalls.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Message } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { collect, createTestTopics, deleteTestTopics } from '../support/kafka.ts';

const GOOD = 1_000;
const HOSTILE = 1_000;
const HUGE = 3; // 5 MB messages among the hostile ones
const FIVE_MB = 5 * 1024 * 1024;

const id = randomUUID().slice(0, 8);
let topics: { siem: string; dlq: string };
const taskQueue = `ingest-hostile-${id}`;
const traffic = notableTraffic(GOOD, 100);
let pipeline: RunningPipeline | undefined;
let client: Client;

const notable = (user: string, i: number) =>
  JSON.stringify({
    result: {
      _time: '2026-01-01T00:00:00Z',
      _raw: `1767225600, search_name="Access - Excessive Failed Logins - Rule", user="${user}", event_id="${id}-h${i}"`,
    },
  });

/** Every kind of bad input, round-robin; `stage` says where the consumer must catch it. */
const KINDS: Array<{
  name: string;
  stage: 'decode' | 'temporal';
  make: (i: number) => Omit<Message, 'key'>;
}> = [
  { name: 'bad JSON', stage: 'decode', make: (i) => ({ value: `{"result": {"_raw": "${i}` }) },
  { name: 'wrong shape', stage: 'decode', make: (i) => ({ value: JSON.stringify({ hello: 'world', i }) }) },
  {
    name: 'wrong shape for its header',
    stage: 'decode',
    make: (i) => ({ value: JSON.stringify({ RuleID: i }), headers: { format: 'gitleaks' } }),
  },
  {
    name: 'binary',
    stage: 'decode',
    make: (i) => ({ value: Buffer.from([0xff, 0xfe, 0x00, i % 256, 0x80]) }),
  },
  {
    name: 'unknown format header',
    stage: 'decode',
    make: (i) => ({ value: notable('arn:aws:iam::123456789012:user/x', i), headers: { format: 'nope' } }),
  },
  { name: 'empty value', stage: 'decode', make: () => ({ value: Buffer.alloc(0) }) },
  { name: 'null value', stage: 'decode', make: () => ({ value: null }) },
  { name: 'a JSON scalar', stage: 'decode', make: (i) => ({ value: String(i) }) },
  {
    name: 'deep nesting',
    stage: 'decode',
    make: () => ({ value: `${'['.repeat(5_000)}${']'.repeat(5_000)}` }),
  },
  {
    name: 'a secret in an unreadable record',
    stage: 'decode',
    make: (i) => ({
      value: JSON.stringify({ leaked: `ghp_${String(i).padStart(4, '0')}${'aB3d'.repeat(8)}`, note: 'x' }),
    }),
  },
  {
    name: 'identity key past Temporal limits',
    stage: 'temporal',
    make: (i) => ({
      value: notable(`arn:aws:iam::123456789012:user/${id}-${i}-${'a'.repeat(3_000)}`, i),
      headers: { format: 'splunk-notable' },
    }),
  },
];

function hostileMessages(): Array<Message & { kind: string; stage: string }> {
  const out: Array<Message & { kind: string; stage: string }> = [];
  for (let i = 0; i < HOSTILE - HUGE; i++) {
    const kind = KINDS[i % KINDS.length]!;
    out.push({ key: `hostile-${i}`, ...kind.make(i), kind: kind.name, stage: kind.stage });
  }
  for (let i = HOSTILE - HUGE; i < HOSTILE; i++) {
    // 5 MB of valid-looking JSON: refused by size before anything parses it.
    const value = Buffer.alloc(FIVE_MB, 0x20);
    Buffer.from(notable('arn:aws:iam::123456789012:user/huge', i)).copy(value);
    out.push({ key: `hostile-${i}`, value, kind: '5 MB', stage: 'decode' });
  }
  return out;
}

beforeAll(async () => {
  // Kafka's default largest message is ~1 MB: the findings topic takes the 5 MB ones.
  const created = await createTestTopics('ingest-hostile', ['siem', 'dlq'], 2, {
    maxMessageBytes: 8 * 1024 * 1024,
  });
  topics = { siem: created.siem!, dlq: created.dlq! };
  client = await temporalClient();
});

afterAll(async () => {
  await pipeline?.stop();
  if (client) {
    await terminateIdentities(client, traffic.expected.keys());
    await client.connection.close();
  }
  if (topics) await deleteTestTopics(topics).catch(() => {});
});

describe('hostile input', () => {
  it(`${HOSTILE} bad messages among ${GOOD} good ones: all in the DLQ with a reason, all good findings delivered`, async () => {
    const hostile = hostileMessages();
    // Interleave: a good one between every bad one.
    const mixed: Message[] = [];
    const good = [...traffic.messages];
    for (const bad of hostile) {
      mixed.push(...good.splice(0, 1), { key: bad.key, value: bad.value, headers: bad.headers });
    }
    mixed.push(...good);
    const small = mixed.filter((m) => !(Buffer.isBuffer(m.value) && m.value.length >= FIVE_MB));
    const huge = mixed.filter((m) => Buffer.isBuffer(m.value) && m.value.length >= FIVE_MB);
    await publish(topics.siem, small, 500);
    await publish(topics.siem, huge, 1);

    const started = Date.now();
    pipeline = await startPipeline({
      taskQueue,
      groupId: taskQueue,
      topics: [topics.siem],
      dlqTopic: topics.dlq,
      lagIntervalMs: 0,
    });
    const dead = await collect(topics.dlq, (ms) => ms.length >= HOSTILE, 180_000);
    const check = await waitForIdentities(client, traffic.expected, 180_000);
    await waitUntil(
      'offsets committed',
      async () => (await uncommitted(taskQueue, [topics.siem])) === 0,
      60_000,
    );
    process.stderr.write(
      `[ingest-hostile] all ${HOSTILE} dead letters and ${GOOD} findings in ${Date.now() - started} ms\n`,
    );

    expect(check.problems).toEqual([]);
    expect(check).toMatchObject({ complete: 100, missing: 0, unexpected: 0, duplicated: 0 });

    const byKey = new Map(hostile.map((h) => [h.key as string, h]));
    const keys = dead.map((m) => m.key?.toString() ?? '');
    expect(new Set(keys).size).toBe(HOSTILE);
    expect(new Set(keys)).toEqual(new Set(byKey.keys()));
    for (const m of dead) {
      const h = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, v?.toString()]));
      const sent = byKey.get(m.key!.toString())!;
      expect(h.reason, sent.kind).toBeTruthy();
      expect(h['source-topic']).toBe(topics.siem);
      expect(h['source-offset']).toMatch(/^\d+$/);
      expect(h['dead-lettered-at']).toMatch(/^\d{4}-\d\d-\d\dT/);
      if (sent.stage === 'temporal')
        expect(h.reason).toMatch(
          /^temporal rejected .*WorkflowId (length exceeds limit|exceeds maximum allowed length)/,
        );
      if (sent.kind === '5 MB') {
        expect(h.reason).toMatch(/message too large/);
        expect(m.value).toBeNull();
        expect(h['value-bytes']).toBe(String(FIVE_MB));
      }
      if (sent.kind === 'a secret in an unreadable record') {
        // Sealed with the DLQ key: recoverable by `nhi dlq replay`, not readable from the topic.
        expect(h['value-sealed']).toMatch(/^aes-256-gcm;key=/);
        expect(m.value?.toString('latin1')).not.toContain('ghp_');
      }
    }
    const metrics = await pipeline.metrics.registry.getSingleMetricAsString(
      'nhi_consumer_dlq_messages_total',
    );
    const count = (stage: string) => Number(new RegExp(`stage="${stage}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    expect(count('decode') + count('temporal')).toBe(HOSTILE);
    expect(count('temporal')).toBe(hostile.filter((h) => h.stage === 'temporal').length);
  }, 420_000);
});

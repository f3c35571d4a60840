// 4,000 findings about 200 identities through the real pipeline (Kafka → consumer → Temporal → identity
// workflows, assessed against moto): every identity holds exactly its findings, and the group has committed
// everything it read.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafka, temporalClient } from '../../runtime/connections.ts';
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

// The rate at scale is `nhi bench ingest`'s to measure; this proves nothing is lost or doubled on the way.
const FINDINGS = 4_000;
const IDENTITIES = 200;

let topics: Record<string, string>;
let pipeline: RunningPipeline | undefined;
let client: Client;
const traffic = notableTraffic(FINDINGS, IDENTITIES);
const taskQueue = `ingest-throughput-${randomUUID().slice(0, 8)}`;
const report = (line: string) => process.stderr.write(`[ingest-throughput] ${line}\n`);

beforeAll(async () => {
  topics = await createTestTopics('ingest-tp', ['siem', 'dlq', 'events'], 4);
  client = await temporalClient();
});

afterAll(async () => {
  await pipeline?.stop();
  if (client) {
    await terminateIdentities(client, traffic.expected.keys());
    await client.connection.close();
  }
  if (topics) await deleteTestTopics(topics);
});

describe('ingest throughput', () => {
  it(`${FINDINGS} findings over ${IDENTITIES} identities: each workflow holds exactly its findings, offsets committed`, async () => {
    await publish(topics.siem!, traffic.messages);
    const start = Date.now();
    pipeline = await startPipeline({
      taskQueue,
      groupId: taskQueue,
      topics: [topics.siem!],
      dlqTopic: topics.dlq,
      eventsTopic: topics.events,
      lagIntervalMs: 0,
    });
    const started = Date.now();
    await waitUntil(
      'all offsets committed',
      async () => (await uncommitted(taskQueue, [topics.siem!])) === 0,
      180_000,
    );
    const handedOff = Date.now();
    const check = await waitForIdentities(client, traffic.expected, 180_000);
    const settled = Date.now();

    // Each identity.assessed event is one assessIdentity activity (AWS reads against moto): the workflows' load.
    const admin = kafka('nhi-test-admin').admin();
    await admin.connect();
    const events = (await admin.fetchTopicOffsets(topics.events!)).reduce((n, p) => n + Number(p.high), 0);
    await admin.disconnect();
    const signals = await pipeline.metrics.registry.getSingleMetricAsString('nhi_consumer_signals_total');
    const metrics = await pipeline.metrics.registry.getSingleMetricAsString('nhi_consumer_findings_total');
    const consumed = Number(/nhi_consumer_findings_total\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0);
    report(
      `startup ${started - start} ms; consumed+handed off+committed in ${handedOff - started} ms ` +
        `(${Math.round(FINDINGS / ((handedOff - started) / 1000))} findings/s); all ${IDENTITIES} identity ` +
        `workflows complete after ${settled - started} ms (${Math.round(FINDINGS / ((settled - started) / 1000))} findings/s end to end); ` +
        `${/ (\d+)$/m.exec(signals)?.[1]} signals, ${events} enforcement events (≈ assessIdentity runs)`,
    );
    expect(check.problems).toEqual([]);
    expect(check).toMatchObject({ complete: IDENTITIES, missing: 0, unexpected: 0, duplicated: 0 });
    expect(consumed).toBeGreaterThanOrEqual(FINDINGS);
    expect(await uncommitted(taskQueue, [topics.siem!])).toBe(0);
  }, 400_000);
});

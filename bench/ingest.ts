// Ingest throughput on the real local stack, in one run on one topic: a bare kafkajs consumer (fetch + commit,
// nothing else) against the full ingest path (decode/normalise → DLQ → signal-with-start → commit), and where
// the full path's time goes. Private topics, groups and task queue; cleaned up afterwards.
import { randomUUID } from 'node:crypto';
import { awsClients } from '../activities/aws/clients.ts';
import { createActivities } from '../activities/index.ts';
import { runFindingsConsumer, type StepStats } from '../consumers/findings-consumer.ts';
import { kafka, temporalClient, temporalWorkerConnection } from '../runtime/connections.ts';
import { CONSUMER_FETCH } from '../runtime/pipeline.ts';
import { createWorker } from '../runtime/worker.ts';
import { identityWorkflowId } from '../workflows/identity/definitions.ts';
import { notableTraffic } from './traffic.ts';

export interface IngestBenchOptions {
  findings: number;
  identities: number;
  partitions: number;
  stepSize?: number;
  /** Run a Temporal worker in this process (the identity workflows compete for the same CPU, as in `nhi run`). */
  worker: boolean;
  onProgress?: (line: string) => void;
}

export interface IngestBenchResult {
  findings: number;
  identities: number;
  partitions: number;
  stepSize: number | undefined;
  worker: boolean;
  raw: { ms: number; findingsPerSec: number };
  ingest: { ms: number; findingsPerSec: number; signals: number; steps: number };
  /** ingest throughput / raw throughput. */
  ratio: number;
  /** Time summed over steps (partitions run concurrently, so the sum can exceed the wall time). */
  breakdown: { decodeMs: number; handoffMs: number; dlqMs: number; commitMs: number };
  /** Shares of the step time, 0..1. */
  shares: { decode: number; handoff: number; dlq: number; commit: number };
}

async function timeRawConsume(topic: string, total: number): Promise<number> {
  const consumer = kafka('nhi-bench-raw').consumer({
    groupId: `bench-raw-${randomUUID()}`,
    ...CONSUMER_FETCH,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  const start = performance.now();
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 4,
    eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }) => {
      const last = batch.messages.at(-1);
      if (!last) return;
      seen += batch.messages.length;
      resolveOffset(last.offset);
      await commitOffsetsIfNecessary({
        topics: [
          {
            topic: batch.topic,
            partitions: [{ partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() }],
          },
        ],
      });
      await heartbeat();
      if (seen >= total) resolveDone();
    },
  });
  await done;
  const ms = performance.now() - start;
  await consumer.disconnect();
  return ms;
}

export async function benchIngest(opts: IngestBenchOptions): Promise<IngestBenchResult> {
  const say = opts.onProgress ?? (() => {});
  const id = randomUUID().slice(0, 8);
  const topic = `bench.ingest.${id}`;
  const dlq = `bench.ingest.dlq.${id}`;
  const events = `bench.ingest.events.${id}`;
  const taskQueue = `bench-ingest-${id}`;
  const broker = kafka('nhi-bench');
  const admin = broker.admin();
  await admin.connect();
  const traffic = notableTraffic(opts.findings, opts.identities, id);
  const temporal = await temporalClient();
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: opts.partitions, replicationFactor: 1 },
        { topic: dlq, numPartitions: 1, replicationFactor: 1 },
        { topic: events, numPartitions: 1, replicationFactor: 1 },
      ],
    });
    cleanups.push(() => admin.deleteTopics({ topics: [topic, dlq, events] }));
    const producer = broker.producer({ idempotent: true });
    await producer.connect();
    cleanups.unshift(() => producer.disconnect());
    say(
      `publishing ${opts.findings} findings about ${opts.identities} identities to ${opts.partitions} partitions`,
    );
    for (let i = 0; i < traffic.messages.length; i += 1_000)
      await producer.send({ topic, acks: -1, messages: traffic.messages.slice(i, i + 1_000) });

    say('raw kafkajs consume');
    const rawMs = await timeRawConsume(topic, opts.findings);

    if (opts.worker) {
      const connection = await temporalWorkerConnection();
      const worker = await createWorker(
        connection,
        createActivities({ aws: awsClients(), producer, eventsTopic: events }),
        taskQueue,
      );
      const running = worker.run();
      cleanups.unshift(async () => {
        worker.shutdown();
        await running.catch(() => {});
        await connection.close();
      });
    }
    cleanups.unshift(() =>
      Promise.all(
        [...traffic.expected.keys()].map((key) =>
          temporal.workflow
            .getHandle(identityWorkflowId(key))
            .terminate('bench finished')
            .catch(() => undefined),
        ),
      ),
    );

    say(`full ingest path${opts.worker ? ' (worker in this process)' : ' (no worker)'}`);
    const steps: StepStats[] = [];
    let seen = 0;
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((r) => (resolveDone = r));
    const consumer = broker.consumer({ groupId: `bench-ingest-${id}`, ...CONSUMER_FETCH });
    const start = performance.now();
    await runFindingsConsumer({
      consumer,
      producer,
      temporal,
      taskQueue,
      topics: [topic],
      dlqTopic: dlq,
      stepSize: opts.stepSize,
      observer: {
        step: (s) => {
          steps.push(s);
          seen += s.messages;
          if (seen >= opts.findings) resolveDone();
        },
      },
    });
    await done;
    const ingestMs = performance.now() - start;
    await consumer.disconnect();

    const sum = (k: 'decodeMs' | 'handoffMs' | 'dlqMs' | 'commitMs') => steps.reduce((n, s) => n + s[k], 0);
    const breakdown = {
      decodeMs: sum('decodeMs'),
      handoffMs: sum('handoffMs'),
      dlqMs: sum('dlqMs'),
      commitMs: sum('commitMs'),
    };
    const total = breakdown.decodeMs + breakdown.handoffMs + breakdown.dlqMs + breakdown.commitMs || 1;
    const raw = { ms: rawMs, findingsPerSec: opts.findings / (rawMs / 1000) };
    const ingest = {
      ms: ingestMs,
      findingsPerSec: opts.findings / (ingestMs / 1000),
      signals: steps.reduce((n, s) => n + s.signals, 0),
      steps: steps.length,
    };
    return {
      findings: opts.findings,
      identities: opts.identities,
      partitions: opts.partitions,
      stepSize: opts.stepSize,
      worker: opts.worker,
      raw,
      ingest,
      ratio: ingest.findingsPerSec / raw.findingsPerSec,
      breakdown,
      shares: {
        decode: breakdown.decodeMs / total,
        handoff: breakdown.handoffMs / total,
        dlq: breakdown.dlqMs / total,
        commit: breakdown.commitMs / total,
      },
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => {});
    await admin.disconnect();
    await temporal.connection.close();
  }
}

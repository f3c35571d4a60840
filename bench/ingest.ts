// Ingest throughput on the real local stack, in one run on one topic: a bare kafkajs consumer (fetch + commit,
// nothing else) against the full ingest path (decode/normalise → DLQ → signal-with-start → commit), and where
// the full path's time goes. Private topics, groups and task queue; cleaned up afterwards.
import { randomUUID } from 'node:crypto';
import { awsClients } from '../activities/aws/clients.ts';
import { createActivities } from '../activities/index.ts';
import {
  type ConsumerDeps,
  runFindingsConsumer,
  type StepStats,
  withChangeDetection,
} from '../consumers/findings-consumer.ts';
import { kafka, temporalClient, temporalWorkerConnection } from '../runtime/connections.ts';
import { CONSUMER_FETCH } from '../runtime/pipeline.ts';
import { createWorker } from '../runtime/worker.ts';
import { identityWorkflowId } from '../workflows/identity/definitions.ts';
import { type LatencyProbe, percentile, probeEnforcement } from './enforcement-latency.ts';
import { medianPhases, type ProbePhases, probePhases } from './probe-phases.ts';
import { notableTraffic } from './traffic.ts';

export interface IngestBenchOptions {
  findings: number;
  identities: number;
  partitions: number;
  stepSize?: number;
  /** Run a Temporal worker in this process (the identity workflows compete for the same CPU, as in `nhi run`). */
  worker: boolean;
  /** Share of findings that repeat an earlier one with only volatile fields changed (default 0). */
  repeatRatio?: number;
  /** Change detection and coalescing in the consumer (default on, as in `nhi run`). */
  changeDetection?: boolean;
  /** Finding → enforcement probes during the run (needs the worker; default 0). */
  probes?: number;
  /** Signals in flight to Temporal at once (default the coalescer's, 16). */
  signalsInFlight?: number;
  /** Pause between probes (default 2 s). */
  probeEveryMs?: number;
  onProgress?: (line: string) => void;
}

export interface LatencySummary {
  n: number;
  p50?: number;
  p99?: number;
  max?: number;
}

export interface IngestBenchResult {
  findings: number;
  identities: number;
  partitions: number;
  stepSize: number | undefined;
  worker: boolean;
  raw: { ms: number; findingsPerSec: number };
  ingest: {
    ms: number;
    findingsPerSec: number;
    /** Signals Temporal accepted (coalesced), and per finding / per second of the run. */
    signals: number;
    signalsPerFinding: number;
    signalsPerSec: number;
    /** Findings the digest held back as repeats. */
    repeats: number;
    steps: number;
  };
  repeatRatio: number;
  /** Distinct findings in the traffic (the rest are repeats). */
  distinct: number;
  changeDetection: boolean;
  /** ingest throughput / raw throughput. */
  ratio: number;
  /** Peak of this process (consumer + worker when in process) while ingesting. */
  memory: { peakRssMb: number; peakHeapMb: number; digestEntries: number };
  /** Produce → key Inactive in the emulator, ms: while the bulk load ran, and after it (idle). */
  latency: {
    underLoad: LatencySummary;
    idle: LatencySummary;
    /** Median of each phase (bench/probe-phases.ts), under load and idle. */
    phases: { underLoad: ProbePhases | undefined; idle: ProbePhases | undefined };
    failures: string[];
  };
  /** Time summed over steps (partitions run concurrently, so the sum can exceed the wall time). */
  breakdown: { decodeMs: number; handoffMs: number; dlqMs: number; digestMs: number; commitMs: number };
  /** Shares of the step time, 0..1. */
  shares: { decode: number; handoff: number; dlq: number; digest: number; commit: number };
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
  const digestTopic = `bench.ingest.digest.${id}`;
  const changeDetection = opts.changeDetection ?? true;
  const traffic = notableTraffic(opts.findings, opts.identities, id, { repeatRatio: opts.repeatRatio ?? 0 });
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
    cleanups.push(() => admin.deleteTopics({ topics: [topic, dlq, events, digestTopic] }));
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

    say(
      `full ingest path${opts.worker ? ' (worker in this process)' : ' (no worker)'}${changeDetection ? ', change detection on' : ''}`,
    );
    const steps: StepStats[] = [];
    let seen = 0;
    let probesSent = 0;
    let temporalSignals = 0;
    let resolveDone: () => void = () => {};
    const done = new Promise<void>((r) => (resolveDone = r));
    const consumer = broker.consumer({ groupId: `bench-ingest-${id}`, ...CONSUMER_FETCH });
    const memory = { peakRssMb: 0, peakHeapMb: 0 };
    const sampleMemory = () => {
      const m = process.memoryUsage();
      memory.peakRssMb = Math.max(memory.peakRssMb, m.rss / 2 ** 20);
      memory.peakHeapMb = Math.max(memory.peakHeapMb, m.heapUsed / 2 ** 20);
    };
    const sampler = setInterval(sampleMemory, 250);
    let loadRunning = true;
    const base: ConsumerDeps = {
      consumer,
      producer,
      temporal,
      taskQueue,
      topics: [topic],
      dlqTopic: dlq,
      stepSize: opts.stepSize,
      observer: {
        signalled: () => {
          temporalSignals++;
        },
        step: (s) => {
          steps.push(s);
          seen += s.messages;
          if (seen >= opts.findings + probesSent) resolveDone();
        },
      },
    };
    const deps = changeDetection
      ? withChangeDetection(base, {
          kafka: broker,
          digestTopic,
          coalescing: opts.signalsInFlight ? { parallel: opts.signalsInFlight } : {},
        })
      : base;
    const start = performance.now();
    await runFindingsConsumer(deps);
    const probes: LatencyProbe[] = [];
    const failures: string[] = [];
    const probing = (async () => {
      if (!opts.worker || !opts.probes) return;
      const aws = awsClients();
      for (let i = 0; i < opts.probes; i++) {
        try {
          probesSent++;
          probes.push(await probeEnforcement({ aws, producer, topic, loadRunning: () => loadRunning }));
        } catch (error) {
          failures.push((error as Error).message);
        }
        await new Promise((r) => setTimeout(r, opts.probeEveryMs ?? 2_000));
      }
    })();
    await done;
    const ingestMs = performance.now() - start;
    loadRunning = false;
    say('ingested; waiting for the remaining latency probes');
    await probing;
    const phases = await Promise.all(
      probes.map(async (p) => ({
        underLoad: p.underLoad,
        phases: await probePhases(temporal, p.identities, p.producedAt, p.inactiveAt),
      })),
    );
    clearInterval(sampler);
    sampleMemory();
    const digestEntries = deps.digest?.memory.entries() ?? 0;
    await consumer.disconnect();
    cleanups.unshift(() =>
      Promise.all(
        probes.flatMap((p) =>
          p.identities.map((key) =>
            temporal.workflow
              .getHandle(identityWorkflowId(key))
              .terminate('bench finished')
              .catch(() => undefined),
          ),
        ),
      ),
    );
    const summary = (ms: number[]): LatencySummary => ({
      n: ms.length,
      p50: percentile(ms, 50),
      p99: percentile(ms, 99),
      max: ms.length ? Math.max(...ms) : undefined,
    });

    const sum = (k: 'decodeMs' | 'handoffMs' | 'dlqMs' | 'commitMs' | 'digestMs') =>
      steps.reduce((n, s) => n + s[k], 0);
    const breakdown = {
      decodeMs: sum('decodeMs'),
      handoffMs: sum('handoffMs'),
      dlqMs: sum('dlqMs'),
      digestMs: sum('digestMs'),
      commitMs: sum('commitMs'),
    };
    const total =
      breakdown.decodeMs + breakdown.handoffMs + breakdown.dlqMs + breakdown.digestMs + breakdown.commitMs ||
      1;
    const raw = { ms: rawMs, findingsPerSec: opts.findings / (rawMs / 1000) };
    const ingest = {
      ms: ingestMs,
      findingsPerSec: opts.findings / (ingestMs / 1000),
      signals: temporalSignals,
      signalsPerFinding: temporalSignals / opts.findings,
      signalsPerSec: temporalSignals / (ingestMs / 1000),
      repeats: steps.reduce((n, s) => n + s.repeats, 0),
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
      repeatRatio: opts.repeatRatio ?? 0,
      distinct: traffic.distinct,
      changeDetection,
      ratio: ingest.findingsPerSec / raw.findingsPerSec,
      memory: { ...memory, digestEntries },
      latency: {
        underLoad: summary(probes.filter((p) => p.underLoad).map((p) => p.ms)),
        idle: summary(probes.filter((p) => !p.underLoad).map((p) => p.ms)),
        phases: {
          underLoad: medianPhases(phases.filter((p) => p.underLoad).flatMap((p) => p.phases ?? [])),
          idle: medianPhases(phases.filter((p) => !p.underLoad).flatMap((p) => p.phases ?? [])),
        },
        failures,
      },
      breakdown,
      shares: {
        decode: breakdown.decodeMs / total,
        handoff: breakdown.handoffMs / total,
        dlq: breakdown.dlqMs / total,
        digest: breakdown.digestMs / total,
        commit: breakdown.commitMs / total,
      },
    };
  } finally {
    for (const cleanup of cleanups) await cleanup().catch(() => {});
    await admin.disconnect();
    await temporal.connection.close();
  }
}

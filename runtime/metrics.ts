// Prometheus metrics of a running pipeline: what the findings consumer took in, handed off and dead-lettered,
// how long handoffs take, how far behind it is. One registry per pipeline (tests build as many as they like).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ConsumerObserver } from '../consumers/findings-consumer.ts';
import type { Readiness } from './health.ts';
import type { PartitionLag } from './lag.ts';

export interface PipelineMetrics {
  registry: Registry;
  /** Feeds the consumer's counters and histograms. */
  observer: ConsumerObserver;
  /** Replaces the lag gauges with a fresh sample. */
  recordLag(sample: PartitionLag[]): void;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export function createPipelineMetrics(
  opts: { defaultMetrics?: boolean; labels?: Record<string, string> } = {},
) {
  const registry = new Registry();
  if (opts.labels) registry.setDefaultLabels(opts.labels);
  if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'nhi_' });

  const messages = new Counter({
    name: 'nhi_consumer_messages_total',
    help: 'Kafka messages the findings consumer took in (committed steps), by source topic',
    labelNames: ['topic'],
    registers: [registry],
  });
  const findings = new Counter({
    name: 'nhi_consumer_findings_total',
    help: 'Canonical findings handed to identity workflows in Temporal, by source topic',
    labelNames: ['topic'],
    registers: [registry],
  });
  const signals = new Counter({
    name: 'nhi_consumer_signals_total',
    help: "Signal-with-start calls Temporal accepted (an identity's new and changed findings, coalesced)",
    registers: [registry],
  });
  const repeats = new Counter({
    name: 'nhi_consumer_repeats_total',
    help: 'Findings not signalled because their identity workflow already holds them unchanged, by source topic',
    labelNames: ['topic'],
    registers: [registry],
  });
  const noIdentity = new Counter({
    name: 'nhi_consumer_no_identity_findings_total',
    help: 'Findings that named no identity (no workflow holds them; each is an ingest.no-identity event), by source topic',
    labelNames: ['topic'],
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: 'nhi_consumer_dlq_messages_total',
    help: 'Messages sent to the DLQ, by source topic and stage (decode: unreadable or invalid; temporal: refused)',
    labelNames: ['topic', 'stage'],
    registers: [registry],
  });
  const handoff = new Histogram({
    name: 'nhi_consumer_handoff_seconds',
    help: 'Time to hand one step of findings to Temporal, retries while Temporal is away included',
    buckets: SECONDS,
    registers: [registry],
  });
  const decode = new Histogram({
    name: 'nhi_consumer_decode_seconds',
    help: 'Time to decode and normalise one step of messages',
    buckets: SECONDS,
    registers: [registry],
  });
  const commit = new Histogram({
    name: 'nhi_consumer_commit_seconds',
    help: 'Time to commit one step of offsets',
    buckets: SECONDS,
    registers: [registry],
  });
  const slowest = new Gauge({
    name: 'nhi_consumer_slowest_message_seconds',
    help: 'The longest one message took to decode since the start (its hold on its partition), by source topic',
    labelNames: ['topic'],
    registers: [registry],
  });
  const overBudget = new Counter({
    name: 'nhi_consumer_over_budget_messages_total',
    help: 'Messages dead-lettered because they exceeded their time budget (policy limits.messageBudgetMs)',
    labelNames: ['topic'],
    registers: [registry],
  });
  const slowestSeen = new Map<string, number>();
  const retries = new Counter({
    name: 'nhi_consumer_handoff_retries_total',
    help: 'Handoff attempts that failed and were retried after a pause, by cause (unavailable, config)',
    labelNames: ['class'],
    registers: [registry],
  });
  const paused = new Gauge({
    name: 'nhi_consumer_paused_partitions',
    help: 'Partitions paused while their findings wait for Temporal',
    registers: [registry],
  });
  const lag = new Gauge({
    name: 'nhi_consumer_lag',
    help: 'Messages not yet committed by the consumer group (end offset - committed offset), sampled',
    labelNames: ['topic', 'partition'],
    registers: [registry],
  });
  const lagSampled = new Gauge({
    name: 'nhi_consumer_lag_sampled_timestamp_seconds',
    help: 'When nhi_consumer_lag was last sampled (Unix time)',
    registers: [registry],
  });

  const pausedNow = new Set<string>();
  const observer: ConsumerObserver = {
    step(s) {
      messages.inc({ topic: s.topic }, s.messages);
      findings.inc({ topic: s.topic }, s.findings);
      if (s.repeats) repeats.inc({ topic: s.topic }, s.repeats);
      if (s.noIdentity) noIdentity.inc({ topic: s.topic }, s.noIdentity);
      if (s.deadLetters.decode) deadLetters.inc({ topic: s.topic, stage: 'decode' }, s.deadLetters.decode);
      if (s.deadLetters.temporal)
        deadLetters.inc({ topic: s.topic, stage: 'temporal' }, s.deadLetters.temporal);
      handoff.observe(s.handoffMs / 1000);
      decode.observe(s.decodeMs / 1000);
      commit.observe(s.commitMs / 1000);
      if (s.overBudget) overBudget.inc({ topic: s.topic }, s.overBudget);
      if (s.slowestMessageMs > (slowestSeen.get(s.topic) ?? -1)) {
        slowestSeen.set(s.topic, s.slowestMessageMs);
        slowest.set({ topic: s.topic }, s.slowestMessageMs / 1000);
      }
    },
    signalled() {
      signals.inc();
    },
    retry(errorClass) {
      retries.inc({ class: errorClass });
    },
    paused(topic, partition, isPaused) {
      const key = `${topic}|${partition}`;
      if (isPaused) pausedNow.add(key);
      else pausedNow.delete(key);
      paused.set(pausedNow.size);
    },
  };

  return {
    registry,
    observer,
    recordLag(sample) {
      lag.reset();
      for (const p of sample) lag.set({ topic: p.topic, partition: String(p.partition) }, p.lag);
      lagSampled.set(Date.now() / 1000);
    },
  } satisfies PipelineMetrics;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

export interface ServeOptions {
  /** Answers GET /readyz (200, or 503 with the reasons); without it /readyz answers like /livez. */
  readiness?: Readiness;
  /** More exposition text appended to /metrics (the Temporal SDK's own exporter, fetched on each scrape). */
  more?: () => Promise<string>;
}

/**
 * GET /metrics, GET /livez and GET /readyz on host:port (default 127.0.0.1; port 0 = any free port, the bound one
 * is returned). A pod's probes and Prometheus reach it only on a non-loopback host (NHI_METRICS_HOST=0.0.0.0).
 */
export async function serveMetrics(
  registry: Registry,
  port: number,
  host = '127.0.0.1',
  opts: ServeOptions = {},
): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = req.method === 'GET' ? new URL(req.url ?? '/', 'http://metrics').pathname : undefined;
    if (path === '/livez') return void res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
    if (path === '/readyz') {
      const problems = opts.readiness?.problems() ?? [];
      res.writeHead(problems.length ? 503 : 200, { 'content-type': 'text/plain' });
      return void res.end(problems.length ? `${problems.join('\n')}\n` : 'ok\n');
    }
    if (path !== '/metrics' && path !== '/') {
      res.writeHead(404).end('not found: GET /metrics, /livez or /readyz\n');
      return;
    }
    Promise.all([registry.metrics(), opts.more?.() ?? '']).then(
      ([text, more]) =>
        res.writeHead(200, { 'content-type': registry.contentType }).end(more ? `${text}\n${more}` : text),
      (error) => res.writeHead(500).end(`${(error as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

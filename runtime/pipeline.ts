// The whole pipeline in one process (the local default): findings consumer + Temporal worker. Production runs
// the two roles as separate processes (`nhi run consumer`, `nhi run worker`) and scales each on its own.

import { awsClients } from '../activities/aws/clients.ts';
import { createActivities } from '../activities/index.ts';
import { checkPolicyFile, createPolicySource, policyPath } from '../activities/policy-source.ts';
import {
  type ConsumerDeps,
  drainConsumer,
  FINDINGS_TOPICS,
  runFindingsConsumer,
  withChangeDetection,
} from '../consumers/findings-consumer.ts';
import { temporalRescan } from '../consumers/rescan-report.ts';
import { temporalIdentityExists } from '../consumers/rotated-secrets.ts';
import { PolicyError } from '../schemas/policy.ts';
import { TASK_QUEUE } from '../workflows/identity/definitions.ts';
import { kafka, temporalClient, temporalWorkerConnection } from './connections.ts';
import { startControlSampler } from './control-sampler.ts';
import { createReadiness } from './health.ts';
import { startLagSampler } from './lag.ts';
import { type Log, silentLog } from './log.ts';
import { createPipelineMetrics, type PipelineMetrics, serveMetrics } from './metrics.ts';
import { installSdkMetrics } from './sdk-metrics.ts';
import { serviceKeys } from './service-keys.ts';
import { TransportConfigError } from './transport.ts';
import { createWorker } from './worker.ts';
import { createWorkerMetrics } from './worker-metrics.ts';

export type Role = 'all' | 'consumer' | 'worker';

export const DEFAULT_GROUP_ID = 'nhi-enforce-findings';

export interface RunningPipeline {
  stop(): Promise<void>;
  /** Resolves when a role stops by itself, rejects when it crashes; the caller decides to exit. */
  done: Promise<void>;
  metrics: PipelineMetrics;
  /** The port /metrics is served on, when asked for. */
  metricsPort?: number;
}

export interface PipelineOptions {
  role?: Role;
  groupId?: string;
  log?: Log;
  onFindings?: (n: number) => void;
  /** Overrides for isolation (tests, side-by-side deployments); defaults are the contract's names. */
  taskQueue?: string;
  topics?: string[];
  dlqTopic?: string;
  eventsTopic?: string;
  /** Serve GET /metrics, /livez and /readyz on port (0 = any free port); undefined = no server. */
  metricsPort?: number;
  /** The address that server binds (default 127.0.0.1; 0.0.0.0 in a pod, for its probes and Prometheus). */
  metricsHost?: string;
  /** Consumer lag sampling period (default 15 s; 0 = off). */
  lagIntervalMs?: number;
  /** Messages per handoff step (default DEFAULT_STEP). */
  stepSize?: number;
  partitionsConsumedConcurrently?: number;
  /**
   * Kafka group session timeout (default 30 s): how long a member that died without leaving (SIGKILL, power
   * loss) holds its partitions before the group gives them to a live member.
   */
  sessionTimeoutMs?: number;
  /** The enforcement policy (default NHI_POLICY_FILE, else policies/default.yaml). */
  policyFile?: string;
  /** Repeats stop at the consumer and findings are coalesced per identity (default on). */
  changeDetection?: boolean;
  /** Compacted topic of the digest (default topics.digest). */
  digestTopic?: string;
  /** Digest entries kept in memory per input partition (default 200,000). */
  digestCapPerPartition?: number;
  /** How long an identity's findings wait for more before one signal carries them (default 250 ms). */
  coalesceWindowMs?: number;
  /** Findings read ahead of Temporal (signalled, their steps not committed yet; default 50,000; 0: a batch waits
   * for its steps). A stop waits for them (up to DRAIN_MS), a crash re-signals at most them. */
  readAhead?: number;
}

/**
 * Findings records are kilobytes, but a hostile 5 MB message must still be fetched (and dead-lettered). Large
 * fetches also give the coalescer more of an identity's findings at once (steps of one batch overlap).
 */
export const CONSUMER_FETCH = { maxBytesPerPartition: 8 * 1024 * 1024, maxBytes: 32 * 1024 * 1024 };

/** How long a stop waits for the findings read ahead to be accepted and committed (the rest is redelivered). */
export const DRAIN_MS = 20_000;

/** The policy file, checked as `nhi policy check` does; a process never starts on one it would misread. */
function checkedPolicy(file: string): Extract<ReturnType<typeof checkPolicyFile>, { ok: true }> {
  const checked = checkPolicyFile(file);
  if (!checked.ok) {
    const more =
      checked.errors.length > 1 ? ` (and ${checked.errors.length - 1} more: nhi policy check ${file})` : '';
    throw new PolicyError(`invalid policy: ${checked.errors[0]}${more}`);
  }
  return checked;
}

function requireServiceKeys(role: 'all' | 'consumer' | 'worker'): void {
  const keys = serviceKeys();
  const needed = role === 'all' ? (['consumer', 'worker'] as const) : ([role] as const);
  for (const service of needed)
    if (!keys.secret[service])
      throw new TransportConfigError(
        `the ${role} role needs the '${service}' service key: set NHI_SERVICE_KEYS=${service}:HEX (${keys.source} has none)`,
      );
}

export async function startPipeline(opts: PipelineOptions = {}): Promise<RunningPipeline> {
  const role = opts.role ?? 'all';
  const log = opts.log ?? silentLog;
  const stops: Array<() => Promise<void>> = [];
  const running: Promise<unknown>[] = [];
  const broker = kafka();
  const metrics = createPipelineMetrics();
  const workerMetrics = role !== 'consumer' ? createWorkerMetrics(metrics.registry) : undefined;
  const readiness = createReadiness();
  let stopRequested = false;
  readiness.check('process', () => (stopRequested ? 'stopping' : undefined));
  let metricsPort: number | undefined;

  try {
    // The service keys this role seals its messages with: a missing one refuses to start (one line), rather than
    // every message being refused later by the workflows (runtime/service-keys.ts).
    requireServiceKeys(role);
    if (opts.metricsPort !== undefined) {
      // The SDK's Runtime takes its exporter before the worker's first connection: install it first.
      const sdkMetrics = role !== 'consumer' ? await installSdkMetrics() : undefined;
      const host = opts.metricsHost ?? '127.0.0.1';
      const server = await serveMetrics(metrics.registry, opts.metricsPort, host, {
        readiness,
        ...(sdkMetrics ? { more: sdkMetrics } : {}),
      });
      metricsPort = server.port;
      stops.push(() => server.close());
      log('metrics-listening', { address: `http://${host}:${server.port}/metrics` });
    }

    if (role !== 'consumer') {
      // A worker never starts on a policy it would misread: syntax, schema or meaning (nhi policy check).
      const file = opts.policyFile ?? policyPath();
      const checked = checkedPolicy(file);
      log('policy-loaded', { file, hash: checked.policy.hash, rules: checked.policy.policy.rules.length });
      // Re-read at each use: a change applies without a restart; a change that breaks it is logged, the last
      // valid policy stays in force.
      const policy = createPolicySource({
        path: file,
        onInvalid: (errors, kept) => log('policy-invalid', { file, errors, keptHash: kept.hash }),
      });
      readiness.check('worker', () => 'starting');
      const producer = broker.producer({ idempotent: true });
      await producer.connect();
      const connection = await temporalWorkerConnection();
      const worker = await createWorker(
        connection,
        createActivities({
          aws: awsClients(),
          producer: workerMetrics?.countEvents(producer) ?? producer,
          eventsTopic: opts.eventsTopic,
          policy,
        }),
        opts.taskQueue,
      );
      const run = worker.run();
      running.push(run);
      readiness.check('worker', () => {
        const state = worker.getState();
        return state === 'RUNNING' ? undefined : `worker ${state.toLowerCase()}`;
      });
      // The brakes, sampled for the gauges (paused, breaker open, held) at the lag's pace, when they are served.
      const sampleEvery = opts.lagIntervalMs ?? 15_000;
      if (workerMetrics && sampleEvery > 0 && metricsPort !== undefined) {
        const client = await temporalClient({ maxAttempts: 3 });
        const sampler = startControlSampler({
          client,
          taskQueue: worker.options.taskQueue,
          intervalMs: sampleEvery,
          onSample: workerMetrics.recordControl,
          onError: (error) => log('control-sample-failed', { error: error.message }),
        });
        stops.unshift(async () => {
          await sampler.stop();
          await client.connection.close();
        });
      }
      stops.unshift(async () => {
        // Only a running worker can be asked to stop; one that stopped by itself (crash) just gets closed.
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await run.catch(() => {});
        await connection.close();
        await producer.disconnect();
      });
      log('worker-started', { taskQueue: worker.options.taskQueue });
    }

    if (role !== 'worker') {
      const groupId = opts.groupId ?? DEFAULT_GROUP_ID;
      const topics = opts.topics ?? FINDINGS_TOPICS;
      const consumer = broker.consumer({
        groupId,
        sessionTimeout: opts.sessionTimeoutMs ?? 30_000,
        heartbeatInterval: Math.min(3_000, Math.floor((opts.sessionTimeoutMs ?? 30_000) / 3)),
        ...CONSUMER_FETCH,
        // A retriable crash is always restarted (from the committed offset); runFindingsConsumer restarts the rest.
        retry: {
          retries: 8,
          initialRetryTime: 200,
          restartOnFailure: async (error) => {
            log('consumer-restart-on-failure', { error: error.message });
            return true;
          },
        },
      });
      const producer = broker.producer({ idempotent: true });
      await producer.connect();
      readiness.check('consumer', () => 'starting');
      const temporal = await temporalClient({ maxAttempts: 3 });
      const observer = metrics.observer;
      const base: ConsumerDeps = {
        consumer,
        producer,
        temporal,
        log,
        observer: {
          ...observer,
          step: (s) => {
            observer.step?.(s);
            opts.onFindings?.(s.findings);
          },
        },
        taskQueue: opts.taskQueue,
        topics,
        dlqTopic: opts.dlqTopic,
        eventsTopic: opts.eventsTopic,
        stepSize: opts.stepSize,
        partitionsConsumedConcurrently: opts.partitionsConsumedConcurrently,
        identityExists: temporalIdentityExists(temporal),
        rescan: temporalRescan(temporal, opts.taskQueue ?? TASK_QUEUE),
        // The policy's caps per message, read at start (NHI_MAX_*_PER_MESSAGE override them, read per batch).
        limits: checkedPolicy(opts.policyFile ?? policyPath()).policy.policy.limits,
      };
      const deps =
        opts.changeDetection === false
          ? base
          : withChangeDetection(base, {
              kafka: broker,
              digestTopic: opts.digestTopic,
              memory: opts.digestCapPerPartition ? { capPerPartition: opts.digestCapPerPartition } : {},
              coalescing: opts.coalesceWindowMs !== undefined ? { windowMs: opts.coalesceWindowMs } : {},
              lanes:
                opts.readAhead === 0
                  ? false
                  : opts.readAhead !== undefined
                    ? { maxPendingFindings: opts.readAhead }
                    : {},
            });
      const runningConsumer = await runFindingsConsumer(deps);
      // A crash is restarted, never fatal (runFindingsConsumer): once running, the consumer is ready.
      readiness.check('consumer', () => undefined);
      const lagEvery = opts.lagIntervalMs ?? 15_000;
      const sampler =
        lagEvery > 0
          ? startLagSampler({
              kafka: broker,
              groupId,
              topics,
              intervalMs: lagEvery,
              onSample: metrics.recordLag,
              onError: (error) => log('lag-sample-failed', { error: error.message }),
            })
          : undefined;
      // The consumer stops first: disconnect() lets the step in flight finish and commit, then leaves the group.
      stops.unshift(async () => {
        runningConsumer.stopRestarting();
        await sampler?.stop();
        // Steps queued behind the fetch position finish and commit while this member still owns them.
        await drainConsumer(deps, DRAIN_MS).catch(() => false);
        await consumer.disconnect();
        await producer.disconnect();
        await temporal.connection.close();
      });
      log('consumer-started', { groupId, topics, taskQueue: opts.taskQueue });
    }
  } catch (error) {
    for (const stop of stops) await stop().catch(() => {});
    throw error;
  }

  let stopping: Promise<void> | undefined;
  // The first role to end decides; a caller that never looks at `done` must not see an unhandled rejection.
  const done = Promise.race(running).then(() => undefined);
  done.catch(() => {});
  return {
    stop: () => {
      stopRequested = true;
      // Every part is stopped even if one fails, so no connection is left holding the process open.
      stopping ??= (async () => {
        const failures: Error[] = [];
        for (const stop of stops) await stop().catch((error: Error) => failures.push(error));
        if (failures.length) throw failures[0];
      })();
      return stopping;
    },
    done,
    metrics,
    metricsPort,
  };
}

// The whole pipeline in one process (the local default): findings consumer + Temporal worker. Production runs
// the two roles as separate processes (`nhi run consumer`, `nhi run worker`) and scales each on its own.

import { awsClients } from '../activities/aws/clients.ts';
import { createActivities } from '../activities/index.ts';
import { runFindingsConsumer } from '../consumers/findings-consumer.ts';
import { kafka, temporalClient, temporalWorkerConnection } from './connections.ts';
import { type Log, silentLog } from './log.ts';
import { createWorker } from './worker.ts';

export type Role = 'all' | 'consumer' | 'worker';

export interface RunningPipeline {
  stop(): Promise<void>;
  /** Resolves when a role stops by itself (a crash); the caller decides to exit. */
  done: Promise<void>;
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
}

export async function startPipeline(opts: PipelineOptions = {}): Promise<RunningPipeline> {
  const role = opts.role ?? 'all';
  const log = opts.log ?? silentLog;
  const stops: Array<() => Promise<void>> = [];
  const running: Promise<unknown>[] = [];
  const broker = kafka();

  if (role !== 'consumer') {
    const producer = broker.producer({ idempotent: true });
    await producer.connect();
    const connection = await temporalWorkerConnection();
    const worker = await createWorker(
      connection,
      createActivities({ aws: awsClients(), producer, eventsTopic: opts.eventsTopic }),
      opts.taskQueue,
    );
    running.push(worker.run());
    stops.push(async () => {
      worker.shutdown();
      await running[0];
      await connection.close();
      await producer.disconnect();
    });
    log('worker-started', { taskQueue: worker.options.taskQueue });
  }

  if (role !== 'worker') {
    const consumer = broker.consumer({
      groupId: opts.groupId ?? 'nhi-enforce-findings',
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
    });
    const producer = broker.producer({ idempotent: true });
    await producer.connect();
    const temporal = await temporalClient();
    await runFindingsConsumer({
      consumer,
      producer,
      temporal,
      log,
      onFindings: opts.onFindings,
      taskQueue: opts.taskQueue,
      topics: opts.topics,
      dlqTopic: opts.dlqTopic,
    });
    stops.unshift(async () => {
      // disconnect() lets the current batch finish and commit before leaving the group.
      await consumer.disconnect();
      await producer.disconnect();
      await temporal.connection.close();
    });
    log('consumer-started', {});
  }

  let stopping: Promise<void> | undefined;
  return {
    stop: () => {
      stopping ??= (async () => {
        for (const stop of stops) await stop();
      })();
      return stopping;
    },
    done: Promise.all(running).then(() => undefined),
  };
}

// The Temporal worker: our workflows (bundled from workflows/) and activities (built from real clients).
import { fileURLToPath } from 'node:url';
import {
  bundleWorkflowCode,
  type MetricsExporterConfig,
  type NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
  type WorkflowBundlePath,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { Activities } from '../activities/index.ts';
import { endpoints } from '../infra/endpoints.ts';
import { TASK_QUEUE } from '../workflows/identity/definitions.ts';
import { temporalDataConverter } from './connections.ts';
import { workflowCacheSize } from './workflow-cache.ts';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

let bundle: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundling takes seconds; do it once per process. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: quietLogger });
  return bundle;
}

/**
 * The workflow bundle `npm run build` wrote (NHI_WORKFLOW_BUNDLE, set by the compiled dist/nhi.js): a production
 * worker loads it instead of bundling workflows/ (TypeScript, webpack) at start.
 */
export function prebuiltWorkflowBundle(env = process.env): WorkflowBundlePath | undefined {
  return env.NHI_WORKFLOW_BUNDLE ? { codePath: env.NHI_WORKFLOW_BUNDLE } : undefined;
}

const quietLogger = { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never;

let runtimeInstalled = false;
/**
 * Installs the SDK's Runtime our way, before the first native connection fixes it (true when this call did):
 * - no shutdown signals: by default the SDK stops every worker itself on SIGINT/SIGTERM, before our stop chain
 *   runs (the consumer must finish and commit its step first) and our own `worker.shutdown()` then throws on a
 *   stopped worker. The process owns its signals (cli/commands/run.ts);
 * - the SDK logs to the console by default: keep our logs JSON and quiet unless NHI_TEMPORAL_LOGS asks.
 */
export function installQuietRuntime(metrics?: MetricsExporterConfig): boolean {
  if (runtimeInstalled) return false;
  runtimeInstalled = true;
  const verbose = Boolean(process.env.NHI_TEMPORAL_LOGS);
  try {
    Runtime.install({
      shutdownSignals: [],
      ...(verbose ? {} : { logger: quietLogger }),
      // metrics: the SDK's own Prometheus exporter, when the caller asks (runtime/sdk-metrics.ts).
      telemetryOptions: { ...(verbose ? {} : { logging: { forward: {} } }), ...(metrics ? { metrics } : {}) },
    });
    return true;
  } catch {
    return false; // already installed by someone else in this process
  }
}

export async function createWorker(
  connection: NativeConnection,
  activities: Activities,
  taskQueue = TASK_QUEUE,
  tuning: Pick<WorkerOptions, 'stickyQueueScheduleToStartTimeout' | 'dataConverter'> = {},
): Promise<Worker> {
  installQuietRuntime();
  const { dataConverter, ...rest } = tuning;
  return Worker.create({
    connection,
    namespace: endpoints().temporalNamespace,
    taskQueue,
    workflowBundle: prebuiltWorkflowBundle() ?? (await workflowBundle()),
    activities,
    // Payloads encrypted like every client's (runtime/payload-codec.ts), unless the caller brings its own
    // converter (a time-skipping test environment whose client has none).
    dataConverter: dataConverter ?? (await temporalDataConverter()),
    maxCachedWorkflows: workflowCacheSize(),
    ...rest,
  });
}

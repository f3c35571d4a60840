// `nhi run` settings from the environment (flags win over these): topics, task queue and group for side-by-side
// deployments and tests, the metrics port, tuning. Pure, so every rule is tested without starting anything.
import type { PipelineOptions } from './pipeline.ts';

export const DEFAULT_METRICS_PORT = 9464;

export class RunConfigError extends Error {}

function list(raw: string | undefined): string[] | undefined {
  const items = raw
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items?.length ? items : undefined;
}

function text(raw: string | undefined): string | undefined {
  const t = raw?.trim();
  return t ? t : undefined;
}

function whole(name: string, raw: string | undefined, min: number, max: number): number | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new RunConfigError(`${name}=${raw} must be a whole number from ${min} to ${max}`);
  return n;
}

function onOff(name: string, raw: string | undefined): boolean | undefined {
  const t = raw?.trim().toLowerCase();
  if (!t) return undefined;
  if (t === 'on') return true;
  if (t === 'off') return false;
  throw new RunConfigError(`${name}=${raw} must be on or off`);
}

/** 'off' disables the server; 0 binds any free port (logged); default 9464. */
export function metricsPortFrom(raw: string | undefined, name = 'NHI_METRICS_PORT'): number | undefined {
  if (raw === undefined || raw.trim() === '') return DEFAULT_METRICS_PORT;
  if (raw.trim() === 'off') return undefined;
  return whole(name, raw, 0, 65535);
}

export function pipelineOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): PipelineOptions {
  const lagSeconds = whole('NHI_LAG_INTERVAL_SECONDS', env.NHI_LAG_INTERVAL_SECONDS, 0, 86_400);
  const options: PipelineOptions = {
    topics: list(env.NHI_FINDINGS_TOPICS),
    dlqTopic: text(env.NHI_DLQ_TOPIC),
    eventsTopic: text(env.NHI_EVENTS_TOPIC),
    taskQueue: text(env.NHI_TASK_QUEUE),
    groupId: text(env.NHI_CONSUMER_GROUP),
    metricsPort: metricsPortFrom(env.NHI_METRICS_PORT),
    metricsHost: text(env.NHI_METRICS_HOST),
    lagIntervalMs: lagSeconds === undefined ? undefined : lagSeconds * 1000,
    stepSize: whole('NHI_STEP_SIZE', env.NHI_STEP_SIZE, 1, 100_000),
    partitionsConsumedConcurrently: whole(
      'NHI_PARTITIONS_CONCURRENTLY',
      env.NHI_PARTITIONS_CONCURRENTLY,
      1,
      1024,
    ),
    sessionTimeoutMs: whole('NHI_SESSION_TIMEOUT_MS', env.NHI_SESSION_TIMEOUT_MS, 6_000, 300_000),
    changeDetection: onOff('NHI_CHANGE_DETECTION', env.NHI_CHANGE_DETECTION),
    digestTopic: text(env.NHI_DIGEST_TOPIC),
    digestCapPerPartition: whole('NHI_DIGEST_CAP', env.NHI_DIGEST_CAP, 1_000, 100_000_000),
    coalesceWindowMs: whole('NHI_COALESCE_WINDOW_MS', env.NHI_COALESCE_WINDOW_MS, 0, 60_000),
    readAhead: whole('NHI_READ_AHEAD', env.NHI_READ_AHEAD, 0, 10_000_000),
  };
  return Object.fromEntries(
    Object.entries(options).filter(([k, v]) => v !== undefined || k === 'metricsPort'),
  );
}

// `nhi run` settings from the environment.
import { describe, expect, it } from 'vitest';
import { metricsPortFrom, pipelineOptionsFromEnv, RunConfigError } from '../../../runtime/run-config.ts';

describe('pipelineOptionsFromEnv', () => {
  it('defaults: contract topics (unset), metrics on 9464', () => {
    expect(pipelineOptionsFromEnv({})).toEqual({ metricsPort: 9464 });
  });

  it('reads every override', () => {
    expect(
      pipelineOptionsFromEnv({
        NHI_FINDINGS_TOPICS: ' a , b,,c ',
        NHI_DLQ_TOPIC: 'dlq',
        NHI_EVENTS_TOPIC: 'ev',
        NHI_TASK_QUEUE: 'tq',
        NHI_CONSUMER_GROUP: 'g',
        NHI_METRICS_PORT: '0',
        NHI_LAG_INTERVAL_SECONDS: '5',
        NHI_STEP_SIZE: '100',
        NHI_PARTITIONS_CONCURRENTLY: '8',
        NHI_SESSION_TIMEOUT_MS: '6000',
        NHI_READ_AHEAD: '100',
      }),
    ).toEqual({
      topics: ['a', 'b', 'c'],
      dlqTopic: 'dlq',
      eventsTopic: 'ev',
      taskQueue: 'tq',
      groupId: 'g',
      metricsPort: 0,
      lagIntervalMs: 5000,
      stepSize: 100,
      partitionsConsumedConcurrently: 8,
      sessionTimeoutMs: 6000,
      readAhead: 100,
    });
  });

  it('NHI_METRICS_HOST: the address /metrics, /livez and /readyz are served on (a pod: 0.0.0.0)', () => {
    expect(pipelineOptionsFromEnv({ NHI_METRICS_HOST: ' 0.0.0.0 ' })).toEqual({
      metricsPort: 9464,
      metricsHost: '0.0.0.0',
    });
  });

  it('metrics off, and bad numbers are one-line errors', () => {
    expect(metricsPortFrom('off')).toBeUndefined();
    expect(() => metricsPortFrom('70000')).toThrow(RunConfigError);
    expect(() => pipelineOptionsFromEnv({ NHI_STEP_SIZE: '0' })).toThrow(/NHI_STEP_SIZE=0/);
    expect(() => pipelineOptionsFromEnv({ NHI_METRICS_PORT: 'abc' })).toThrow(/NHI_METRICS_PORT=abc/);
  });
});

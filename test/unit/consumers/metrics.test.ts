// The metrics registry: names, labels and values as Prometheus scrapes them, and the /metrics endpoint.
import { describe, expect, it } from 'vitest';
import { lagOf } from '../../../runtime/lag.ts';
import { createPipelineMetrics, serveMetrics } from '../../../runtime/metrics.ts';

const step = {
  topic: 'findings.siem',
  partition: 0,
  messages: 10,
  findings: 8,
  signals: 3,
  repeats: 5,
  noIdentity: 1,
  deadLetters: { decode: 2, temporal: 0 },
  decodeMs: 4,
  slowestMessageMs: 2,
  overBudget: 0,
  handoffMs: 120,
  dlqMs: 2,
  digestMs: 1,
  commitMs: 3,
};

describe('pipeline metrics', () => {
  it('counts messages in, findings out, dead letters, retries, paused partitions and handoff latency', async () => {
    const m = createPipelineMetrics({ defaultMetrics: false });
    m.observer.step?.(step);
    m.observer.step?.({ ...step, deadLetters: { decode: 0, temporal: 1 } });
    for (let i = 0; i < 6; i++) m.observer.signalled?.(2);
    m.observer.retry?.('unavailable');
    m.observer.paused?.('findings.siem', 0, true);
    m.observer.paused?.('findings.siem', 1, true);
    m.observer.paused?.('findings.siem', 0, false);
    const text = await m.registry.metrics();
    expect(text).toContain('nhi_consumer_messages_total{topic="findings.siem"} 20');
    expect(text).toContain('nhi_consumer_findings_total{topic="findings.siem"} 16');
    expect(text).toContain('nhi_consumer_signals_total 6');
    expect(text).toContain('nhi_consumer_repeats_total{topic="findings.siem"} 10');
    expect(text).toContain('nhi_consumer_no_identity_findings_total{topic="findings.siem"} 2');
    expect(text).toContain('nhi_consumer_dlq_messages_total{topic="findings.siem",stage="decode"} 2');
    expect(text).toContain('nhi_consumer_dlq_messages_total{topic="findings.siem",stage="temporal"} 1');
    expect(text).toContain('nhi_consumer_handoff_retries_total{class="unavailable"} 1');
    expect(text).toContain('nhi_consumer_paused_partitions 1');
    expect(text).toContain('nhi_consumer_handoff_seconds_bucket{le="0.25"} 2');
    expect(text).toContain('nhi_consumer_handoff_seconds_bucket{le="0.1"} 0');
    expect(text).toContain('nhi_consumer_handoff_seconds_count 2');
    expect(text).toMatch(/# TYPE nhi_consumer_decode_seconds histogram/);
    expect(text).toMatch(/# TYPE nhi_consumer_commit_seconds histogram/);
  });

  it('lag gauges are replaced by each sample', async () => {
    const m = createPipelineMetrics({ defaultMetrics: false });
    m.recordLag(
      lagOf(
        't',
        [
          { partition: 0, high: '10', low: '0' },
          { partition: 1, high: '5', low: '0' },
        ],
        [],
      ),
    );
    m.recordLag(lagOf('t', [{ partition: 0, high: '10', low: '0' }], [{ partition: 0, offset: '7' }]));
    const text = await m.registry.metrics();
    expect(text).toContain('nhi_consumer_lag{topic="t",partition="0"} 3');
    expect(text).not.toContain('partition="1"');
    expect(text).toMatch(/nhi_consumer_lag_sampled_timestamp_seconds \d+/);
  });

  it('registries are independent and include process metrics by default', async () => {
    const a = createPipelineMetrics();
    const b = createPipelineMetrics();
    a.observer.step?.(step);
    expect(await b.registry.metrics()).not.toContain('nhi_consumer_messages_total{');
    expect(await a.registry.metrics()).toContain('nhi_process_cpu_seconds_total');
  });

  it('serves /metrics on 127.0.0.1', async () => {
    const m = createPipelineMetrics({ defaultMetrics: false });
    m.observer.step?.(step);
    const server = await serveMetrics(m.registry, 0);
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/plain/);
      expect(await res.text()).toContain('nhi_consumer_findings_total{topic="findings.siem"} 8');
      expect((await fetch(`http://127.0.0.1:${server.port}/nope`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

describe('lagOf', () => {
  it('end minus committed; nothing committed counts from the first retained offset', () => {
    expect(
      lagOf(
        't',
        [
          { partition: 0, high: '100', low: '0' },
          { partition: 1, high: '50', low: '20' },
          { partition: 2, high: '9', low: '0' },
        ],
        [
          { partition: 0, offset: '60' },
          { partition: 1, offset: '-1' },
        ],
      ),
    ).toEqual([
      { topic: 't', partition: 0, end: 100, committed: 60, lag: 40 },
      { topic: 't', partition: 1, end: 50, committed: undefined, lag: 30 },
      { topic: 't', partition: 2, end: 9, committed: undefined, lag: 9 },
    ]);
  });
});

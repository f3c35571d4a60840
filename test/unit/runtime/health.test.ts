// /livez and /readyz beside /metrics: live while the process answers, ready only when every part says so; and the
// worker's own counters and brakes gauges (runtime/worker-metrics.ts).
import type { Producer, ProducerRecord } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_CONTROL_YET } from '../../../runtime/control-sampler.ts';
import { createReadiness } from '../../../runtime/health.ts';
import { type MetricsServer, serveMetrics } from '../../../runtime/metrics.ts';
import { createWorkerMetrics } from '../../../runtime/worker-metrics.ts';

let server: MetricsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const get = async (path: string) => {
  const res = await fetch(`http://127.0.0.1:${server!.port}${path}`);
  return { status: res.status, text: await res.text() };
};

describe('health endpoints', () => {
  it('/readyz is 503 with the reason until every part is ready, and again once one stops being', async () => {
    const readiness = createReadiness();
    let state = 'starting';
    readiness.check('worker', () => (state === 'RUNNING' ? undefined : `worker ${state}`));
    readiness.check('consumer', () => undefined);
    server = await serveMetrics(new Registry(), 0, '127.0.0.1', { readiness });
    expect(await get('/readyz')).toEqual({ status: 503, text: 'worker: worker starting\n' });
    expect(await get('/livez')).toEqual({ status: 200, text: 'ok\n' });
    state = 'RUNNING';
    expect(await get('/readyz')).toEqual({ status: 200, text: 'ok\n' });
    state = 'failed';
    expect((await get('/readyz')).status).toBe(503);
    expect(await get('/nope')).toMatchObject({ status: 404 });
  });

  it('a process with no parts checked yet is not ready; a check that throws says why', () => {
    const readiness = createReadiness();
    expect(readiness.problems()).toEqual(['starting']);
    readiness.check('kafka', () => {
      throw new Error('broker gone');
    });
    expect(readiness.problems()).toEqual(['kafka: broker gone']);
  });

  it('/metrics appends the exposition text of another exporter (the SDK’s)', async () => {
    const registry = new Registry();
    createWorkerMetrics(registry);
    server = await serveMetrics(registry, 0, '127.0.0.1', {
      more: async () => 'temporal_worker_start_total 1\n',
    });
    const { text } = await get('/metrics');
    expect(text).toContain('nhi_enforcement_paused');
    expect(text).toContain('temporal_worker_start_total 1');
  });
});

describe('worker metrics', () => {
  it('counts each enforcement event the producer really sent, by type; other messages are not events', async () => {
    const registry = new Registry();
    const metrics = createWorkerMetrics(registry);
    const sent: ProducerRecord[] = [];
    let fail = false;
    const producer = {
      send: async (record: ProducerRecord) => {
        if (fail) throw new Error('broker gone');
        sent.push(record);
        return [];
      },
      connect: async () => {},
    } as unknown as Producer;
    const counted = metrics.countEvents(producer);
    await counted.send({
      topic: 'enforcement.events',
      messages: [{ value: '{}', headers: { 'event-type': 'remediation.failed' } }],
    });
    await counted.send({ topic: 'other', messages: [{ value: 'x' }] });
    fail = true;
    await expect(
      counted.send({
        topic: 't',
        messages: [{ value: '{}', headers: { 'event-type': 'remediation.failed' } }],
      }),
    ).rejects.toThrow('broker gone');
    expect(sent).toHaveLength(2);
    expect(counted.connect).toBe(producer.connect);
    const text = await registry.metrics();
    expect(text).toContain('nhi_worker_events_total{type="remediation.failed"} 1');
  });

  it('sets the brakes gauges from the control status: paused, breaker open, held', async () => {
    const registry = new Registry();
    const metrics = createWorkerMetrics(registry);
    metrics.recordControl(NO_CONTROL_YET);
    expect(await registry.metrics()).toMatch(/nhi_enforcement_paused 0[\s\S]*nhi_enforcement_breaker_open 0/);
    metrics.recordControl({
      ...NO_CONTROL_YET,
      paused: { by: 'ana', reason: 'incident', at: '2026-12-01T00:00:00Z' } as never,
      breaker: { openedAt: '2026-12-01T00:00:00Z', reason: 'failures' } as never,
      held: 3,
      actsLastHour: { total: 7, byAccount: {} },
    });
    const text = await registry.metrics();
    for (const line of [
      'nhi_enforcement_paused 1',
      'nhi_enforcement_breaker_open 1',
      'nhi_enforcement_held_remediations 3',
      'nhi_enforcement_acts_last_hour 7',
    ])
      expect(text).toContain(line);
  });
});

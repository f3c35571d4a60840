// The worker's own Prometheus metrics, beside the Temporal SDK's (runtime/sdk-metrics.ts): the enforcement events
// it published, by type (remediation.failed, approval.decision, enforcement.breaker-opened, …: what the SIEM
// receives), and the brakes as the control workflow reports them (paused, circuit breaker open, held), sampled.
import type { Producer } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ControlStatus } from '../workflows/control/definitions.ts';

export interface WorkerMetrics {
  /** The same producer, counting every enforcement event (a message with an `event-type` header) it sent. */
  countEvents(producer: Producer): Producer;
  /** Sets the brakes gauges from one answer of the control workflow's status query. */
  recordControl(status: ControlStatus): void;
}

export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const events = new Counter({
    name: 'nhi_worker_events_total',
    help: 'Enforcement events the worker published to the events topic, by type (a retried publish counts again)',
    labelNames: ['type'],
    registers: [registry],
  });
  const paused = new Gauge({
    name: 'nhi_enforcement_paused',
    help: '1 while enforcement is paused (nhi enforcement pause), sampled from the control workflow',
    registers: [registry],
  });
  const breakerOpen = new Gauge({
    name: 'nhi_enforcement_breaker_open',
    help: '1 while the circuit breaker is open (too many failed acts: nothing acts until it closes or a resume)',
    registers: [registry],
  });
  const held = new Gauge({
    name: 'nhi_enforcement_held_remediations',
    help: 'Remediations held at their act by a pause or an open breaker, sampled',
    registers: [registry],
  });
  const actsLastHour = new Gauge({
    name: 'nhi_enforcement_acts_last_hour',
    help: 'Acts granted in the last hour, all accounts, sampled',
    registers: [registry],
  });
  const sampled = new Gauge({
    name: 'nhi_enforcement_status_sampled_timestamp_seconds',
    help: 'When the nhi_enforcement_* gauges were last sampled (Unix time)',
    registers: [registry],
  });
  return {
    countEvents(producer) {
      const send: Producer['send'] = async (record) => {
        const sent = await producer.send(record);
        for (const message of record.messages) {
          const type = message.headers?.['event-type'];
          if (type !== undefined) events.inc({ type: String(type) });
        }
        return sent;
      };
      return new Proxy(producer, {
        get: (target, property, receiver) =>
          property === 'send' ? send : Reflect.get(target, property, receiver),
      });
    },
    recordControl(status) {
      paused.set(status.paused ? 1 : 0);
      breakerOpen.set(status.breaker ? 1 : 0);
      held.set(status.held);
      actsLastHour.set(status.actsLastHour.total);
      sampled.set(Date.now() / 1000);
    },
  };
}

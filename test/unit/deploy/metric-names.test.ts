// The dashboard and the alert rules only name metrics the processes really export: every nhi_* series they query
// is registered in runtime/ (histograms by their _bucket/_sum/_count), and every temporal_* one is a metric the
// Temporal SDK exports (test/integration/production-build.test.ts scrapes a real worker for them).
import { describe, expect, it } from 'vitest';
import {
  alertExpressions,
  dashboardExpressions,
  metricNames,
  registeredMetrics,
} from '../../support/deploy-metrics.ts';

const base = (name: string) => name.replace(/_(bucket|sum|count)$/, '');

describe('metric names in deploy/', () => {
  it('the alerts cover lag, DLQ, workflow task failures, breaker, pause, failing actions, codec refusals', () => {
    const alerts = metricNames(alertExpressions());
    for (const name of [
      'nhi_consumer_lag',
      'nhi_consumer_dlq_messages_total',
      'temporal_workflow_task_execution_failed_total',
      'nhi_enforcement_breaker_open',
      'nhi_enforcement_paused',
      'nhi_worker_events_total',
      'nhi_codec_requests_total',
    ])
      expect(alerts).toContain(name);
    expect(metricNames(dashboardExpressions()).length).toBeGreaterThan(10);
  });

  it('every nhi_* metric they query is registered in runtime/', () => {
    const registered = registeredMetrics();
    const names = metricNames([...dashboardExpressions(), ...alertExpressions()]).filter((n) =>
      n.startsWith('nhi_'),
    );
    expect(names.filter((n) => !registered.has(n) && !registered.has(base(n)))).toEqual([]);
  });
});

// The local stack's namespace retention is set (NHI_TEMPORAL_RETENTION_DAYS, default 7 days) by `nhi stack up`.
import { Connection } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { endpoints } from '../../infra/endpoints.ts';
import { retentionDays } from '../../infra/services/temporal-retention.ts';

describe('namespace retention', () => {
  it('the default namespace keeps closed workflows for the configured days', async () => {
    const connection = await Connection.connect({ address: endpoints().temporalAddress });
    try {
      const described = await connection.workflowService.describeNamespace({ namespace: 'default' });
      expect(Number(described.config?.workflowExecutionRetentionTtl?.seconds)).toBe(retentionDays() * 86_400);
    } finally {
      await connection.close();
    }
  });

  it('reads NHI_TEMPORAL_RETENTION_DAYS, refusing what is not a whole number of days', () => {
    expect(retentionDays({})).toBe(7);
    expect(retentionDays({ NHI_TEMPORAL_RETENTION_DAYS: '30' })).toBe(30);
    expect(() => retentionDays({ NHI_TEMPORAL_RETENTION_DAYS: '1.5' })).toThrow(/whole number of days/);
  });
});

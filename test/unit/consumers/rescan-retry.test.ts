// A rescan's report is handed to Temporal before the step commits: while Temporal is away it is retried with
// backoff (heartbeating), then delivered once, and the offset is committed after it.
import { describe, expect, it } from 'vitest';
import { processBatch } from '../../../consumers/findings-consumer.ts';
import type { RescanReport } from '../../../workflows/rescan/scope-state.ts';
import { fakePayload, fakeProducer, kafkaMessage } from './fakes.ts';

const gitleaks = JSON.stringify([
  {
    RuleID: 'github-pat',
    File: 'src/a.ts',
    StartLine: 1,
    Secret: 'ghp_rescanRetry0123456789abcdefABCDEFGHIJK',
    Match: 'x',
    Commit: 'a'.repeat(40),
    Date: '2024-01-02T03:04:05Z',
  },
]);

describe('a rescan report while Temporal is away', () => {
  it('is retried until delivered, then the step commits', async () => {
    const reports: RescanReport[] = [];
    let calls = 0;
    const fake = fakePayload('findings.scanner', 0, [
      kafkaMessage(0, gitleaks, { format: 'gitleaks', 'nhi-rescan-scope': 'repo' }),
    ]);
    await processBatch(
      {
        consumer: undefined as never,
        producer: fakeProducer().producer,
        signal: async () => {},
        dlqTopic: 'dlq',
        backoffMs: { initial: 5, max: 20 },
        heartbeatEveryMs: 5,
        rescan: async (report) => {
          if (calls++ < 3) throw new Error('14 UNAVAILABLE: connection refused');
          reports.push(report);
        },
      },
      fake.payload,
    );
    expect(calls).toBe(4);
    expect(reports).toHaveLength(1);
    expect(reports[0]).toMatchObject({
      format: 'gitleaks',
      scope: 'repo',
      entries: [{ checkKey: expect.any(String) }],
    });
    expect(fake.heartbeats).toBeGreaterThan(0);
    expect(fake.commits).toEqual([{ topic: 'findings.scanner', partition: 0, offset: '1' }]);
  });
});

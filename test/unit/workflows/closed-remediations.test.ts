// Which remediations lost every finding they were started on: told once, and only while they may still wait.
import { describe, expect, it } from 'vitest';
import type { IdentityRef } from '../../../schemas/identity.ts';
import { closeRemediationsOfClosedFindings } from '../../../workflows/identity/closed-remediations.ts';
import {
  emptyRecord,
  type FindingSummary,
  type IdentityRecord,
  type RemediationRecord,
} from '../../../workflows/identity/state.ts';

const identity: IdentityRef = {
  key: 'arn:aws:iam::123456789012:user/ci',
  type: 'aws-user',
  provider: 'aws',
  aliases: [],
};
const NOW = '2026-11-20T12:00:00.000Z';

const summary = (id: string, status: FindingSummary['status']) =>
  ({ id, status, kind: 'excess-privilege' }) as FindingSummary;
const remediation = (workflowId: string, extra: Partial<RemediationRecord> = {}): RemediationRecord => ({
  action: 'scope-down',
  ruleId: 'excess-privilege',
  workflowId,
  mode: 'approval',
  reasons: ['score 85 ≥ 60'],
  startedAt: NOW,
  score: 85,
  epoch: 0,
  findingIds: ['f_a', 'f_b'],
  ...extra,
});
function recordWith(findings: FindingSummary[], remediations: RemediationRecord[]): IdentityRecord {
  return { ...emptyRecord(identity), findings, remediations };
}

describe('closeRemediationsOfClosedFindings', () => {
  it('names a remediation once every finding it was started on is closed, and marks it', () => {
    const record = recordWith([summary('f_a', 'resolved'), summary('f_b', 'resolved')], [remediation('r1')]);
    expect(closeRemediationsOfClosedFindings(record, NOW)).toEqual([
      {
        workflowId: 'r1',
        findingIds: ['f_a', 'f_b'],
        reason: 'every finding it was started on was closed: f_a (resolved), f_b (resolved)',
      },
    ]);
    expect(record.remediations[0]!.findingsClosed).toEqual({
      reason: 'every finding it was started on was closed: f_a (resolved), f_b (resolved)',
      at: NOW,
    });
    // Told once.
    expect(closeRemediationsOfClosedFindings(record, NOW)).toEqual([]);
  });

  it('counts passed and suppressed as closed, and names what closed each and why', () => {
    const record = recordWith(
      [
        { ...summary('f_a', 'passed'), closedBy: 'f_c' },
        { ...summary('f_b', 'suppressed'), statusReason: 'accepted risk' },
      ],
      [remediation('r1')],
    );
    expect(closeRemediationsOfClosedFindings(record, NOW).map((c) => c.reason)).toEqual([
      'every finding it was started on was closed: f_a (passed by f_c), f_b (suppressed: accepted risk)',
    ]);
  });

  it('keeps a remediation while one of its findings is open or no longer known', () => {
    const oneOpen = recordWith([summary('f_a', 'resolved'), summary('f_b', 'open')], [remediation('r1')]);
    expect(closeRemediationsOfClosedFindings(oneOpen, NOW)).toEqual([]);
    const forgotten = recordWith([summary('f_a', 'resolved')], [remediation('r1')]);
    expect(closeRemediationsOfClosedFindings(forgotten, NOW)).toEqual([]);
    expect(forgotten.remediations[0]!.findingsClosed).toBeUndefined();
  });

  it('leaves ended ones (executed stays executed), observe plans and records without finding ids alone', () => {
    const record = recordWith(
      [summary('f_a', 'resolved'), summary('f_b', 'resolved')],
      [
        remediation('executed', { ended: { status: 'executed', at: NOW } }),
        remediation('observe', { observe: true }),
        remediation('old', { findingIds: undefined }),
      ],
    );
    expect(closeRemediationsOfClosedFindings(record, NOW)).toEqual([]);
  });
});

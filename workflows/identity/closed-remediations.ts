// Which live remediations lost every reason they were started for: all the open findings they were started on have
// since been closed (resolved or passed). Pure; the identity workflow tells them, and one awaiting approval cancels.
import type { IdentityRecord, RemediationRecord } from './state.ts';

export interface ClosedRemediation {
  workflowId: string;
  findingIds: string[];
  reason: string;
}

/**
 * Marks and returns the remediations (not observe, not ended, not told before) whose findings are all closed. A
 * finding whose details were dropped from the record is not known to be closed, so it keeps its remediation alive.
 */
export function closeRemediationsOfClosedFindings(record: IdentityRecord, now: string): ClosedRemediation[] {
  const status = new Map(record.findings.map((f) => [f.id, f.status]));
  const closed: ClosedRemediation[] = [];
  for (const r of record.remediations) {
    if (!isWaiting(r)) continue;
    const ids = r.findingIds ?? [];
    if (ids.length === 0 || !ids.every((id) => status.get(id) === 'resolved')) continue;
    const reason = `every finding it was started on was closed: ${ids.join(', ')}`;
    r.findingsClosed = { reason, at: now };
    closed.push({ workflowId: r.workflowId, findingIds: ids, reason });
  }
  return closed;
}

const isWaiting = (r: RemediationRecord) => !r.observe && !r.ended && !r.findingsClosed;

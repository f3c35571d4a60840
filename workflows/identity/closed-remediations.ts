// Which live remediations lost every reason they were started for: all the open findings they were started on have
// since been closed (resolved, suppressed or passed). Pure; the identity workflow tells them, and one awaiting approval cancels.
import { isClosedStatus } from '../../schemas/finding.ts';
import type { FindingSummary, IdentityRecord, RemediationRecord } from './state.ts';

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
  const details = new Map(record.findings.map((f) => [f.id, f]));
  const closed: ClosedRemediation[] = [];
  for (const r of record.remediations) {
    if (!isWaiting(r)) continue;
    const ids = r.findingIds ?? [];
    if (ids.length === 0 || !ids.every((id) => isClosedStatus(details.get(id)?.status))) continue;
    const reason = `every finding it was started on was closed: ${ids.map((id) => howClosed(details.get(id)!)).join(', ')}`;
    r.findingsClosed = { reason, at: now };
    closed.push({ workflowId: r.workflowId, findingIds: ids, reason });
  }
  return closed;
}

const isWaiting = (r: RemediationRecord) => !r.observe && !r.ended && !r.findingsClosed;

/** `f_… (passed by f_…)`, `f_… (suppressed: accepted risk)`: what a reviewer needs to see why it stopped. */
function howClosed(f: FindingSummary): string {
  const by = f.closedBy ? ` by ${f.closedBy}` : '';
  const why = f.statusReason ? `: ${f.statusReason}` : '';
  return `${f.id} (${f.status}${by}${why})`;
}

// Why a remediation's follow-up no longer takes a rollback, in words a person reads: it was rolled back already
// (by whom, when, why), a rollback failed, or the window closed. Pure: `nhi rollback` and its tests share it.
import type { FollowUpState } from '../workflows/remediation/definitions.ts';

/** One line when the follow-up has ended (nothing can be rolled back through it), else undefined. */
export function followUpClosedLine(remediationId: string, state: FollowUpState): string | undefined {
  const shows = `nhi identity ${state.plan.identityKey} shows it`;
  const r = state.rollback;
  switch (state.status) {
    case 'rolled-back':
      return `${remediationId}: already rolled back${r ? ` by ${r.by} at ${r.at} (${r.reason})` : ''}; nothing left to undo (${shows})`;
    case 'rollback-failed':
      return `${remediationId}: a rollback${r ? ` by ${r.by} at ${r.at}` : ''} failed${
        r?.verification ? ` (${r.verification.detail})` : ''
      }; its follow-up has ended and takes no other (${shows})`;
    case 'closed':
      return `${remediationId}: its rollback window closed at ${state.until}; it can no longer be rolled back (${shows})`;
    default:
      return undefined;
  }
}

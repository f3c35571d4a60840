// Who may approve: pure rules, shared by the update validator and tests.
import type { ApprovalInput, RemediationState } from './definitions.ts';

/** A reason to refuse this approval, or undefined when it may count. */
export function approvalRefusal(state: RemediationState, approval: ApprovalInput): string | undefined {
  if (!approval.by?.trim()) return 'an approval must name the approver (--as WHO)';
  if (!approval.reason?.trim()) return 'an approval must give a reason (--reason R)';
  if (state.status !== 'awaiting-approval')
    return `this remediation is ${state.status}, not awaiting approval`;
  // The owner AWS names (tag or owners file), never one a finding claimed.
  const owner = state.input.owner;
  if (owner && approval.by === owner)
    return `${approval.by} owns the identity and cannot approve its own remediation`;
  if (approval.by === state.input.identity.key) return 'an identity cannot approve its own remediation';
  if (state.approvals.some((a) => a.by === approval.by)) return `${approval.by} has already approved`;
  return undefined;
}

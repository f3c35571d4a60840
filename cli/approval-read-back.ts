// What became of an approval that completed its round: the workflow makes the plan again before acting, and a
// changed plan voids the approval at once. `nhi approve` reads the remediation back until that check is done, so
// it never says "approved" for an approval that no longer counts. Pure: the command and its tests share it.
import type { RemediationState } from '../workflows/remediation/definitions.ts';

/** `nhi approve`'s exit status when its approval was accepted, then voided at once by a changed plan. */
export const APPROVAL_VOIDED_EXIT = 3;

export type ApprovalReadBack =
  /** The plan is being checked against the approved round, or acted on: read again (for a while). */
  | { kind: 'unsettled' }
  /** The approval counts; `note` says what holds the act, if anything. */
  | { kind: 'approved'; note?: string }
  /** The plan changed: the approval is void and a new round is open. One line for the reviewer. */
  | { kind: 'voided'; line: string };

const short = (hash: string) => hash.slice(0, 12);

/** What the plan now does, in a few words: its steps (or why nothing), and what scope-down would deny. */
function planNow(state: RemediationState): string {
  const plan = state.plan;
  if (!plan) return 'a new plan';
  if (plan.noop) return `nothing to do: ${plan.noop}`;
  const steps = plan.steps.map((s) => `${s.api} on ${s.target}`).join(', ') || 'no steps';
  const denied = plan.explanation?.filter((e) => e.verdict === 'deny').length;
  return denied ? `${steps}, denying ${denied} action(s)` : steps;
}

/** The outcome of the approval of `round`, as far as the remediation's state shows it. */
export function approvalReadBack(id: string, round: number, state: RemediationState): ApprovalReadBack {
  const check = state.planCheck;
  if (check && check.round === round && check.voided) {
    const open = state.request && state.request.round > round ? state.request.round : undefined;
    return {
      kind: 'voided',
      line:
        `approval of ${id} voided: the plan changed after round ${round} was approved ` +
        `(${short(check.approvedPlanHash)} → ${short(check.planHash)}; now ${planNow(state)}); nothing was done. ` +
        (open
          ? `Round ${open} is open for the new plan: review it with nhi pending, then nhi approve ${id} --as WHO --reason R`
          : `A new round opens for the new plan: nhi pending lists it, then nhi approve ${id} --as WHO --reason R`),
    };
  }
  // Still checking the plan, or acting on it: whether a brake holds it is not known yet.
  const waiting =
    state.status === 'acting' ||
    state.status === 'planning' ||
    (state.status === 'awaiting-approval' && state.request?.round === round);
  if (waiting) return { kind: 'unsettled' };
  if (state.status === 'held' && state.hold)
    return {
      kind: 'approved',
      note: `held: ${state.hold.reason}; the plan is made again before it acts (a changed plan voids this approval)`,
    };
  return { kind: 'approved' };
}

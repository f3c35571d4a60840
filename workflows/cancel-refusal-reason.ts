// Why a cancellation request is refused, per workflow: pure, so the wording is tested directly and the README says
// the same.

export type CancelledWorkflow =
  | 'identity'
  | 'remediation'
  | 'enforcement control'
  | 'access request'
  | 'action registry';

/** The signed way to stop what each workflow enforces. */
const SIGNED_WAY: Record<CancelledWorkflow, string> = {
  identity: 'nhi except request, then a signed approval',
  remediation: 'nhi reject, or nhi rollback once it acted',
  'enforcement control': 'nhi enforcement pause',
  'access request': 'nhi revoke, or nhi reject while it awaits approval',
  'action registry': 'nhi actions remove, signed by the team or a registrant',
};

export function cancelRefusalReason(workflow: CancelledWorkflow): string {
  return `a cancel request carries no signature; stop enforcement with a signed decision (${SIGNED_WAY[workflow]})`;
}

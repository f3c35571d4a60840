// Why a cancellation request is refused, per workflow: pure, so the wording is tested directly and the README says
// the same.

export type CancelledWorkflow = 'identity' | 'remediation' | 'enforcement control' | 'access request';

/** The signed way to stop what each workflow enforces. */
const SIGNED_WAY: Record<CancelledWorkflow, string> = {
  identity: 'an exception (nhi except request, signed and approved) pauses an action on this identity',
  remediation:
    'a signed rejection (nhi reject) ends a request awaiting approval; a signed rollback (nhi rollback) undoes an act',
  'enforcement control': 'a signed pause (nhi enforcement pause) stops enforcement; a signed resume lifts it',
  'access request':
    'a signed revoke (nhi revoke) ends a grant; a signed rejection (nhi reject) refuses a request',
};

export function cancelRefusalReason(workflow: CancelledWorkflow): string {
  return `a cancel request carries no signature; stop enforcement with a signed decision (${SIGNED_WAY[workflow]})`;
}

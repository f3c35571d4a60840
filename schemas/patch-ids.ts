// Every patch id our workflows pass to `patched()`. The SDK writes a patch's marker (and the TemporalChangeVersion
// search attribute) without the payload codec, so a marker is the one plaintext payload the codec lets through, and
// only with an id listed here (test/unit/runtime/patch-ids.test.ts fails on a `patched(…)` this list does not name).

/** Service messages carry a service identity's signature, verified by the receiving workflow. */
export const SERVICE_SEALS_PATCH = 'service-seals';

/** A cancellation request from a connection is refused and recorded; the workflow goes on (workflows/cancel-refusal.ts). */
export const CANCEL_REFUSED_PATCH = 'cancel-refused';

/** The identity workflow's loop keeps one timer per deadline (workflows/deadline-timer.ts), not one per wait. */
export const DEADLINE_TIMER_PATCH = 'deadline-timer';

/** A remediation a brake held makes its plan again before acting; a changed plan voids its approvals. */
export const REPLAN_AFTER_HOLD_PATCH = 'replan-after-hold';

/** The identity workflow scores what a contained identity can still do (risk/residual.ts), re-assessed once contained. */
export const RESIDUAL_RISK_PATCH = 'residual-risk';

/** A refusal that depended on configuration re-arms when the identity is assessed under another configuration. */
export const CONFIG_REARM_PATCH = 'config-refusal-rearm';

export const KNOWN_PATCH_IDS: ReadonlySet<string> = new Set([
  'count-exception-requests', // workflows/identity/workflow.ts COUNT_EXCEPTION_REQUESTS
  'enforcement-priority', // workflows/priority.ts ENFORCEMENT_PRIORITY_PATCH
  SERVICE_SEALS_PATCH,
  CANCEL_REFUSED_PATCH,
  DEADLINE_TIMER_PATCH,
  REPLAN_AFTER_HOLD_PATCH,
  RESIDUAL_RISK_PATCH,
  CONFIG_REARM_PATCH,
  'access-risk-bar', // workflows/identity/access-grants.ts ACCESS_RISK_BAR_PATCH
  'signed-decisions-v2', // schemas/decision-check.ts SIGNED_DECISIONS_V2
  'signed-rollback', // workflows/remediation/follow-up.ts SIGNED_ROLLBACK
  'rescan-reports-checked', // workflows/rescan/workflow.ts CHECKED_RESCANS_PATCH
]);

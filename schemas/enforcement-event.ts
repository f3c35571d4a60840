// What nhi-enforce tells the SIEM on `enforcement.events`: one JSON message per decision or action, keyed by
// identity. eventId is stable across activity retries, so consumers can dedup.
import { z } from 'zod';

export const EnforcementEventType = z.enum([
  'identity.assessed',
  'remediation.started',
  'remediation.planned',
  'remediation.approved',
  'remediation.rejected',
  /** Ended while awaiting approval: the findings that triggered it were closed; detail.reason says which. */
  'remediation.cancelled',
  'remediation.executed',
  'remediation.noop',
  'remediation.not-applicable',
  'remediation.refused',
  'remediation.failed',
  'remediation.rolled-back',
  'remediation.drifted',
  /** A person's signed retry was accepted: detail.remediationId, by, reason, round; proposed names the new one. */
  'remediation.retried',
  /**
   * A workflow refused a message (an unsigned or forged decision, a role the policy does not give, a replay):
   * detail.message, detail.claimedBy (a claim), detail.reason. The workflow's state and memo keep it too.
   */
  'message.refused',
  'approval.requested',
  'approval.decision',
  'approval.reminder',
  'approval.escalated',
  'approval.expired',
  'approval.voided',
  'approval.paused',
  'approval.resumed',
  'exception.requested',
  'exception.decision',
  /** Observe mode: planned and recorded, nothing done. */
  'remediation.observed',
  /**
   * A team action's phase was not picked up within its schedule-to-start timeout: no worker polls the team's task
   * queue. detail: phase, taskQueue, waited, onNoWorker (wait: asks again; fail: ends failed).
   */
  'remediation.waiting-for-worker',
  /** A brake (pause, rate limit) holds it; detail.reason says which. */
  'remediation.held',
  /** Never acted: the identity is protected. */
  'remediation.refused',
  'enforcement.paused',
  'enforcement.resumed',
  'enforcement.breaker-opened',
  'enforcement.breaker-closed',
  'exception.granted',
  'exception.expired',
  'exception.revoked',
  /** Just-in-time access (workflows/access/): detail.grantId names the request from start to end. */
  'access.requested',
  /** A check failed at the moment of the request; detail.reason is the one-line refusal. */
  'access.refused',
  'access.approval-requested',
  'access.decision',
  'access.approved',
  'access.rejected',
  /** Issued: session name, expiry, policy hash, handoff entry; never the credentials. */
  'access.granted',
  /** A CloudTrail finding shows the grant's session in use. */
  'access.used',
  'access.expired',
  'access.revoked',
  'access.failed',
  /** The grant ended before its sealed credentials were read: the one-time entry was deleted unread. */
  'access.handoff-discarded',
  /** The findings consumer read a finding that names no identity: no workflow holds it (consumers/no-identity.ts). */
  'ingest.no-identity',
]);

export const EnforcementEvent = z.object({
  eventId: z.string(),
  type: EnforcementEventType,
  time: z.iso.datetime(),
  identityKey: z.string(),
  /** The workflow whose history holds the full record of this decision. */
  workflowId: z.string(),
  findingIds: z.array(z.string()).default([]),
  detail: z.record(z.string(), z.unknown()).default({}),
});
export type EnforcementEvent = z.infer<typeof EnforcementEvent>;

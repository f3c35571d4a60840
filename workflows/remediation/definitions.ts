// Messages of the remediation workflow: started by an identity workflow when policy says so, approved or
// rejected by people through updates, observed through a query.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BrakeSettings } from '../../risk/brakes.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import type { Mode } from '../../schemas/policy.ts';

export interface RemediationInput {
  identity: IdentityRef;
  action: string;
  ruleId: string;
  /** observe: plan and record, act on nothing (started under a plan/ id, never the real one's). */
  mode: Mode;
  approval?: { required: number; approvers: string[] };
  reasons: string[];
  findingIds: string[];
  /** Plan and record, act on nothing (a hand-started dry run; use a plan/ id, see planWorkflowId). */
  dryRun?: boolean;
  /** Which proposal of this action for this identity this is (0 first). */
  epoch?: number;
  /**
   * Brakes from the policy in force when it was proposed: consulted (kill switch, rate limits, breaker) through
   * the control workflow right before acting. Absent in remediations from before brakes: only the kill switch.
   */
  brakes?: BrakeSettings & { protected: string[] };
  /** The enforcer's own AWS identity (never acted upon). */
  enforcer?: string;
  /** How long an approval may take before the request expires (ms). */
  approvalTimeoutMs?: number;
  /** The identity the action changes, when not `identity` (an access key's user, from IAM). */
  target?: string;
  /** The policy file the decision was taken on (`sha256:…`). */
  policyHash?: string;
  /** The identity's owner as AWS says (tag or owners file); null = none. Never a finding's claim. */
  owner?: string | null;
}

export interface PlannedStep {
  api: string; // e.g. iam:UpdateAccessKey
  target: string;
  detail: Record<string, string>;
}

export interface RemediationPlan {
  action: string;
  identityKey: string;
  steps: PlannedStep[];
  /** The account the plan acts in (from AWS: the identity's ARN, or the access key's account). */
  account?: string;
  /** Why nothing will be done, when that is the plan (key already inactive, principal gone). */
  noop?: string;
  /** The action cannot act on this identity (its type, or no IAM principal behind it). */
  notApplicable?: string;
  /** The worker may not act where the identity lives (an account that is not configured). */
  refused?: string;
  /** Other identities whose assessment the change alters (the access keys of a user it changes). */
  affects?: string[];
}

export interface Decision {
  by: string;
  reason: string;
  at: string;
}

export type RemediationStatus =
  | 'planning'
  | 'awaiting-approval'
  | 'acting'
  | 'executed'
  /** Nothing to do: the plan found the effect already in place. Never reported as executed. */
  | 'noop'
  | 'not-applicable'
  /** Never acted: an account not configured, or a protected identity (`refusal` says which). */
  | 'refused'
  | 'rejected'
  | 'expired'
  | 'failed'
  | 'dry-run'
  /** Observe mode: planned and recorded, nothing done. */
  | 'observed'
  /** Waiting for a brake to let it act (pause, rate limit): `hold` says why. */
  | 'held';

export interface RemediationState {
  status: RemediationStatus;
  input: RemediationInput;
  plan?: RemediationPlan;
  approvals: Decision[];
  rejection?: Decision;
  outcome?: Record<string, unknown>;
  verification?: { ok: boolean; detail: string };
  /** Why it waits (or waited last) for a brake. */
  hold?: { reason: string; since: string; retryAt?: string };
  /** Why an automatic action became approval-required (breaker open, over a rate limit). */
  approvalReason?: string;
  /** Why it was refused. */
  refusal?: string;
}

export interface ApprovalInput {
  by: string;
  reason: string;
}

export const approveUpdate = defineUpdate<RemediationState, [ApprovalInput]>('approve');
export const rejectUpdate = defineUpdate<RemediationState, [ApprovalInput]>('reject');
export const remediationQuery = defineQuery<RemediationState>('remediation');
/** From the control workflow: the brake that held this remediation was released (resume); ask again. */
export const brakesReleasedSignal = defineSignal<[]>('brakesReleased');

export const DEFAULT_APPROVAL_TIMEOUT_MS = 72 * 3600 * 1000;

// Messages of the remediation workflow: started by an identity workflow when policy says so, approved or
// rejected by people through updates, observed through a query.
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { IdentityRef } from '../../schemas/identity.ts';

export interface RemediationInput {
  identity: IdentityRef;
  action: string;
  ruleId: string;
  mode: 'auto' | 'approval';
  approval?: { required: number; approvers: string[] };
  reasons: string[];
  findingIds: string[];
  /** Plan and record, act on nothing. */
  dryRun?: boolean;
  /** How long an approval may take before the request expires (ms). */
  approvalTimeoutMs?: number;
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
  /** Why nothing will be done, when that is the plan (key already inactive, principal gone). */
  noop?: string;
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
  | 'rejected'
  | 'expired'
  | 'failed'
  | 'dry-run';

export interface RemediationState {
  status: RemediationStatus;
  input: RemediationInput;
  plan?: RemediationPlan;
  approvals: Decision[];
  rejection?: Decision;
  outcome?: Record<string, unknown>;
  verification?: { ok: boolean; detail: string };
}

export interface ApprovalInput {
  by: string;
  reason: string;
}

export const approveUpdate = defineUpdate<RemediationState, [ApprovalInput]>('approve');
export const rejectUpdate = defineUpdate<RemediationState, [ApprovalInput]>('reject');
export const remediationQuery = defineQuery<RemediationState>('remediation');

export const DEFAULT_APPROVAL_TIMEOUT_MS = 72 * 3600 * 1000;

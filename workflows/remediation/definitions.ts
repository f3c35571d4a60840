// Messages of the remediation workflow: started by an identity workflow when policy says so, decided by people
// through signed decisions (one update, every attempt recorded), paused and resumed by exceptions, observed through
// a query.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { DirectorySnapshot } from '../../schemas/directory.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import type { Approval } from '../../schemas/policy.ts';
import type { DecisionKind, SignedDecision } from '../../schemas/signed-decision.ts';

export interface RemediationInput {
  identity: IdentityRef;
  action: string;
  ruleId: string;
  mode: 'auto' | 'approval';
  approval?: Approval;
  reasons: string[];
  findingIds: string[];
  /** The identity's owner as AWS says (tag or owners file; null = none), never a finding's claim: never approves. */
  owner?: string | null;
  /** The person who asked for this remediation, when a person did: never approves it either. */
  requestedBy?: string;
  /** What the reviewer sees besides the plan: score points, capabilities, last use. */
  context?: ReviewContext;
  /** Plan and record, act on nothing. */
  dryRun?: boolean;
  /** The identity the action changes, when not `identity` (an access key's user, from IAM). */
  target?: string;
  /** The policy file the decision was taken on (`sha256:…`). */
  policyHash?: string;
}

export interface ReviewContext {
  score?: number;
  factors?: Array<{ id: string; contribution: number; reason: string }>;
  capabilities?: Array<{ id: string; weight: number; path: string[] }>;
  lastUsedAt?: string | null;
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

/** An accepted decision. */
export interface Decision {
  by: string;
  decision: DecisionKind;
  reason: string;
  /** When it was recorded (workflow time); `signedAt` is when the person signed. */
  at: string;
  signedAt: string;
  signature: string;
  /** The request round it counted in. */
  round: number;
}

/** Every attempt, accepted or refused, in arrival order. */
export interface DecisionAttempt {
  by: string;
  decision: string;
  at: string;
  round: number;
  accepted: boolean;
  refusal?: string;
}

/** One approval request: a plan hash, a directory snapshot, a deadline. A changed plan opens the next round. */
export interface ApprovalRequest {
  round: number;
  workflowId: string;
  runId: string;
  planHash: string;
  openedAt: string;
  deadline: string;
  /** Group the request was escalated to after its timeout. */
  escalatedTo?: string;
  directory: DirectorySnapshot;
}

export type RemediationStatus =
  | 'planning'
  | 'awaiting-approval'
  | 'paused'
  | 'acting'
  | 'executed'
  /** Nothing to do: the plan found the effect already in place. Never reported as executed. */
  | 'noop'
  | 'not-applicable'
  | 'refused'
  | 'rejected'
  | 'expired'
  | 'failed'
  | 'dry-run';

export interface RemediationState {
  status: RemediationStatus;
  input: RemediationInput;
  plan?: RemediationPlan;
  planHash?: string;
  request?: ApprovalRequest;
  /** Accepted approvals of the current round. */
  approvals: Decision[];
  /** Accepted rejections of the current round. */
  rejections: Decision[];
  /** The rejection that ended it. */
  rejection?: Decision;
  /** Approvals of earlier rounds, void because the plan changed. */
  voided: Decision[];
  attempts: DecisionAttempt[];
  /** A live exception for this action holds the request until it ends. */
  pausedBy?: { exceptionId: string; until: string };
  outcome?: Record<string, unknown>;
  verification?: { ok: boolean; detail: string };
}

export interface DecisionResult {
  accepted: boolean;
  /** One line: why it did not count. */
  refusal?: string;
  status: RemediationStatus;
  /** What is still needed, per group (after an accepted approval). */
  missing?: Record<string, number>;
}

export const decideUpdate = defineUpdate<DecisionResult, [SignedDecision]>('decide');
export const remediationQuery = defineQuery<RemediationState>('remediation');

/** Sent by the identity workflow: an exception for this action was granted (active) or ended. */
export interface ExceptionNotice {
  exceptionId: string;
  active: boolean;
  until?: string;
}
export const exceptionSignal = defineSignal<[ExceptionNotice]>('exception');

/** After it ends without acting, a request stays open this long to record (and refuse) late decisions. */
export const LATE_DECISION_WINDOW_MS = 3600 * 1000;
/** Cap on attempts kept in state (every one is in the history regardless). */
export const MAX_ATTEMPTS = 200;

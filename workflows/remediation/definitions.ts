// Messages of the remediation workflow: started by an identity workflow when policy says so, decided by people
// through signed decisions (one update, every attempt recorded), paused and resumed by exceptions, observed through
// a query.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BrakeSettings } from '../../risk/brakes.ts';
import type { RegisteredAction } from '../../schemas/action-contract.ts';
import type { DirectorySnapshot } from '../../schemas/directory.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import type { Approval, Mode } from '../../schemas/policy.ts';
import type { RefusedMessage } from '../../schemas/refused-message.ts';
import type { Sealed } from '../../schemas/service-seal.ts';
import { type DecisionKind, hashOf, type SignedDecision } from '../../schemas/signed-decision.ts';

export interface RemediationInput {
  identity: IdentityRef;
  action: string;
  ruleId: string;
  /** observe: plan and record, act on nothing (started under a plan/ id, never the real one's). */
  mode: Mode;
  /**
   * Who approves: the rule's approval (mode approval); for an automatic rule, the policy's
   * `enforcement.approval`, asked only when a brake (breaker open, over a rate limit) needs a person.
   */
  approval?: Approval;
  /** A team action's parameters, from the rule: checked against its registered schema before anything runs. */
  params?: Record<string, unknown>;
  /** A team action whose worker is away past its schedule-to-start timeout: wait again (default) or fail. */
  onNoWorker?: 'wait' | 'fail';
  reasons: string[];
  findingIds: string[];
  /** The identity's owner as AWS says (tag or owners file; null = none), never a finding's claim: never approves. */
  owner?: string | null;
  /** The person who asked for this remediation, when a person did: never approves it either. */
  requestedBy?: string;
  /** What the reviewer sees besides the plan: score points, capabilities, last use. */
  context?: ReviewContext;
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
  /** Actions the identity was seen using (service:Action, from CloudTrail activity): scope-down keeps them. */
  usedActions?: string[];
  /** Follow-up after acting, from the policy: re-checks, drift handling, rollback window. */
  followUp?: FollowUp;
  /** The identity the action changes, when not `identity` (an access key's user, from IAM). */
  target?: string;
  /** The policy file the decision was taken on (`sha256:…`). */
  policyHash?: string;
  /** Who may roll it back (the rule's `rollback.groups`); unset: the approval groups, or security when automatic. */
  rollbackGroups?: string[];
}

export interface ReviewContext {
  score?: number;
  factors?: Array<{ id: string; contribution: number; reason: string }>;
  capabilities?: Array<{ id: string; weight: number; path: string[] }>;
  lastUsedAt?: string | null;
}

/** After acting: re-check at these delays (the last repeats) until the rollback window closes. */
export interface FollowUp {
  recheckEverySeconds: number[];
  /** reenforce: act again (idempotent) and re-verify; alert: publish remediation.drifted only. */
  onDrift: 'reenforce' | 'alert';
  rollbackWindowHours: number;
  scopeDown?: 'deny-unused' | 'used-only';
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
  /** How a rollback restores the pre-state, or why this action cannot be rolled back. */
  rollback?: { possible: boolean; how: string };
  /** Per action, what stays and what goes and why (scope-down). */
  explanation?: Array<{ action: string; verdict: 'keep' | 'deny'; why: string }>;
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
  /** The directory it was checked against (`sha256:…`), when the snapshot had a hash. */
  directoryHash?: string;
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

/** An approved round checked against a fresh plan. */
export interface PlanCheck {
  round: number;
  at: string;
  /** What was checked: right after the approval, or when a brake's hold ended. */
  after: 'approval' | 'hold';
  approvedPlanHash: string;
  planHash: string;
  voided: boolean;
  /** The hold the plan was made again after (kill switch, rate limit), when `after` is hold. */
  hold?: string;
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
  /** Never acted: an account not configured, or a protected identity (`refusal` says which). */
  | 'refused'
  | 'rejected'
  | 'expired'
  /** Ended while awaiting approval: the findings that triggered it were closed (`cancelled` says why). */
  | 'cancelled'
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
  /**
   * The last approved round checked against a plan made again just before acting (after the approval, or after a
   * brake held it): `voided` when the plan had changed. `nhi approve` reads it back.
   */
  planCheck?: PlanCheck;
  attempts: DecisionAttempt[];
  /** Messages refused (forged, unsigned, replayed, stale decisions; unsealed, undecodable): the newest. */
  refusedMessages?: RefusedMessage[];
  /** A live exception for this action holds the request until it ends. */
  pausedBy?: { exceptionId: string; until: string };
  outcome?: Record<string, unknown>;
  verification?: { ok: boolean; detail: string };
  /** Why it waits (or waited last) for a brake. */
  hold?: { reason: string; since: string; retryAt?: string };
  /** Why an automatic action became approval-required (breaker open, over a rate limit). */
  approvalReason?: string;
  /** Why it was refused. */
  refusal?: string;
  /** Why it was cancelled while awaiting approval, and when. */
  cancelled?: { reason: string; at: string };
  /** The workflow that re-checks this remediation and accepts its rollback (when it executed). */
  followUpWorkflowId?: string;
  /** A team action: its registered contract as resolved when the remediation started (queue, timeouts, schema). */
  teamAction?: RegisteredAction;
  /** A team action's phase nobody has picked up yet (no worker polls its task queue). */
  waitingForWorker?: { phase: string; taskQueue: string; since: string };
}

export const MAX_RECHECKS = 50;

/** When the policy says nothing: re-check after 1 h, 6 h, then daily; re-enforce on drift; 7 days to roll back. */
export const DEFAULT_FOLLOW_UP: FollowUp = {
  recheckEverySeconds: [3600, 21600, 86400],
  onDrift: 'reenforce',
  rollbackWindowHours: 168,
};

/** The follow-up workflow of an executed remediation: re-checks, drift, rollback. */
export const followUpWorkflowId = (remediationId: string) => `${remediationId}/follow-up`;

export interface FollowUpInput {
  remediationId: string;
  input: RemediationInput;
  plan: RemediationPlan;
  outcome: Record<string, unknown>;
  /** When the remediation acted (workflow time): a re-enforcement acts as of it. Absent in older follow-ups. */
  actedAt?: string;
  /** A team action: where its phases run (the remediation's resolved contract). */
  teamAction?: RegisteredAction;
}

/** Who rolled back, why and when (`nhi rollback --as WHO --reason R`), and what it gave. */
export interface RollbackRecord {
  by: string;
  reason: string;
  at: string;
  /** The signed decision's signature, time and directory hash (absent in rollbacks from before signing). */
  signature?: string;
  signedAt?: string;
  directoryHash?: string;
  outcome?: Record<string, unknown>;
  verification?: { ok: boolean; detail: string };
}

export interface FollowUpState {
  remediationId: string;
  status: 'watching' | 'rolling-back' | 'rolled-back' | 'rollback-failed' | 'closed';
  plan: RemediationPlan;
  outcome: Record<string, unknown>;
  /** When the rollback window closes (and re-checks stop). */
  until: string;
  rechecks: Array<{ at: string; ok: boolean; detail: string; reenforced?: boolean }>;
  drifts: number;
  rollback?: RollbackRecord;
  /** Rollbacks it refused (unsigned, forged, a group the policy does not name, the owner): the newest. */
  refusedMessages?: RefusedMessage[];
  /** The run a rollback is signed for (its workflowId is the follow-up's id). */
  runId?: string;
  /** What a rollback is signed over: rollbackTermsHash(remediationId, plan). */
  termsHash?: string;
  /** Who may sign a rollback (the rule's rollback groups, else its approval groups, else security). */
  rollbackGroups?: string[];
}

/**
 * `nhi rollback`: a person's signed decision `rollback` over the follow-up workflow's id and run and
 * rollbackTermsHash. Histories from before signing carry `{ by, reason }`, which only their old code path read.
 */
export type RollbackInput = SignedDecision;

/** What a rollback's signature covers: which remediation, and what it did (action, identity, steps). */
export const rollbackTermsHash = (remediationId: string, plan: RemediationPlan): string =>
  hashOf({ remediationId, action: plan.action, identityKey: plan.identityKey, steps: plan.steps });

/** Who may roll a remediation back: the rule's rollback groups, else its approval groups, else security. */
export function rollbackGroupsOf(input: RemediationInput): string[] {
  if (input.rollbackGroups?.length) return [...input.rollbackGroups];
  if (input.mode === 'approval' && input.approval) return Object.keys(input.approval.groups);
  return ['security'];
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
/** Undo an executed remediation while its rollback window is open; resolves once the rollback is verified. */
export const rollbackUpdate = defineUpdate<FollowUpState, [RollbackInput]>('rollback');
export const followUpQuery = defineQuery<FollowUpState>('follow-up');
/** From the control workflow: the brake that held this remediation was released (resume); ask again. */
export const brakesReleasedSignal = defineSignal<[]>('brakesReleased');

/** Sent by the identity workflow: an exception for this action was granted (active) or ended. */
export interface ExceptionNotice {
  exceptionId: string;
  active: boolean;
  until?: string;
}
/** Sealed by the worker (the identity workflow sends it); anyone else's is recorded and dropped. */
export const exceptionSignal = defineSignal<[Sealed<ExceptionNotice>]>('exception');

/** Sent by the identity workflow: every finding that triggered this remediation was closed (resolved or passed). */
export interface FindingsClosedNotice {
  reason: string;
  findingIds: string[];
}
/** A remediation awaiting approval ends `cancelled` on it; one that is acting or ended ignores it. */
export const findingsClosedSignal = defineSignal<[Sealed<FindingsClosedNotice>]>('findingsClosed');

/** After it ends without acting, a request stays open this long to record (and refuse) late decisions. */
export const LATE_DECISION_WINDOW_MS = 3600 * 1000;
/** Cap on attempts kept in state (every one is in the history regardless). */
export const MAX_ATTEMPTS = 200;

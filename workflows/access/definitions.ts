// Messages of the access-request workflow (one per request: `access/jit-…`), shared by the workflow, the activities,
// the CLI (`nhi request`, `nhi revoke`, `nhi approve`), the identity workflow (which revokes on new risk) and tests.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AccessGrant, AccessTerms } from '../../schemas/access.ts';
import type { DirectorySnapshot } from '../../schemas/directory.ts';
import type { ProtectedAction } from '../../schemas/policy.ts';
import type { RefusedMessage } from '../../schemas/refused-message.ts';
import type { Sealed } from '../../schemas/service-seal.ts';
import type { SignedDecision } from '../../schemas/signed-decision.ts';
import type { ApprovalRequest, Decision, DecisionAttempt } from '../remediation/definitions.ts';

export const ACCESS_WORKFLOW_TYPE = 'accessRequestWorkflow';

export interface AccessRequestInput {
  grantId: string;
  terms: AccessTerms;
  /** A person's request is signed over the terms' hash (decision `request`); an identity asking for itself is not. */
  signed?: SignedDecision;
}

/** What the workflow reads at the moment of the request (one activity, recorded in history). */
export interface AccessContext {
  /** The catalogue entry, when the action is catalogued. */
  action?: ProtectedAction;
  catalogue: string[];
  directory: DirectorySnapshot;
  /** `sha256:…` of the policy file in force. */
  policyHash?: string;
  identity: {
    key: string;
    account?: string;
    /** The identity workflow's latest score (or a fresh assessment when it has none). */
    score?: number;
    owner?: string | null;
    /** Open compromise findings (compromise-indicator, anomalous-use). */
    compromise: Array<{ id: string; title: string }>;
    /** Why the risk could not be read, when it could not. */
    unknown?: string;
  };
  /** The kill switch, as the control workflow says. */
  paused?: { by: string; reason: string; at: string };
  /** The role in the identity's account, or why the worker may not act there. */
  roleArn?: string;
  accountRefusal?: string;
}

/** The policy decision as recorded: each check and its answer. */
export interface AccessChecks {
  requester: string;
  riskScore?: number;
  riskCeiling?: number;
  compromise: string[];
  paused: boolean;
  duration: string;
  maxDuration?: string;
  approvalRequired: boolean;
  policyHash?: string;
}

export type AccessStatus =
  | 'checking'
  /** A check failed at the moment of the request (`refusal` says which): nothing was issued. */
  | 'refused'
  | 'awaiting-approval'
  | 'rejected'
  /** Nobody decided in time. */
  | 'timed-out'
  | 'granting'
  | 'active'
  | 'expired'
  | 'revoked'
  | 'failed';

export interface AccessRevocation {
  by: string;
  reason: string;
  at: string;
  /** The inline policy on the role that denies this session (and no other). */
  policyName?: string;
  document?: string;
  /** The finding that caused it, when new risk did. */
  findingId?: string;
  error?: string;
}

export interface AccessState {
  grantId: string;
  status: AccessStatus;
  terms: AccessTerms;
  requestedBy: string;
  requestedAt: string;
  checks?: AccessChecks;
  refusal?: string;
  /** The session policy, role and duration the approval covers (its hash is what people sign). */
  plan?: { roleArn: string; sessionPolicy: string; durationSeconds: number; action: ProtectedAction };
  planHash?: string;
  request?: ApprovalRequest;
  approvals: Decision[];
  rejections: Decision[];
  attempts: DecisionAttempt[];
  grant?: AccessGrant;
  revocation?: AccessRevocation;
  /** Calls made with the grant's session, as CloudTrail findings show them. */
  uses: Array<{ at: string; findingId: string; api?: string }>;
  error?: string;
  /** Messages it refused (an unsigned or forged request, decision or revocation): the newest. */
  refusedMessages?: RefusedMessage[];
}

/** `nhi revoke`: signed by a person (decision `revoke`, runId = grant id, planHash = the grant's policy hash). */
export type RevokeInput = SignedDecision;
export interface RevokeResult {
  accepted: boolean;
  refusal?: string;
  status: AccessStatus;
}

/** From the identity workflow: new risk on the identity (a critical finding) ends the grant now. */
export interface RiskRevocation {
  reason: string;
  /** The finding that crossed the bar; none when the assessed score did. */
  findingId?: string;
}

/** From the identity workflow: a finding shows the grant's session in use. */
export interface AccessUse {
  findingId: string;
  at: string;
  api?: string;
}

export const accessQuery = defineQuery<AccessState>('access');
export const revokeAccessUpdate = defineUpdate<RevokeResult, [RevokeInput]>('revokeAccess');
/** Both sealed by the worker (the identity workflow sends them); anyone else's is recorded and dropped. */
export const riskRevocationSignal = defineSignal<[Sealed<RiskRevocation>]>('riskRevocation');
export const accessUsedSignal = defineSignal<[Sealed<AccessUse>]>('accessUsed');

/** Told to the identity workflows of the identity and of the role: they revoke it on new risk and report its use. */
export interface GrantNotice {
  grantId: string;
  workflowId: string;
  expiresAt: string;
  /** arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION: CloudTrail findings on the role carry it as an alias. */
  assumedRoleArn: string;
  /** The catalogued action and its `riskCeiling`: an assessed score at or above it revokes the grant, as it would
   * refuse a new request (schemas/access-risk-bar.ts). Grants noted before these were recorded have neither. */
  action?: string;
  riskCeiling?: number;
}

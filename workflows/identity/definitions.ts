// Messages of the identity workflow, shared by the workflow, the consumers, the CLI and tests: one name, one place.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { EndCause, ProposalEnd } from '../../risk/proposals.ts';
import type { Finding } from '../../schemas/finding.ts';
import type { IdentityRef } from '../../schemas/identity.ts';
import type { Mode } from '../../schemas/policy.ts';
import type { Sealed } from '../../schemas/service-seal.ts';
import type { SignedDecision } from '../../schemas/signed-decision.ts';
import type { GrantNotice } from '../access/definitions.ts';
import type { CarriedRecord, ExceptionGrant, IdentityRecord } from './state.ts';

export const TASK_QUEUE = 'nhi-enforce';

/** One identity, one workflow: the id is derived from the canonical key so every producer finds it. */
export const identityWorkflowId = (key: string): string => `identity/${key}`;
export const IDENTITY_WORKFLOW_PREFIX = 'identity/';
export const IDENTITY_WORKFLOW_TYPE = 'identityWorkflow';

export interface FindingsDelivery {
  /** The identity as the findings name it (type, account, aliases, owner). */
  identity: IdentityRef;
  findings: Finding[];
}

/** Sealed by the consumer (or by the worker: a rescan's closure); anyone else's is recorded and dropped. */
export const findingsSignal = defineSignal<[Sealed<FindingsDelivery>]>('findings');
export const identityQuery = defineQuery<IdentityRecord>('identity');
/** The exceptions granted on this identity (small, unlike the whole record): another proposer's check. */
export const exceptionsQuery = defineQuery<ExceptionGrant[]>('exceptions');

/** An action changed this identity (or what it can do): assess it again now, from fresh AWS reads. */
export interface ReassessRequest {
  remediationWorkflowId: string;
  action: string;
}
export const reassessSignal = defineSignal<[Sealed<ReassessRequest>]>('reassess');

/** From a remediation this identity started: how it ended (re-proposal needs to know). */
export interface RemediationEnded {
  workflowId: string;
  action: string;
  epoch: number;
  status: ProposalEnd;
  at: string;
  /** `configuration`: refused or failed because of the deployment's configuration (re-armed when it changes). */
  cause?: EndCause;
}
export const remediationEndedSignal = defineSignal<[Sealed<RemediationEnded>]>('remediationEnded');

/** From an access-request workflow: a grant is live on this identity (or on this role): revoke it on new risk. */
export const accessGrantSignal = defineSignal<[Sealed<GrantNotice>]>('accessGrant');

export interface IdentityWorkflowInput {
  identity: IdentityRef;
  /** Carried over by continue-as-new (an IdentityRecord from runs before finding ids were packed). */
  state?: CarriedRecord | IdentityRecord;
  /** Work the previous run had not done yet when it continued as new. */
  pending?: {
    /** Findings, an exception or an expiry arrived since the last assessment. */
    assess: boolean;
    /** Ids of the findings not yet named in an `identity.assessed` event (the first 1000)… */
    findingIds: string[];
    /** …and how many more there are. */
    moreFindings?: number;
    /** Consecutive failed assessments, for the retry backoff. */
    failures?: number;
    /** Assess again then (a re-proposal's cool-down ends). */
    reassessAt?: string;
  };
  /** Continue as new after this many history events (default MAX_HISTORY_EVENTS); tests make it small. */
  maxHistoryEvents?: number;
}

/** What an exception asks for; both the requester's and the approver's signatures cover exactly this. */
export interface ExceptionTerms {
  identityKey: string;
  action: string;
  /** How long, from approval: `7d`, `12h` (no longer than the policy's exceptions.maxDurationDays). */
  for: string;
  ticket?: string;
}

/** A signed request (decision `request`, runId `new`, planHash = the terms' hash). */
export interface ExceptionRequestInput {
  terms: ExceptionTerms;
  signed: SignedDecision;
}

/** Every exception update answers this way: refusals are answers (and so in history), not errors. */
export interface ExceptionResult {
  accepted: boolean;
  refusal?: string;
  /** The request's id (`exc-3`). */
  id?: string;
  status?: string;
  expiresAt?: string;
}

/** Opens a request (update-with-start works before the identity's first finding). */
export const requestExceptionUpdate = defineUpdate<ExceptionResult, [ExceptionRequestInput]>(
  'requestException',
);
/** Approves or rejects a request: a signed decision whose runId is the request id. */
export const decideExceptionUpdate = defineUpdate<ExceptionResult, [SignedDecision]>('decideException');
/** Ends a live exception at once: a signed `revoke` whose runId is the exception id. */
export const revokeExceptionUpdate = defineUpdate<ExceptionResult, [SignedDecision]>('revokeException');

/**
 * `nhi remediation retry ID --as WHO --reason R`: a person's signed decision `retry` whose workflowId is this
 * identity workflow's, runId the remediation's workflow id and planHash retryTermsHash(remediationId, round).
 */
export const retryRemediationUpdate = defineUpdate<RetryResult, [SignedDecision]>('retryRemediation');

export interface RetryResult {
  accepted: boolean;
  refusal?: string;
  remediationId: string;
  /** The new proposal's workflow id, when the rule fired at the assessment that followed. */
  proposed?: string;
  /** Why nothing was proposed yet (the rule does not fire now): it is, the next time it fires. */
  waiting?: string;
}

/** `exc-3@arn:aws:iam::…:user/ci`: the id people pass to `nhi except approve|revoke`. */
export const exceptionPublicId = (identityKey: string, id: string): string => `${id}@${identityKey}`;
export function parseExceptionPublicId(text: string): { id: string; identityKey: string } | undefined {
  const m = /^(exc-\d+)@(.+)$/.exec(text.trim());
  return m ? { id: m[1]!, identityKey: m[2]! } : undefined;
}

/**
 * Visibility of identity workflows, upserted after each assessment so `nhi identities --min-risk N` is one
 * visibility query. Registered by the local stack (infra/services/temporal.ts); elsewhere with
 * `temporal operator search-attribute create --name NhiRiskScore --type Int` (and NhiIdentityType Keyword).
 */
export const riskScoreSearchAttribute = defineSearchAttributeKey('NhiRiskScore', SearchAttributeType.INT);
export const identityTypeSearchAttribute = defineSearchAttributeKey(
  'NhiIdentityType',
  SearchAttributeType.KEYWORD,
);

/** Memo key of the listing summary (owner, top factors, remediations), readable without a running worker. */
export const IDENTITY_MEMO_KEY = 'nhi';

export interface IdentityMemo {
  type: string;
  score?: number;
  owner?: string | null;
  factors: Array<{ id: string; contribution: number; reason: string }>;
  remediations: Array<{ action: string; workflowId: string; mode: Mode }>;
  /** Open exception requests and live exceptions, for `nhi pending` and `nhi exceptions` without a query each. */
  openExceptionRequests?: number;
  liveExceptions?: number;
  endedExceptions?: number;
  /** Exception requests ever received, refused at once included: where an evidence export finds them all. */
  exceptionRequests?: number;
}

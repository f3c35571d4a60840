// The signed messages `nhi approve|reject` and `nhi except …` send, built from a person's secret key. Tests build
// theirs with the same functions, so what they prove is what the CLI sends.
import type { DecisionKind, SignedDecision } from '../schemas/signed-decision.ts';
import { signDecision } from '../schemas/signed-decision.ts';
import type { ExceptionRequestInput, ExceptionTerms } from '../workflows/identity/definitions.ts';
import { identityWorkflowId } from '../workflows/identity/definitions.ts';
import { exceptionTermsHash, NEW_REQUEST } from '../workflows/identity/exception-rules.ts';
import { retryTermsHash } from '../workflows/identity/retry-rules.ts';
import type { ApprovalRequest } from '../workflows/remediation/definitions.ts';

export interface Signer {
  person: string;
  secretKey: string;
}

const at = (time?: string) => time ?? new Date().toISOString();

/** A decision on a remediation's approval request, over its workflow, run and plan hash. */
export function remediationDecision(
  signer: Signer,
  request: Pick<ApprovalRequest, 'workflowId' | 'runId' | 'planHash'>,
  decision: 'approve' | 'reject',
  reason: string,
  time?: string,
): SignedDecision {
  return signDecision(
    {
      workflowId: request.workflowId,
      runId: request.runId,
      planHash: request.planHash,
      decision,
      person: signer.person,
      reason,
      time: at(time),
    },
    signer.secretKey,
  );
}

/** A request for an exception: signed over the identity, action, duration and ticket. */
export function exceptionRequest(
  signer: Signer,
  terms: ExceptionTerms,
  reason: string,
  time?: string,
): ExceptionRequestInput {
  return {
    terms,
    signed: signDecision(
      {
        workflowId: identityWorkflowId(terms.identityKey),
        runId: NEW_REQUEST,
        planHash: exceptionTermsHash(terms),
        decision: 'request',
        person: signer.person,
        reason,
        time: at(time),
      },
      signer.secretKey,
    ),
  };
}

/** Approve, reject or revoke exception `id` (`exc-3`) whose terms hash the caller read from the record. */
export function exceptionDecision(
  signer: Signer,
  identityKey: string,
  id: string,
  termsHash: string,
  decision: Exclude<DecisionKind, 'request'>,
  reason: string,
  time?: string,
): SignedDecision {
  return signDecision(
    {
      workflowId: identityWorkflowId(identityKey),
      runId: id,
      planHash: termsHash,
      decision,
      person: signer.person,
      reason,
      time: at(time),
    },
    signer.secretKey,
  );
}

/** Any other signed act on a workflow (rollback, pause, resume, register, remove, cancel): over its id, run and terms. */
export function signedAct(
  signer: Signer,
  target: { workflowId: string; runId: string; termsHash: string },
  decision: DecisionKind,
  reason: string,
  time?: string,
): SignedDecision {
  return signDecision(
    {
      workflowId: target.workflowId,
      runId: target.runId,
      planHash: target.termsHash,
      decision,
      person: signer.person,
      reason,
      time: at(time),
    },
    signer.secretKey,
  );
}

/** `nhi remediation retry`: a retry of an ended remediation, sent to the identity workflow that proposed it. */
export function remediationRetry(
  signer: Signer,
  proposer: string,
  remediationId: string,
  round: number,
  reason: string,
  time?: string,
): SignedDecision {
  return signedAct(
    signer,
    {
      workflowId: identityWorkflowId(proposer),
      runId: remediationId,
      termsHash: retryTermsHash(remediationId, round),
    },
    'retry',
    reason,
    time,
  );
}

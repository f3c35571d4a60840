// plan → [refused / not applicable / observe / nothing to do: record, stop] → [protected: refuse] → [approval
// gate] → brakes → act → verify → record → have the changed identities re-assessed. Started as a child of an
// identity workflow with an id keyed by the identity the action changes and the proposal's epoch, so a decision
// taken twice (or by two proposers) still acts once. Right before acting it asks the control workflow (kill
// switch, rate limits, circuit breaker); when it ends it tells its proposer how, so a proposal that did not act
// can be made again on new risk. An outcome without an act is its own status and event, never `executed`.
// After an executed action a follow-up workflow re-checks it and holds the rollback window (follow-up.ts).
import {
  ActivityFailure,
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { type ActAnswer, accountOf, protectionOf } from '../../risk/brakes.ts';
import type { ProposalEnd } from '../../risk/proposals.ts';
import { DEFAULT_ENFORCEMENT } from '../../schemas/policy.ts';
import { actDoneSignal, controlWorkflowId } from '../control/definitions.ts';
import { identityWorkflowId, remediationEndedSignal } from '../identity/definitions.ts';
import { approvalRefusal } from './approval-rules.ts';
import {
  approveUpdate,
  brakesReleasedSignal,
  DEFAULT_APPROVAL_TIMEOUT_MS,
  followUpWorkflowId,
  type RemediationInput,
  type RemediationState,
  rejectUpdate,
  remediationQuery,
} from './definitions.ts';
import { remediationFollowUpWorkflow } from './follow-up.ts';
import { reassessChanged } from './reassess.ts';
import { ACT_OPTIONS } from './timeouts.ts';

const { planRemediation, verifyRemediation, publishEnforcementEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});
const { executeRemediation } = proxyActivities<Activities>(ACT_OPTIONS);
// Many remediations may ask at once and Temporal bounds the updates in flight per workflow (ResourceExhausted):
// patient retries, then a hold that asks again soon.
const { reserveAct } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 30 },
});

/** A hold without a known end (pause) asks again this often, besides being released. */
const HOLD_RECHECK_MS = 15 * 60_000;
/** The control did not answer: ask again after this. */
const UNREACHABLE_RECHECK_MS = 30_000;

export async function remediationWorkflow(input: RemediationInput): Promise<RemediationState> {
  const state: RemediationState = { status: 'planning', input, approvals: [] };
  const now = () => new Date().toISOString();
  const record = (
    type: Parameters<typeof publishEnforcementEvent>[0]['type'],
    detail: Record<string, unknown>,
  ) =>
    publishEnforcementEvent({
      type,
      identityKey: input.identity.key,
      findingIds: input.findingIds,
      detail: {
        action: input.action,
        ruleId: input.ruleId,
        ...(input.target ? { target: input.target } : {}),
        ...(input.policyHash ? { policyHash: input.policyHash } : {}),
        ...detail,
      },
    });
  const { workflowId, taskQueue } = workflowInfo();
  const ended = async (status: ProposalEnd) => {
    // The identity decides whether to propose again; it may be gone (terminated), which changes nothing here.
    await getExternalWorkflowHandle(identityWorkflowId(input.identity.key))
      .signal(remediationEndedSignal, {
        workflowId,
        action: input.action,
        epoch: input.epoch ?? 0,
        status,
        at: now(),
      })
      .catch(() => undefined);
    return state;
  };
  let released = false;

  setHandler(remediationQuery, () => state);
  setHandler(brakesReleasedSignal, () => {
    released = true;
  });
  setHandler(
    approveUpdate,
    ({ by, reason }) => {
      state.approvals.push({ by, reason, at: now() });
      return state;
    },
    {
      validator: (approval) => {
        const refusal = approvalRefusal(state, approval);
        if (refusal) throw new Error(refusal);
      },
    },
  );
  setHandler(
    rejectUpdate,
    ({ by, reason }) => {
      state.rejection = { by, reason, at: now() };
      return state;
    },
    {
      validator: (rejection) => {
        if (!rejection.by?.trim() || !rejection.reason?.trim())
          throw new Error('a rejection must name who rejects and why');
        if (state.status !== 'awaiting-approval')
          throw new Error(`this remediation is ${state.status}, not awaiting approval`);
      },
    },
  );

  state.plan = await planRemediation(input);
  await record('remediation.planned', { plan: state.plan, mode: input.mode, reasons: input.reasons });
  if (state.plan.refused) {
    state.status = 'refused';
    state.refusal = state.plan.refused;
    await record('remediation.refused', { reason: state.plan.refused, account: state.plan.account });
    return ended('refused');
  }
  if (state.plan.notApplicable) {
    state.status = 'not-applicable';
    await record('remediation.not-applicable', { reason: state.plan.notApplicable });
    return ended('not-applicable');
  }
  if (input.dryRun || input.mode === 'observe') {
    state.status = input.dryRun ? 'dry-run' : 'observed';
    if (state.plan.noop) state.outcome = { noop: state.plan.noop };
    if (input.mode === 'observe') await record('remediation.observed', { plan: state.plan, acted: false });
    return state;
  }
  if (state.plan.noop) {
    state.status = 'noop';
    state.outcome = { noop: state.plan.noop };
    await record('remediation.noop', { reason: state.plan.noop });
    return ended('noop');
  }

  const brakes = input.brakes;
  const refusal = protectionOf({
    keys: [input.identity.key, input.identity.owner, state.plan.identityKey],
    patterns: brakes?.protected ?? [],
    ...(input.enforcer ? { enforcer: input.enforcer } : {}),
  });
  if (refusal) {
    state.status = 'refused';
    state.refusal = refusal;
    await record('remediation.refused', { reason: refusal });
    return ended('refused');
  }

  /** Waits for the approvals this remediation needs; false when rejected or expired (recorded). */
  const approved = async (required: number): Promise<boolean> => {
    state.status = 'awaiting-approval';
    const decided = await condition(
      () => state.rejection !== undefined || state.approvals.length >= required,
      input.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS,
    );
    if (!decided) {
      state.status = 'expired';
      await record('remediation.rejected', { expired: true });
      return false;
    }
    if (state.rejection) {
      state.status = 'rejected';
      await record('remediation.rejected', { rejection: state.rejection });
      return false;
    }
    await record('remediation.approved', { approvals: state.approvals });
    return true;
  };

  let automatic = input.mode === 'auto';
  if (input.mode === 'approval' && !(await approved(input.approval?.required ?? 1)))
    return ended(state.status as ProposalEnd);

  // Brakes, right before acting: the answer is the control workflow's, recorded in this history.
  const settings = brakes ?? {
    rateLimits: DEFAULT_ENFORCEMENT.rateLimits,
    circuitBreaker: DEFAULT_ENFORCEMENT.circuitBreaker,
  };
  let lastHold = '';
  for (;;) {
    let answer: ActAnswer;
    try {
      answer = await reserveAct({
        workflowId,
        identityKey: input.identity.key,
        // The account the plan acts in (from AWS); else the one the identity names.
        account: state.plan.account ?? accountOf(input.identity),
        automatic,
        settings: { rateLimits: settings.rateLimits, circuitBreaker: settings.circuitBreaker },
      });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      // No answer is not a yes: wait and ask again.
      answer = {
        verdict: 'hold',
        reason: 'enforcement control unreachable; asking again later',
        retryAt: new Date(Date.now() + UNREACHABLE_RECHECK_MS).toISOString(),
      };
    }
    if (answer.verdict === 'go') break;
    if (answer.verdict === 'approval') {
      state.approvalReason = answer.reason;
      await record('remediation.held', { reason: answer.reason, needs: 'approval' });
      if (!(await approved(1))) return ended(state.status as ProposalEnd);
      automatic = false;
      continue;
    }
    state.status = 'held';
    state.hold = {
      reason: answer.reason,
      since: now(),
      ...(answer.retryAt ? { retryAt: answer.retryAt } : {}),
    };
    if (answer.reason !== lastHold) await record('remediation.held', { reason: answer.reason });
    lastHold = answer.reason;
    released = false;
    const wait = answer.retryAt ? Math.max(1, Date.parse(answer.retryAt) - Date.now()) : HOLD_RECHECK_MS;
    await condition(() => released, wait);
  }

  state.status = 'acting';
  const control = getExternalWorkflowHandle(controlWorkflowId(taskQueue));
  const done = (ok: boolean, detail: string) =>
    control
      .signal(actDoneSignal, { workflowId, ok, detail, breaker: settings.circuitBreaker })
      .catch(() => undefined);
  try {
    state.outcome = await executeRemediation(state.plan, workflowInfo().workflowId);
    state.verification = await verifyRemediation(state.plan, state.outcome);
  } catch (error) {
    state.status = 'failed';
    const message = causeOf(error);
    await done(false, message);
    await record('remediation.failed', { error: message });
    await reassessChanged(input, workflowInfo().workflowId, state.plan.affects);
    await ended('failed');
    throw ApplicationFailure.nonRetryable(`remediation ${input.action} failed: ${message}`);
  }
  await done(state.verification.ok, state.verification.detail);
  state.status = state.verification.ok ? 'executed' : 'failed';
  await record(state.verification.ok ? 'remediation.executed' : 'remediation.failed', {
    outcome: state.outcome,
    verification: state.verification,
  });
  await reassessChanged(input, workflowInfo().workflowId, state.plan.affects);
  if (state.verification.ok) {
    // Keeps proving the effect and holds the rollback window, as its own workflow: this one's result stays final.
    const remediationId = workflowInfo().workflowId;
    state.followUpWorkflowId = followUpWorkflowId(remediationId);
    await startChild(remediationFollowUpWorkflow, {
      workflowId: state.followUpWorkflowId,
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [{ remediationId, input, plan: state.plan, outcome: state.outcome }],
    });
  }
  return ended(state.verification.ok ? 'executed' : 'failed');
}

/** The innermost cause's message: an activity failure's own message is only "Activity task failed". */
function causeOf(error: unknown): string {
  let e = error as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(error);
}

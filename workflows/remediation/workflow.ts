// plan → [approval gate] → plan again → act → verify → record → have the changed identities re-assessed. Started
// as a child of an identity workflow with an id keyed by the identity the action changes, so a decision taken twice
// (or by two proposers) still acts once. An outcome without an act (refused, not applicable, nothing to do) is its
// own status and event, never `executed`.
//
// The gate: a request opens with the plan's hash and a snapshot of the directory; people send signed decisions
// (one update; every attempt, refused ones too, is recorded in history with its reason); the quorum is per group
// and across groups. Just before acting the plan is made again: a different hash voids the approvals and opens a
// new request. A live exception for the action pauses the request, and nothing acts while it holds.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { canonicalPerson } from '../../schemas/directory.ts';
import { durationMs } from '../../schemas/duration.ts';
import type { Approval } from '../../schemas/policy.ts';
import { hashOf, type SignedDecision } from '../../schemas/signed-decision.ts';
import { identityWorkflowId, reassessSignal } from '../identity/definitions.ts';
import { approvalsMissing, decisionRefusal, isRejected } from './approval-rules.ts';
import {
  type Decision,
  type DecisionResult,
  decideUpdate,
  exceptionSignal,
  LATE_DECISION_WINDOW_MS,
  MAX_ATTEMPTS,
  type RemediationInput,
  type RemediationPlan,
  type RemediationState,
  remediationQuery,
} from './definitions.ts';

const { planRemediation, executeRemediation, verifyRemediation, loadDirectory } = proxyActivities<Activities>(
  {
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
  },
);
// Events are the SIEM's copy; the history is the record. A publish that keeps failing is logged, not fatal.
const { publishEnforcementEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

type EventType = Parameters<typeof publishEnforcementEvent>[0]['type'];

const DEFAULT_APPROVAL: Approval = {
  groups: { security: 1 },
  timeout: '72h',
  onTimeout: 'cancel',
  reject: 'any',
};

/** The plan's identity: what will be done to what. */
export const planHash = (plan: RemediationPlan): string =>
  hashOf({
    action: plan.action,
    identityKey: plan.identityKey,
    account: plan.account,
    steps: plan.steps,
    noop: plan.noop,
    notApplicable: plan.notApplicable,
    refused: plan.refused,
  });

export async function remediationWorkflow(input: RemediationInput): Promise<RemediationState> {
  const state: RemediationState = {
    status: 'planning',
    input,
    approvals: [],
    rejections: [],
    voided: [],
    attempts: [],
  };
  const approval: Approval = { ...DEFAULT_APPROVAL, ...input.approval };
  // The owner AWS names (tag or owners file) and the principal changed; never a finding's claim.
  const owners = [input.owner, input.target, input.identity.key].filter(
    (o): o is string => typeof o === 'string' && o !== '',
  );
  const now = () => new Date().toISOString();
  const record = async (type: EventType, detail: Record<string, unknown>) => {
    try {
      await publishEnforcementEvent({
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
    } catch (error) {
      log.error('enforcement event not published', { type, error: String(error) });
    }
  };

  setHandler(remediationQuery, () => state);
  setHandler(exceptionSignal, (notice) => {
    if (!notice?.exceptionId) return;
    if (notice.active) state.pausedBy = { exceptionId: notice.exceptionId, until: notice.until ?? '' };
    else if (state.pausedBy?.exceptionId === notice.exceptionId) state.pausedBy = undefined;
  });
  // No validator: a validator's refusal leaves no trace in history. The handler records every attempt.
  setHandler(decideUpdate, async (decision: SignedDecision): Promise<DecisionResult> => {
    const refusal = decisionRefusal(
      {
        status: state.status,
        request: state.request,
        approval,
        pausedBy: state.pausedBy,
        owners,
        requester: input.requestedBy,
        decided: [...state.approvals, ...state.rejections],
      },
      decision,
    );
    const by = typeof decision?.person === 'string' ? canonicalPerson(decision.person) : '?';
    const round = state.request?.round ?? 0;
    const at = now();
    state.attempts.push({
      by,
      decision: String(decision?.decision),
      at,
      round,
      accepted: !refusal,
      ...(refusal ? { refusal } : {}),
    });
    if (state.attempts.length > MAX_ATTEMPTS) state.attempts.splice(0, state.attempts.length - MAX_ATTEMPTS);
    let missing: Record<string, number> | undefined;
    if (!refusal) {
      const accepted: Decision = {
        by,
        decision: decision.decision,
        reason: decision.reason.trim(),
        at,
        signedAt: decision.time,
        signature: decision.signature,
        round,
      };
      (decision.decision === 'approve' ? state.approvals : state.rejections).push(accepted);
      missing = approvalsMissing(approval, state.request!, state.approvals);
    }
    await record('approval.decision', {
      by,
      decision: String(decision?.decision),
      accepted: !refusal,
      ...(refusal ? { refusal } : { reason: decision.reason.trim(), missing }),
      round,
    });
    return { accepted: !refusal, ...(refusal ? { refusal } : { missing }), status: state.status };
  });

  const replan = async () => {
    state.plan = await planRemediation(input);
    state.planHash = planHash(state.plan);
  };

  await replan();
  await record('remediation.planned', {
    plan: state.plan,
    planHash: state.planHash,
    mode: input.mode,
    reasons: input.reasons,
  });
  if (input.dryRun) {
    state.status = 'dry-run';
    state.outcome = state.plan!.noop ? { noop: state.plan!.noop } : undefined;
    return state;
  }
  if (await endedWithoutAct()) return state;

  if (input.mode === 'approval') {
    for (;;) {
      const outcome = await gate();
      if (outcome !== 'approved') {
        // Late decisions are still recorded (and refused) for a while: evidence shows who tried.
        await condition(() => false, LATE_DECISION_WINDOW_MS);
        await condition(allHandlersFinished);
        return state;
      }
      state.status = 'acting'; // late decisions now say "already decided"
      // Bound to the plan: what is about to be done must be what was approved.
      const approvedHash = state.planHash;
      await replan();
      if (await endedWithoutAct()) return state; // the identity changed: nothing left to do here
      if (state.pausedBy) continue; // an exception was granted meanwhile: nothing acts
      if (state.planHash === approvedHash) break;
      state.voided.push(...state.approvals);
      await record('approval.voided', {
        round: state.request?.round,
        approvedPlanHash: approvedHash,
        planHash: state.planHash,
        plan: state.plan,
        voided: state.approvals.map((a) => a.by),
      });
    }
  }

  state.status = 'acting';
  try {
    state.outcome = await executeRemediation(state.plan!);
    state.verification = await verifyRemediation(state.plan!);
  } catch (error) {
    state.status = 'failed';
    await record('remediation.failed', { error: (error as Error).message });
    await reassessChanged(input, state.plan!.affects);
    throw ApplicationFailure.nonRetryable(`remediation ${input.action} failed: ${(error as Error).message}`);
  }
  state.status = state.verification.ok ? 'executed' : 'failed';
  await record(state.verification.ok ? 'remediation.executed' : 'remediation.failed', {
    outcome: state.outcome,
    verification: state.verification,
  });
  await reassessChanged(input, state.plan!.affects);
  await condition(allHandlersFinished);
  return state;

  /** Refused, not applicable, or nothing to do: its own status and event, never `executed`. */
  async function endedWithoutAct(): Promise<boolean> {
    const plan = state.plan!;
    if (plan.refused) {
      state.status = 'refused';
      await record('remediation.refused', { reason: plan.refused, account: plan.account });
    } else if (plan.notApplicable) {
      state.status = 'not-applicable';
      await record('remediation.not-applicable', { reason: plan.notApplicable });
    } else if (plan.noop) {
      state.status = 'noop';
      state.outcome = { noop: plan.noop };
      await record('remediation.noop', { reason: plan.noop });
    } else return false;
    await condition(allHandlersFinished);
    return true;
  }

  /** One request (new round) until approved, rejected or expired; a pause waits, then opens a fresh round. */
  async function gate(): Promise<'approved' | 'rejected' | 'expired'> {
    const timeoutMs = durationMs(approval.timeout) ?? 72 * 3600_000;
    const remindMs = approval.remindEvery ? durationMs(approval.remindEvery) : undefined;
    for (;;) {
      if (state.pausedBy) {
        const pausedBy = state.pausedBy;
        state.status = 'paused';
        await record('approval.paused', { exceptionId: pausedBy.exceptionId, until: pausedBy.until });
        await condition(() => state.pausedBy === undefined);
        await record('approval.resumed', { exceptionId: pausedBy.exceptionId });
        await replan(); // the identity may have changed while it was paused
      }
      const directory = await loadDirectory();
      const info = workflowInfo();
      state.approvals = [];
      state.rejections = [];
      state.request = {
        round: (state.request?.round ?? 0) + 1,
        workflowId: info.workflowId,
        runId: info.runId,
        planHash: state.planHash!,
        openedAt: now(),
        deadline: new Date(Date.now() + timeoutMs).toISOString(),
        directory,
      };
      state.status = 'awaiting-approval';
      await record('approval.requested', {
        round: state.request.round,
        planHash: state.planHash,
        plan: state.plan,
        groups: approval.groups,
        deadline: state.request.deadline,
        owner: input.owner ?? null,
      });
      let nextReminder = remindMs ? Date.now() + remindMs : Number.POSITIVE_INFINITY;
      const request = state.request;
      const approved = () => Object.keys(approvalsMissing(approval, request, state.approvals)).length === 0;
      const rejected = () => isRejected(approval, request, state.rejections);
      for (;;) {
        const deadline = Date.parse(request.deadline);
        const wait = Math.min(deadline, nextReminder) - Date.now();
        await condition(() => approved() || rejected() || state.pausedBy !== undefined, Math.max(1, wait));
        if (rejected()) {
          state.status = 'rejected';
          state.rejection = state.rejections.at(-1);
          await record('remediation.rejected', { rejections: state.rejections, round: request.round });
          return 'rejected';
        }
        if (approved()) {
          await record('remediation.approved', { approvals: state.approvals, round: request.round });
          return 'approved';
        }
        if (state.pausedBy) break; // back to the top: pause, then a fresh round
        if (Date.now() >= deadline) {
          const onTimeout = approval.onTimeout;
          if (typeof onTimeout === 'object' && !request.escalatedTo) {
            request.escalatedTo = onTimeout.escalate;
            request.deadline = new Date(Date.now() + timeoutMs).toISOString();
            await record('approval.escalated', {
              round: request.round,
              to: onTimeout.escalate,
              deadline: request.deadline,
            });
            continue;
          }
          const auto = onTimeout === 'auto';
          await record('approval.expired', { round: request.round, onTimeout: auto ? 'auto' : 'cancel' });
          if (auto) return 'approved';
          state.status = 'expired';
          await record('remediation.rejected', { expired: true, round: request.round });
          return 'expired';
        }
        if (Date.now() >= nextReminder) {
          await record('approval.reminder', {
            round: request.round,
            deadline: request.deadline,
            missing: approvalsMissing(approval, request, state.approvals),
          });
          nextReminder += remindMs ?? Number.POSITIVE_INFINITY;
        }
      }
    }
  }
}

/** The proposer and the identities the action changed are assessed again now, not at their next finding. */
async function reassessChanged(input: RemediationInput, affects: string[] = []): Promise<void> {
  const keys = [...new Set([input.identity.key, input.target ?? input.identity.key, ...affects])];
  for (const key of keys) {
    try {
      await getExternalWorkflowHandle(identityWorkflowId(key)).signal(reassessSignal, {
        remediationWorkflowId: workflowInfo().workflowId,
        action: input.action,
      });
    } catch (error) {
      // No workflow for it (a user no finding named yet): nothing is shown for it that could be stale.
      log.info('identity not re-assessed', { key, error: (error as Error).message });
    }
  }
}

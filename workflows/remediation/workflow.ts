// plan → [refused / not applicable / observe / nothing to do: record, stop] → [protected: refuse] → [approval
// gate] → plan again → brakes → act → verify → record → have the changed identities re-assessed. Started as a
// child of an identity workflow with an id keyed by the identity the action changes and the proposal's epoch, so a
// decision taken twice (or by two proposers) still acts once. Right before acting it asks the control workflow
// (kill switch, rate limits, circuit breaker); when it ends it tells its proposer how, so a proposal that did not
// act can be made again on new risk. An outcome without an act is its own status and event, never `executed`.
//
// The gate: a request opens with the plan's hash and a snapshot of the directory; people send signed decisions
// (one update; every attempt, refused ones too, is recorded in history with its reason); the quorum is per group
// and across groups. Just before acting the plan is made again: a different hash voids the approvals and opens a
// new request. So does a hold by a brake (kill switch, rate limit): when it ends, the plan is made again before
// acting, and a changed plan voids the approvals (an automatic action acts on the new plan). A live exception for the action pauses the request, and nothing acts while it holds. A brake that
// turns an automatic action approval-required (breaker open, over a rate limit) opens the same signed request, for
// the policy's `enforcement.approval` groups (default security: 1; never `onTimeout: auto`).
// After an executed action a follow-up workflow re-checks it and holds the rollback window (follow-up.ts).
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertMemo,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { type ActAnswer, accountOf, protectionOf } from '../../risk/brakes.ts';
import type { EndCause, ProposalEnd } from '../../risk/proposals.ts';
import { isTeamActionName } from '../../schemas/action-contract.ts';
import { rememberNonce, SIGNED_DECISIONS_V2 } from '../../schemas/decision-check.ts';
import { durationMs } from '../../schemas/duration.ts';
import { REPLAN_AFTER_HOLD_PATCH } from '../../schemas/patch-ids.ts';
import { type Approval, DEFAULT_ENFORCEMENT } from '../../schemas/policy.ts';
import { REFUSED_MEMO_KEY, recordRefusal } from '../../schemas/refused-message.ts';
import type { SignedDecision } from '../../schemas/signed-decision.ts';
import { CANCEL_CLAIMANT, refusingCancel, shielded } from '../cancel-refusal.ts';
import { actDoneSignal, controlWorkflowId } from '../control/definitions.ts';
import { identityWorkflowId, remediationEndedSignal } from '../identity/definitions.ts';
import { ServiceInbox, sendSealed } from '../service-messages.ts';
import { type ActionCalls, builtInCalls, type NoWorkerHooks, teamCalls } from './action-calls.ts';
import { approvalsMissing, decisionRefusal, isRejected, recordDecision } from './approval-rules.ts';
import {
  brakesReleasedSignal,
  type DecisionResult,
  decideUpdate,
  type ExceptionNotice,
  exceptionSignal,
  type FindingsClosedNotice,
  findingsClosedSignal,
  followUpWorkflowId,
  LATE_DECISION_WINDOW_MS,
  type PlanCheck,
  type RemediationInput,
  type RemediationState,
  remediationQuery,
} from './definitions.ts';
import { remediationFollowUpWorkflow } from './follow-up.ts';
import { planHash } from './plan-hash.ts';
import { reassessChanged } from './reassess.ts';

const { loadDirectory, resolveTeamAction } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});
// Events are the SIEM's copy; the history is the record. A publish that keeps failing is logged, not fatal.
const { publishEnforcementEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

// Many remediations may ask at once and Temporal bounds the updates in flight per workflow (ResourceExhausted):
// patient retries, then a hold that asks again soon.
const { reserveAct } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 30 },
});

type EventType = Parameters<typeof publishEnforcementEvent>[0]['type'];

/** A hold without a known end (pause) asks again this often, besides being released. */
const HOLD_RECHECK_MS = 15 * 60_000;
/** The control did not answer: ask again after this. */
const UNREACHABLE_RECHECK_MS = 30_000;

const DEFAULT_APPROVAL: Approval = {
  groups: { security: 1 },
  timeout: '72h',
  onTimeout: 'cancel',
  reject: 'any',
};

export async function remediationWorkflow(input: RemediationInput): Promise<RemediationState> {
  const state: RemediationState = {
    status: 'planning',
    input,
    approvals: [],
    rejections: [],
    voided: [],
    attempts: [],
  };
  // The rule's approval; for an automatic rule, who approves when a brake asks (never acts on timeout by itself).
  const ruleApproval: Approval = { ...DEFAULT_APPROVAL, ...input.approval };
  const approval: Approval =
    input.mode === 'approval' || ruleApproval.onTimeout !== 'auto'
      ? ruleApproval
      : { ...ruleApproval, onTimeout: 'cancel' };
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

  const { workflowId, taskQueue } = workflowInfo();
  // Set when it ends because of configuration (account not configured, team action not registered or no worker on
  // its queue): the proposer re-arms it when the configuration changes, not after new risk and a cool-down.
  let cause: EndCause | undefined;
  /** Tells the proposer how it ended (it decides whether to propose again); it may be gone, which changes nothing. */
  const ended = async () => {
    await sendSealed(identityWorkflowId(input.identity.key), remediationEndedSignal, {
      workflowId,
      action: input.action,
      epoch: input.epoch ?? 0,
      status: state.status as ProposalEnd,
      at: now(),
      ...(cause ? { cause } : {}),
    }).catch(() => undefined);
    return state;
  };
  let released = false;
  // Set when every finding that triggered this was closed; only a request awaiting approval ends on it.
  let closed: FindingsClosedNotice | undefined;

  /** A refused message: in state (nhi identity shows it), the memo (evidence) and the history. */
  const refuseMessage = (message: string, claimedBy: string, reason: string) => {
    state.refusedMessages = recordRefusal(state.refusedMessages ?? [], {
      at: now(),
      message,
      claimedBy,
      reason,
    });
    upsertMemo({ [REFUSED_MEMO_KEY]: state.refusedMessages });
  };
  setHandler(remediationQuery, () => state);
  setHandler(brakesReleasedSignal, () => {
    released = true;
  });
  // Both come only from the identity workflow, sealed by the worker: a forged `exception {active}` pauses nothing, a
  // forged `findingsClosed` cancels nothing (workflows/service-messages.ts).
  const inbox = new ServiceInbox(() => state);
  const ignore = () => undefined;
  setHandler(exceptionSignal, (sealed) =>
    inbox.accept<ExceptionNotice, void>(
      exceptionSignal.name,
      sealed,
      (notice) => {
        if (!notice?.exceptionId) return;
        if (notice.active) state.pausedBy = { exceptionId: notice.exceptionId, until: notice.until ?? '' };
        else if (state.pausedBy?.exceptionId === notice.exceptionId) state.pausedBy = undefined;
      },
      ignore,
    ),
  );
  setHandler(findingsClosedSignal, (sealed) =>
    inbox.accept<FindingsClosedNotice, void>(
      findingsClosedSignal.name,
      sealed,
      (notice) => {
        if (typeof notice?.reason === 'string' && !closed) closed = notice;
      },
      ignore,
    ),
  );
  // No validator: a validator's refusal leaves no trace in history. The handler records every attempt.
  const nonces: string[] = [];
  setHandler(
    decideUpdate,
    shielded(async (decision: SignedDecision): Promise<DecisionResult> => {
      const fresh = patched(SIGNED_DECISIONS_V2) ? { nowMs: Date.now(), seenNonces: nonces } : undefined;
      const refusal = decisionRefusal(
        {
          status: state.status,
          request: state.request,
          approval,
          pausedBy: state.pausedBy,
          owners,
          requester: input.requestedBy,
          decided: [...state.approvals, ...state.rejections],
          ...(fresh ? { fresh } : {}),
        },
        decision,
      );
      const { by, round, missing } = recordDecision(state, decision, refusal, approval, now());
      if (fresh && refusal) refuseMessage('decide', by, refusal);
      else if (fresh) rememberNonce(nonces, decision);
      await record('approval.decision', {
        by,
        decision: String(decision?.decision),
        accepted: !refusal,
        ...(refusal ? { refusal } : { reason: decision.reason.trim(), missing }),
        round,
      });
      return { accepted: !refusal, ...(refusal ? { refusal } : { missing }), status: state.status };
    }),
  );

  // A cancel request from a connection is refused and recorded; the remediation still acts (cancel-refusal.ts).
  const refusedCancel = (reason: string) =>
    record('message.refused', { message: 'cancel', claimedBy: CANCEL_CLAIMANT, reason });
  return refusingCancel('remediation', () => state, run, refusedCancel);

  async function run(): Promise<RemediationState> {
    // A team action: its registered contract, the rule's params checked against it, before anything runs.
    let calls: ActionCalls = builtInCalls();
    if (isTeamActionName(input.action)) {
      const resolved = await resolveTeamAction({
        action: input.action,
        identityType: input.identity.type,
        ...(input.params ? { params: input.params } : {}),
      });
      if ('refused' in resolved) {
        cause = 'configuration';
        state.status = 'refused';
        state.refusal = resolved.refused;
        await record('remediation.refused', { reason: resolved.refused });
        await condition(allHandlersFinished);
        return ended();
      }
      // An action this worker carries itself runs on its own queue, like the built-ins.
      if ('action' in resolved) {
        state.teamAction = resolved.action;
        calls = teamCalls(resolved.action, input, noWorkerHooks(input.onNoWorker ?? 'wait'));
      }
    }

    const replan = async () => {
      state.plan = await calls.plan(input);
      state.planHash = planHash(state.plan);
    };

    try {
      await replan();
    } catch (error) {
      if (!state.teamAction) throw error;
      // A team's plan that failed (its worker away and the rule says fail, or the phase itself failing) ends it.
      state.status = 'failed';
      if (state.waitingForWorker) cause = 'configuration'; // no worker polls the team's queue
      const message = causeOf(error);
      await record('remediation.failed', { error: message });
      await ended();
      throw ApplicationFailure.nonRetryable(`remediation ${input.action} failed: ${message}`);
    }
    await record('remediation.planned', {
      plan: state.plan,
      planHash: state.planHash,
      mode: input.mode,
      reasons: input.reasons,
    });
    if ((state.plan!.refused || state.plan!.notApplicable) && (await endedWithoutAct())) return ended();
    if (input.dryRun || input.mode === 'observe') {
      state.status = input.dryRun ? 'dry-run' : 'observed';
      if (state.plan!.noop) state.outcome = { noop: state.plan!.noop };
      if (input.mode === 'observe') await record('remediation.observed', { plan: state.plan, acted: false });
      return state;
    }
    if (await endedWithoutAct()) return ended();

    const brakes = input.brakes;
    const protectedBecause = protectionOf({
      keys: [input.identity.key, input.identity.owner, state.plan!.identityKey],
      patterns: brakes?.protected ?? [],
      ...(input.enforcer ? { enforcer: input.enforcer } : {}),
    });
    if (protectedBecause) {
      state.status = 'refused';
      state.refusal = protectedBecause;
      await record('remediation.refused', { reason: protectedBecause });
      await condition(allHandlersFinished);
      return ended();
    }

    // Brakes, right before acting: the answer is the control workflow's, recorded in this history.
    const settings = brakes ?? {
      rateLimits: DEFAULT_ENFORCEMENT.rateLimits,
      circuitBreaker: DEFAULT_ENFORCEMENT.circuitBreaker,
    };
    let automatic = input.mode === 'auto';
    let needsApproval = input.mode === 'approval';
    for (;;) {
      if (needsApproval) {
        const outcome = await approvedForThisPlan();
        if (outcome === 'ended') return ended();
        if (outcome !== 'approved') {
          await ended();
          // Late decisions are still recorded (and refused) for a while: evidence shows who tried.
          await condition(() => false, LATE_DECISION_WINDOW_MS);
          await condition(allHandlersFinished);
          return state;
        }
        needsApproval = false;
        automatic = false;
      }
      const answer = await brakesAnswer(automatic);
      if (answer.verdict === 'go') break;
      if (answer.verdict === 'replanned') {
        // The identity changed while a brake held it: act on what is true now, approved for what it is now.
        if (await endedWithoutAct()) return ended();
        if (automatic) {
          await record('remediation.planned', {
            plan: state.plan,
            planHash: state.planHash,
            mode: input.mode,
            reasons: input.reasons,
            replannedAfter: answer.hold,
          });
          continue;
        }
        await checkedPlan(answer.heldPlanHash, { after: 'hold', hold: answer.hold });
        needsApproval = true;
        continue;
      }
      // A brake turned this automatic action approval-required: the signed request, for the brake's approvers.
      state.approvalReason = answer.reason;
      await record('remediation.held', { reason: answer.reason, needs: 'approval' });
      needsApproval = true;
    }

    state.status = 'acting';
    const done = (ok: boolean, detail: string) =>
      sendSealed(controlWorkflowId(taskQueue), actDoneSignal, {
        workflowId,
        ok,
        detail,
        breaker: settings.circuitBreaker,
      }).catch(() => undefined);
    // Fixed here, in history: a retried attempt and the follow-up's re-enforcement act as of the same moment.
    const actingAt = now();
    try {
      state.outcome = await calls.act(state.plan!, workflowId, actingAt);
      state.verification = await calls.verify(state.plan!, state.outcome);
    } catch (error) {
      state.status = 'failed';
      const message = causeOf(error);
      await done(false, message);
      await record('remediation.failed', { error: message });
      await reassessChanged(input, workflowId, state.plan!.affects);
      await ended();
      throw ApplicationFailure.nonRetryable(`remediation ${input.action} failed: ${message}`);
    }
    await done(state.verification.ok, state.verification.detail);
    state.status = state.verification.ok ? 'executed' : 'failed';
    await record(state.verification.ok ? 'remediation.executed' : 'remediation.failed', {
      outcome: state.outcome,
      verification: state.verification,
    });
    await reassessChanged(input, workflowId, state.plan!.affects);
    if (state.verification.ok) {
      // Keeps proving the effect and holds the rollback window, as its own workflow: this one's result stays final.
      state.followUpWorkflowId = followUpWorkflowId(workflowId);
      await startChild(remediationFollowUpWorkflow, {
        workflowId: state.followUpWorkflowId,
        parentClosePolicy: ParentClosePolicy.ABANDON,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        args: [
          {
            remediationId: workflowId,
            input,
            plan: state.plan!,
            outcome: state.outcome,
            actedAt: actingAt,
            ...(state.teamAction ? { teamAction: state.teamAction } : {}),
          },
        ],
      });
    }
    await condition(allHandlersFinished);
    return ended();

    /** A team phase nobody picked up in time: said in state and as an event; then wait again or fail. */
    function noWorkerHooks(onNoWorker: 'wait' | 'fail'): NoWorkerHooks {
      return {
        async waiting(phase, queue, waited) {
          const first = !state.waitingForWorker;
          state.waitingForWorker = { phase, taskQueue: queue, since: state.waitingForWorker?.since ?? now() };
          if (first || onNoWorker === 'fail')
            await record('remediation.waiting-for-worker', {
              phase,
              taskQueue: queue,
              waited,
              onNoWorker,
            });
          return onNoWorker;
        },
        resumed() {
          state.waitingForWorker = undefined;
        },
      };
    }

    /**
     * Approved for the plan about to run: a request round until decided, then the plan is made again; a different
     * plan voids the approvals and opens a new round. `ended`: the identity changed and nothing is left to do.
     */
    async function approvedForThisPlan(): Promise<
      'approved' | 'rejected' | 'expired' | 'cancelled' | 'ended'
    > {
      for (;;) {
        const outcome = await gate();
        if (outcome !== 'approved') return outcome;
        state.status = 'acting'; // late decisions now say "already decided"
        // Bound to the plan: what is about to be done must be what was approved.
        const approvedHash = state.planHash;
        await replan();
        if (await endedWithoutAct()) return 'ended'; // the identity changed: nothing left to do here
        if (state.pausedBy) continue; // an exception was granted meanwhile: nothing acts
        if (!(await checkedPlan(approvedHash!, { after: 'approval' }))) return 'approved';
      }
    }

    /**
     * The approved round against the plan just made: the same plan (false), or the approvals void (true, recorded
     * as approval.voided in the history and the events; the caller opens a new round).
     */
    async function checkedPlan(
      approvedPlanHash: string,
      how: Pick<PlanCheck, 'after' | 'hold'>,
    ): Promise<boolean> {
      const voided = state.planHash !== approvedPlanHash;
      state.planCheck = {
        round: state.request?.round ?? 0,
        at: now(),
        ...how,
        approvedPlanHash,
        planHash: state.planHash!,
        voided,
      };
      if (!voided) return false;
      state.voided.push(...state.approvals);
      await record('approval.voided', {
        round: state.request?.round,
        approvedPlanHash,
        planHash: state.planHash,
        plan: state.plan,
        voided: state.approvals.map((a) => a.by),
        ...(how.hold ? { afterHold: how.hold } : {}),
      });
      return true;
    }

    /**
     * Asks the control workflow until it says go, or that this automatic action needs approval; holds meanwhile.
     * After each hold the plan is made again before asking: `replanned` when it changed (nothing was granted).
     */
    async function brakesAnswer(
      isAutomatic: boolean,
    ): Promise<
      | (ActAnswer & { verdict: 'go' | 'approval' })
      | { verdict: 'replanned'; heldPlanHash: string; hold: string }
    > {
      let lastHold = '';
      for (;;) {
        let answer: ActAnswer;
        try {
          answer = await reserveAct({
            workflowId,
            identityKey: input.identity.key,
            // The account the plan acts in (from AWS); else the one the identity names.
            account: state.plan!.account ?? accountOf(input.identity),
            automatic: isAutomatic,
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
        if (answer.verdict === 'go' || answer.verdict === 'approval')
          return answer as ActAnswer & { verdict: 'go' | 'approval' };
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
        // The identity may have changed while it was held: what acts must be what was planned and approved.
        if (patched(REPLAN_AFTER_HOLD_PATCH)) {
          const heldPlanHash = state.planHash!;
          await replan();
          if (state.planHash !== heldPlanHash)
            return { verdict: 'replanned', heldPlanHash, hold: answer.reason };
        }
      }
    }

    /** Refused, not applicable, or nothing to do: its own status and event, never `executed`. */
    async function endedWithoutAct(): Promise<boolean> {
      const plan = state.plan!;
      if (plan.refused) {
        cause = 'configuration'; // the account is not configured
        state.status = 'refused';
        state.refusal = plan.refused;
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
    async function gate(): Promise<'approved' | 'rejected' | 'expired' | 'cancelled'> {
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
          ...(state.approvalReason ? { because: state.approvalReason } : {}),
        });
        let nextReminder = remindMs ? Date.now() + remindMs : Number.POSITIVE_INFINITY;
        const request = state.request;
        const approved = () => Object.keys(approvalsMissing(approval, request, state.approvals)).length === 0;
        const rejected = () => isRejected(approval, request, state.rejections);
        for (;;) {
          const deadline = Date.parse(request.deadline);
          const wait = Math.min(deadline, nextReminder) - Date.now();
          await condition(
            () => approved() || rejected() || state.pausedBy !== undefined || closed !== undefined,
            Math.max(1, wait),
          );
          // Decisions already taken count first; otherwise the closed findings end the request.
          if (closed && !rejected() && !approved()) {
            state.status = 'cancelled';
            state.cancelled = { reason: closed.reason, at: now() };
            await record('remediation.cancelled', {
              reason: closed.reason,
              closedFindingIds: closed.findingIds,
              round: request.round,
            });
            return 'cancelled';
          }
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
}

/** The innermost cause's message: an activity failure's own message is only "Activity task failed". */
function causeOf(error: unknown): string {
  let e = error as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(error);
}

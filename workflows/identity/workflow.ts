// One long-lived workflow per identity (entity pattern): it receives that identity's findings, keeps its record,
// has it assessed (what it can do, how risky), applies the policy, and starts the remediations the policy names
// as child workflows with deterministic ids. Exceptions pause an action until they expire, by their own timer.
//
// Nothing received is ever dropped: findings are merged into the record by the signal handler at once; the
// assessment that follows is retried (with backoff) until it succeeds; continue-as-new carries the record and
// whatever work is still pending.

import { type SearchAttributeUpdatePair, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  ParentClosePolicy,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertMemo,
  upsertSearchAttributes,
  WorkflowIdReusePolicy,
  workflowInfo,
} from '@temporalio/workflow';
import type { ExceptionContext } from '../../activities/directory-source.ts';
import type { Activities } from '../../activities/index.ts';
import { protectionOf } from '../../risk/brakes.ts';
import { evaluateRules, planWorkflowId, remediationWorkflowId } from '../../risk/decide.ts';
import { latestProposal, rearm, rearmObservations } from '../../risk/proposals.ts';
import { containmentsOf, residualRisk } from '../../risk/residual.ts';
import { changedIdentityKey, supportOf } from '../../schemas/action-support.ts';
import { type Freshness, rememberNonce, SIGNED_DECISIONS_V2 } from '../../schemas/decision-check.ts';
import { canonicalPerson } from '../../schemas/directory.ts';
import { durationMs } from '../../schemas/duration.ts';
import type { EnforcementEvent } from '../../schemas/enforcement-event.ts';
import { isClosedStatus } from '../../schemas/finding.ts';
import { CONFIG_REARM_PATCH, DEADLINE_TIMER_PATCH, RESIDUAL_RISK_PATCH } from '../../schemas/patch-ids.ts';
import { DEFAULT_ENFORCEMENT } from '../../schemas/policy.ts';
import { REFUSED_MEMO_KEY, recordRefusal } from '../../schemas/refused-message.ts';
import type { SignedDecision } from '../../schemas/signed-decision.ts';
import { undecodableReason } from '../../schemas/undecodable.ts';
import { accessUsedSignal, type GrantNotice, riskRevocationSignal } from '../access/definitions.ts';
import { CANCEL_CLAIMANT, refusingCancel, shielded } from '../cancel-refusal.ts';
import { DeadlineTimer } from '../deadline-timer.ts';
import { ENFORCEMENT_PRIORITY, ENFORCEMENT_PRIORITY_PATCH } from '../priority.ts';
import { type ExceptionNotice, exceptionSignal, findingsClosedSignal } from '../remediation/definitions.ts';
import { remediationWorkflow } from '../remediation/workflow.ts';
import { refuseMessage, ServiceInbox, sendSealed } from '../service-messages.ts';
import {
  ACCESS_RISK_BAR_PATCH,
  barredGrants,
  type GrantMessage,
  grantMessagesFor,
  MAX_ACCESS_GRANTS,
} from './access-grants.ts';
import { type ClosedRemediation, closeRemediationsOfClosedFindings } from './closed-remediations.ts';
import {
  accessGrantSignal,
  decideExceptionUpdate,
  type ExceptionRequestInput,
  type ExceptionResult,
  exceptionPublicId,
  exceptionsQuery,
  type FindingsDelivery,
  findingsSignal,
  IDENTITY_MEMO_KEY,
  IDENTITY_WORKFLOW_PREFIX,
  type IdentityMemo,
  type IdentityWorkflowInput,
  identityQuery,
  identityTypeSearchAttribute,
  type ReassessRequest,
  type RemediationEnded,
  type RetryResult,
  reassessSignal,
  remediationEndedSignal,
  requestExceptionUpdate,
  retryRemediationUpdate,
  revokeExceptionUpdate,
  riskScoreSearchAttribute,
} from './definitions.ts';
import {
  exceptionDecisionRefusal,
  exceptionTermsHash,
  requestRefusal,
  revokeRefusal,
} from './exception-rules.ts';
import { retryRefusal, retryRound } from './retry-rules.ts';
import {
  actionableKinds,
  carryRecord,
  emptyRecord,
  IdentityState,
  restoreRecord,
  scoringFindings,
} from './state.ts';

// A few quick attempts here; beyond those the workflow itself waits and tries again, so a long outage neither
// loses findings nor keeps continue-as-new from happening.
const { assessIdentity } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '20 seconds', maximumAttempts: 5 },
});
// Events are the SIEM's copy; the workflow history is the record. A publish that keeps failing is logged, not
// allowed to stop enforcement.
const { publishEnforcementEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 20 },
});
const { exceptionContext } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '10 seconds', maximumAttempts: 5 },
});
const { identityVisibility } = proxyActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', maximumAttempts: 3 },
});

/** Keep each run's history short: replay stays fast and Temporal's limits are never near. */
export const MAX_HISTORY_EVENTS = 2_000;
/** Most skipped-rule explanations a record keeps. */
const MAX_SKIPPED = 20;
/** Most finding ids one `identity.assessed` event names; beyond that it counts them. */
const MAX_EVENT_FINDING_IDS = 1_000;
const RETRY_FIRST_MS = 60_000;
const RETRY_MAX_MS = 30 * 60_000;
const DEFAULT_REQUEST_TIMEOUT = '72h';
/** How long a retry's answer waits for the assessment it asked for. */
const RETRY_ANSWER_WAIT = '5 minutes';
/**
 * Every exception request is counted and the memo shows the count, so an export finds one refused at once on an
 * otherwise quiet identity. Histories recorded before it replay as they ran (no count, no extra memo upsert).
 */
export const COUNT_EXCEPTION_REQUESTS = 'count-exception-requests';

type EventType = EnforcementEvent['type'];

export async function identityWorkflow(given: IdentityWorkflowInput): Promise<void> {
  // A start input the codec could not decode (a forged start) is refused, not trusted and not fatal: the record
  // starts from the workflow id, and the first sealed delivery names the identity as the tools see it.
  const forgedStart = undecodableReason(given);
  const input: IdentityWorkflowInput =
    forgedStart === undefined
      ? given
      : {
          identity: {
            key: workflowInfo().workflowId.slice(IDENTITY_WORKFLOW_PREFIX.length),
            type: 'principal',
            provider: 'generic',
            aliases: [],
          },
        };
  const state = new IdentityState(input.state ? restoreRecord(input.state) : emptyRecord(input.identity));
  const record = state.record;
  let placeholderIdentity = forgedStart !== undefined;
  if (forgedStart !== undefined)
    refuseMessage(record, { message: 'start', reason: `undecodable: ${forgedStart}` });
  const maxEvents = input.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
  const now = () => new Date().toISOString();

  let assessPending = input.pending?.assess ?? false;
  // Finding ids not yet named in an identity.assessed event (at most MAX_EVENT_FINDING_IDS, the rest counted).
  let unannounced: string[] = [...(input.pending?.findingIds ?? [])].slice(0, MAX_EVENT_FINDING_IDS);
  let unannouncedMore = input.pending?.moreFindings ?? 0;
  let failures = input.pending?.failures ?? 0;
  let retryAt = failures > 0 ? Date.parse(record.assessmentError?.retryAt ?? '') || undefined : undefined;
  // Work the update handlers leave for the main loop: events to publish, remediations to pause or resume.
  const outbox: Array<{ type: EventType; detail: Record<string, unknown> }> = [];
  const notices: Array<{ action: string; notice: ExceptionNotice }> = [];
  // Remediations whose findings were all closed, to be told from the main loop.
  const closings: ClosedRemediation[] = [];
  let visibilityDirty = false;
  // A re-proposal's cool-down ends then: assess again (fresh facts) and let the policy decide.
  let reassessAt = input.pending?.reassessAt ? Date.parse(input.pending.reassessAt) : undefined;

  const remember = (ids: readonly string[]) => {
    const room = Math.max(0, MAX_EVENT_FINDING_IDS - unannounced.length);
    unannounced.push(...ids.slice(0, room));
    unannouncedMore += Math.max(0, ids.length - room);
  };

  // Access grants to tell, from the main loop: revoke (new critical risk) or a use CloudTrail saw.
  const grantMessages: GrantMessage[] = [];
  // Every message below comes from one of our services, sealed (workflows/service-messages.ts): the consumer's
  // findings, a remediation's `reassess` and `remediationEnded`, an access workflow's `accessGrant`. Anything else
  // (forged, unsealed, a payload the codec could not decode) is recorded in `refusedMessages` and dropped.
  const inbox = new ServiceInbox(() => record);
  const ignore = () => undefined;
  setHandler(accessGrantSignal, (sealed) =>
    inbox.accept<GrantNotice, void>(
      accessGrantSignal.name,
      sealed,
      (notice) => {
        if (!notice?.grantId || !notice.workflowId) return;
        const at = now();
        const live = (record.accessGrants ?? []).filter(
          (g) => g.expiresAt > at && g.grantId !== notice.grantId,
        );
        record.accessGrants = [...live, notice].slice(-MAX_ACCESS_GRANTS);
        // Already over the bar (a compromise finding or score that came after the request was checked): revoke.
        if (patched(ACCESS_RISK_BAR_PATCH)) grantMessages.push(...barredGrants(record, at));
      },
      ignore,
    ),
  );

  setHandler(findingsSignal, (sealed) =>
    inbox.accept<FindingsDelivery, void>(
      findingsSignal.name,
      sealed,
      (delivery) => {
        if (!delivery || !Array.isArray(delivery.findings)) return; // malformed: nothing to merge
        if (placeholderIdentity && delivery.identity?.key === record.identity.key) {
          record.identity = delivery.identity;
          placeholderIdentity = false;
        }
        state.learn(delivery.identity);
        const changed = state.addFindings(delivery.findings, now());
        if (record.accessGrants?.length)
          grantMessages.push(
            ...grantMessagesFor(record, delivery, changed, now(), patched(ACCESS_RISK_BAR_PATCH)),
          );
        if (changed.length) {
          remember(changed.map((f) => f.id));
          assessPending = true; // the score is assessed again on what is still open
          if (changed.some((f) => isClosedStatus(f.status)))
            closings.push(...closeRemediationsOfClosedFindings(record, now()));
        }
      },
      ignore,
    ),
  );
  // An action changed this identity: assess again at once, reading AWS afresh (not a cached snapshot).
  let refresh = false;
  setHandler(reassessSignal, (sealed) =>
    inbox.accept<ReassessRequest, void>(
      reassessSignal.name,
      sealed,
      () => {
        assessPending = true;
        refresh = true;
      },
      ignore,
    ),
  );
  setHandler(identityQuery, () => record);
  setHandler(exceptionsQuery, () => state.liveExceptions());
  setHandler(remediationEndedSignal, (sealed) =>
    inbox.accept<RemediationEnded, void>(
      remediationEndedSignal.name,
      sealed,
      (end) => {
        const r = record.remediations.find((x) => x.workflowId === end?.workflowId);
        if (r && !r.ended) {
          r.ended = {
            status: end.status,
            at: end.at,
            ...(end.cause === 'configuration' ? { cause: end.cause } : {}),
          };
          // Contained: score what it can still do now, not at its next finding (histories from before replay as
          // they ran: their `reassess` came before the end, and nothing followed it).
          if (end.status === 'executed' && patched(RESIDUAL_RISK_PATCH)) assessPending = true;
        } else if (r && end.status === 'rolled-back' && r.ended?.status === 'executed') {
          // A signed rollback (its follow-up workflow checked it) undid it: while the risk stays, the rule is armed
          // again, so the action is proposed again after the cool-down instead of counting as done for ever.
          r.ended = { status: 'rolled-back', at: end.at };
          r.rearmedAt = end.at;
          assessPending = true;
        }
      },
      ignore,
    ),
  );
  // Handlers get the policy and directory through the main loop, which runs the activity: an update handler that
  // schedules its own activity did not replay deterministically from a recorded history.
  let contextAsked = 0;
  let contextServed: { upTo: number; ctx: ExceptionContext } | undefined;
  const contextWanted = () => contextAsked > (contextServed?.upTo ?? 0);
  const loadContext = async (): Promise<ExceptionContext> => {
    const ticket = ++contextAsked;
    await condition(() => (contextServed?.upTo ?? 0) >= ticket);
    return contextServed!.ctx;
  };
  const owners = () =>
    // Who owns it as AWS says (the key's user from IAM, the owner tag); a finding's claim decides nothing.
    [record.assessment?.principal, record.assessment?.owner, record.identity.key].filter(
      (o): o is string => typeof o === 'string' && o !== '',
    );
  const refused = (refusal: string, id?: string): ExceptionResult => ({
    accepted: false,
    refusal,
    ...(id ? { id } : {}),
  });
  const personOf = (signed: unknown) => {
    const p = (signed as Partial<SignedDecision> | null)?.person;
    return typeof p === 'string' ? canonicalPerson(p) : '?';
  };
  /** Since signed decisions v2: the time and nonce are checked too (histories from before replay as they ran). */
  const freshness = (): Freshness | undefined =>
    patched(SIGNED_DECISIONS_V2) ? { nowMs: Date.now(), seenNonces: record.decisionNonces ?? [] } : undefined;
  /** A refused decision: in the record (nhi identity), the memo (visibility, evidence) and the history. */
  const noteRefusal = (fresh: Freshness | undefined, message: string, signed: unknown, reason: string) => {
    if (!fresh) return;
    record.refusedMessages = recordRefusal(record.refusedMessages ?? [], {
      at: now(),
      message,
      claimedBy: personOf(signed),
      reason,
    });
    upsertMemo({ [REFUSED_MEMO_KEY]: record.refusedMessages });
  };
  const noteAccepted = (fresh: Freshness | undefined, signed: unknown) => {
    if (!fresh) return;
    record.decisionNonces = record.decisionNonces ?? [];
    rememberNonce(record.decisionNonces, signed);
  };

  // No validators: a validator's refusal leaves no trace in history. Each handler answers every attempt, and the
  // update (input and answer) is in the history; the events say the same on enforcement.events.
  setHandler(
    requestExceptionUpdate,
    shielded(async ({ terms, signed }: ExceptionRequestInput): Promise<ExceptionResult> => {
      if (patched(COUNT_EXCEPTION_REQUESTS)) {
        state.countExceptionRequest();
        visibilityDirty = true; // the memo says so whatever the answer
      }
      const ctx = await loadContext();
      const fresh = freshness();
      const workflowId = workflowInfo().workflowId;
      const refusal = requestRefusal(
        {
          workflowId,
          identityType: record.identity.type,
          directory: ctx.directory,
          limits: ctx.limits,
          ruleActions: ctx.ruleActions,
        },
        { ...terms, identityKey: record.identity.key },
        signed,
        fresh,
      );
      const by = personOf(signed);
      if (refusal) {
        noteRefusal(fresh, 'requestException', signed, refusal);
        outbox.push({
          type: 'exception.decision',
          detail: { decision: 'request', by, accepted: false, refusal },
        });
        return refused(refusal);
      }
      noteAccepted(fresh, signed);
      const openedAt = now();
      const timeout = durationMs(ctx.limits.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT) ?? 72 * 3600_000;
      const request = state.openExceptionRequest({
        workflowId,
        action: terms.action.trim(),
        for: terms.for.trim(),
        ...(terms.ticket ? { ticket: terms.ticket } : {}),
        termsHash: exceptionTermsHash({ ...terms, identityKey: record.identity.key }),
        requestedBy: by,
        reason: signed.reason.trim(),
        openedAt,
        deadline: new Date(Date.parse(openedAt) + timeout).toISOString(),
        approvers: ctx.limits.approvers ?? ['security'],
        directory: ctx.directory,
      });
      outbox.push({
        type: 'exception.requested',
        detail: {
          id: exceptionPublicId(record.identity.key, request.id),
          action: request.action,
          for: request.for,
          ticket: request.ticket,
          requestedBy: by,
          reason: request.reason,
          approvers: request.approvers,
          deadline: request.deadline,
        },
      });
      visibilityDirty = true;
      return { accepted: true, id: request.id, status: 'open' };
    }),
  );

  setHandler(decideExceptionUpdate, (signed: SignedDecision): ExceptionResult => {
    const requestId = typeof signed?.runId === 'string' ? signed.runId : '?';
    const request = state.exceptionRequest(requestId);
    const fresh = freshness();
    const refusal = exceptionDecisionRefusal(request, requestId, owners(), signed, fresh);
    const by = personOf(signed);
    if (refusal) noteRefusal(fresh, 'decideException', signed, refusal);
    else noteAccepted(fresh, signed);
    const at = now();
    if (request)
      state.noteAttempt(request, {
        by,
        decision: String(signed?.decision),
        at,
        accepted: !refusal,
        ...(refusal ? { refusal } : {}),
      });
    outbox.push({
      type: 'exception.decision',
      detail: {
        id: requestId,
        decision: String(signed?.decision),
        by,
        accepted: !refusal,
        ...(refusal ? { refusal } : {}),
      },
    });
    if (refusal || !request) return refused(refusal ?? 'no such request', requestId);
    visibilityDirty = true;
    if (signed.decision === 'reject') {
      state.rejectExceptionRequest(request, by, at);
      return { accepted: true, id: request.id, status: 'rejected' };
    }
    const grant = state.grantException(
      request,
      { by, reason: signed.reason.trim() },
      durationMs(request.for) ?? 0,
      at,
    );
    outbox.push({
      type: 'exception.granted',
      detail: {
        id: exceptionPublicId(record.identity.key, grant.id),
        action: grant.action,
        expiresAt: grant.expiresAt,
        requestedBy: grant.requestedBy,
        approvedBy: grant.approvedBy,
        reason: grant.reason,
        ticket: grant.ticket,
      },
    });
    notices.push({
      action: grant.action,
      notice: { exceptionId: grant.id, active: true, until: grant.expiresAt },
    });
    return { accepted: true, id: grant.id, status: 'granted', expiresAt: grant.expiresAt };
  });

  setHandler(
    revokeExceptionUpdate,
    shielded(async (signed: SignedDecision): Promise<ExceptionResult> => {
      const grantId = typeof signed?.runId === 'string' ? signed.runId : '?';
      const grant = state.exception(grantId);
      const ctx = await loadContext();
      const fresh = freshness();
      const refusal = revokeRefusal(
        grant,
        grantId,
        workflowInfo().workflowId,
        ctx.directory,
        ctx.limits.approvers ?? ['security'],
        signed,
        fresh,
      );
      const by = personOf(signed);
      if (refusal) noteRefusal(fresh, 'revokeException', signed, refusal);
      else noteAccepted(fresh, signed);
      outbox.push({
        type: refusal ? 'exception.decision' : 'exception.revoked',
        detail: {
          id: grantId,
          decision: 'revoke',
          by,
          accepted: !refusal,
          ...(refusal ? { refusal } : { reason: signed.reason }),
        },
      });
      if (refusal || !grant) return refused(refusal ?? 'no such exception', grantId);
      state.revokeException(grant, by, signed.reason.trim(), now());
      notices.push({ action: grant.action, notice: { exceptionId: grant.id, active: false } });
      assessPending = true; // enforcement resumes at once
      visibilityDirty = true;
      return { accepted: true, id: grant.id, status: 'revoked' };
    }),
  );

  // Assessments finished (or failed) so far: a retry answers once the assessment after it has run.
  let assessments = 0;
  let retriesWaiting = 0;
  setHandler(
    retryRemediationUpdate,
    shielded(async (signed: SignedDecision): Promise<RetryResult> => {
      const remediationId = typeof signed?.runId === 'string' ? signed.runId : '?';
      const ctx = await loadContext();
      const fresh = freshness();
      const refusal = retryRefusal(
        {
          workflowId: workflowInfo().workflowId,
          directory: ctx.directory,
          retriers: ctx.retriers ?? ['security'],
          owners: owners(),
          remediations: record.remediations,
        },
        remediationId,
        signed,
        fresh,
      );
      const by = personOf(signed);
      if (refusal) {
        noteRefusal(fresh, 'retryRemediation', signed, refusal);
        outbox.push({
          type: 'message.refused',
          detail: { message: 'retryRemediation', claimedBy: by, reason: refusal, remediationId },
        });
        return { accepted: false, refusal, remediationId };
      }
      noteAccepted(fresh, signed);
      const r = record.remediations.find((x) => x.workflowId === remediationId)!;
      r.retry = { by, reason: signed.reason.trim(), at: now(), round: retryRound(r) };
      // The rule decides again on fresh facts; the answer says what that assessment proposed.
      assessPending = true;
      refresh = true;
      retriesWaiting += 1;
      const ticket = assessments;
      let assessed: boolean;
      try {
        // Bounded: an assessment in its failure backoff must not hold the answer (or continue-as-new) for long.
        assessed = await condition(() => assessments > ticket, RETRY_ANSWER_WAIT);
      } finally {
        retriesWaiting -= 1;
      }
      const latest = latestProposal(record.remediations, r.action);
      const proposed = latest && latest !== r ? latest.workflowId : undefined;
      const skipped = record.skipped?.find((x) => x.action === r.action)?.reason;
      const waiting = proposed
        ? undefined
        : !assessed
          ? 'not assessed yet (an assessment is waiting to be retried): proposed when its rule next fires'
          : (record.assessmentError?.message ??
            skipped ??
            `rule ${r.ruleId} does not fire now (score ${record.assessment?.risk.score ?? '?'})`);
      outbox.push({
        type: 'remediation.retried',
        detail: {
          remediationId,
          action: r.action,
          by,
          reason: r.retry.reason,
          round: r.retry.round,
          ...(proposed ? { proposed } : { waiting }),
        },
      });
      return { accepted: true, remediationId, ...(proposed ? { proposed } : { waiting }) };
    }),
  );

  const publish = async (type: EventType, detail: Record<string, unknown>, findingIds?: string[]) => {
    try {
      await publishEnforcementEvent({ type, identityKey: record.identity.key, findingIds, detail });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      log.error('enforcement event not published', { type, error: causeOf(error) });
    }
  };
  const visibility = new Visibility();
  /** A grant pauses the matching remediation awaiting approval; its end resumes it. A closed one ignores it. */
  const notifyRemediations = async (action: string, notice: ExceptionNotice) => {
    for (const r of record.remediations.filter((x) => x.action === action)) {
      try {
        await sendSealed(r.workflowId, exceptionSignal, notice);
      } catch (error) {
        log.info('remediation not signalled (closed)', { workflowId: r.workflowId, error: causeOf(error) });
      }
    }
  };
  /** Its findings are all closed: one awaiting approval cancels; one acting or ended ignores it. */
  const notifyClosed = async (c: ClosedRemediation) => {
    try {
      await sendSealed(c.workflowId, findingsClosedSignal, { reason: c.reason, findingIds: c.findingIds });
    } catch (error) {
      log.info('remediation not signalled (closed)', { workflowId: c.workflowId, error: causeOf(error) });
    }
    visibilityDirty = true;
  };

  /** A grant that already ended (closed workflow) needs nothing: the failure is only logged. */
  const tellGrant = async (m: GrantMessage) => {
    try {
      if (m.revoke) await sendSealed(m.workflowId, riskRevocationSignal, m.revoke);
      if (m.use) await sendSealed(m.workflowId, accessUsedSignal, m.use);
    } catch (error) {
      log.info('access grant not signalled (closed)', { workflowId: m.workflowId, error: causeOf(error) });
    }
  };

  const historyIsLong = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= maxEvents;
  };
  const canAssess = () => assessPending && retryAt === undefined;

  // A cancel request from a connection is refused and recorded; findings still act (workflows/cancel-refusal.ts).
  const refusedCancel = (reason: string) => {
    outbox.push({
      type: 'message.refused',
      detail: { message: 'cancel', claimedBy: CANCEL_CLAIMANT, reason },
    });
    visibilityDirty = true;
  };
  return refusingCancel('identity', () => record, run, refusedCancel);

  async function run(): Promise<void> {
    const timer = patched(DEADLINE_TIMER_PATCH) ? new DeadlineTimer() : undefined;
    for (;;) {
      if (retryAt !== undefined && Date.now() >= retryAt) retryAt = undefined;
      if (reassessAt !== undefined && Date.now() >= reassessAt) {
        reassessAt = undefined;
        assessPending = true;
      }
      const waits = [
        state.msToNextExpiry(now()),
        retryAt === undefined ? undefined : retryAt - Date.now(),
        reassessAt === undefined ? undefined : reassessAt - Date.now(),
      ];
      const wakeIn = Math.min(...waits.filter((ms): ms is number => ms !== undefined));
      const wake = () =>
        canAssess() ||
        outbox.length > 0 ||
        notices.length > 0 ||
        closings.length > 0 ||
        grantMessages.length > 0 ||
        contextWanted() ||
        historyIsLong();
      if (timer) {
        // One timer per deadline (workflows/deadline-timer.ts): the deadline is absolute, so it stays the same
        // across wake-ups for other work and its timer with it.
        timer.set(Number.isFinite(wakeIn) ? Date.now() + Math.max(1, wakeIn) : undefined);
        await condition(() => wake() || timer.fired);
        timer.take();
      }
      // Histories recorded before: no timer unless something is due, one per wait.
      else if (Number.isFinite(wakeIn)) await condition(wake, Math.max(1, wakeIn));
      else await condition(wake);

      if (contextWanted()) {
        const upTo = contextAsked;
        contextServed = { upTo, ctx: await exceptionContext() };
      }
      for (const e of state.expireExceptions(now())) {
        // Enforcement resumes by itself: assess again (fresh facts) and let the policy decide.
        outbox.push({
          type: 'exception.expired',
          detail: {
            id: exceptionPublicId(record.identity.key, e.id),
            action: e.action,
            expiresAt: e.expiresAt,
            grantedAt: e.grantedAt,
          },
        });
        notices.push({ action: e.action, notice: { exceptionId: e.id, active: false } });
        assessPending = true;
        visibilityDirty = true;
      }
      for (const r of state.expireRequests(now())) {
        outbox.push({
          type: 'exception.expired',
          detail: {
            id: exceptionPublicId(record.identity.key, r.id),
            request: true,
            action: r.action,
            deadline: r.deadline,
          },
        });
        visibilityDirty = true;
      }
      for (const e of outbox.splice(0)) await publish(e.type, e.detail);
      for (const { action, notice } of notices.splice(0)) await notifyRemediations(action, notice);
      for (const c of closings.splice(0)) await notifyClosed(c);
      for (const m of grantMessages.splice(0)) await tellGrant(m);
      if (visibilityDirty) {
        visibilityDirty = false;
        await visibility.update(state);
      }
      if (retryAt !== undefined && Date.now() >= retryAt) retryAt = undefined;

      // A retry waiting for its assessment gets it before continue-as-new (which waits for every handler).
      if (historyIsLong() && !(retriesWaiting > 0 && canAssess())) {
        await condition(() => allHandlersFinished() || contextWanted());
        // What a handler just did is announced first (the record carries it, the event would be lost).
        if (outbox.length || notices.length || closings.length || grantMessages.length || contextWanted())
          continue;
        return continueAsNew<typeof identityWorkflow>({
          identity: record.identity,
          state: carryRecord(record),
          pending: {
            assess: assessPending,
            findingIds: unannounced,
            moreFindings: unannouncedMore,
            failures,
            ...(reassessAt !== undefined ? { reassessAt: new Date(reassessAt).toISOString() } : {}),
          },
          ...(input.maxHistoryEvents !== undefined ? { maxHistoryEvents: input.maxHistoryEvents } : {}),
        });
      }
      if (!canAssess()) continue;

      assessPending = false;
      const announce = { ids: unannounced, more: unannouncedMore };
      unannounced = [];
      unannouncedMore = 0;
      const fresh: boolean = refresh;
      refresh = false;
      try {
        const next = await assessAndEnforce(state, announce, publish, visibility, fresh);
        // The score a new request would be refused at revokes a live grant too.
        if (record.accessGrants?.length && patched(ACCESS_RISK_BAR_PATCH))
          grantMessages.push(...barredGrants(record, now()));
        reassessAt = next === undefined ? undefined : Math.max(Date.parse(next), Date.now() + 1);
        failures = 0;
        record.assessmentError = undefined;
        assessments += 1;
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        // Keep everything and try again later; new findings meanwhile are merged and wait for the same retry.
        assessPending = true;
        refresh ||= fresh;
        remember(announce.ids);
        unannouncedMore += announce.more;
        failures += 1;
        const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** Math.min(failures - 1, 10));
        retryAt = Date.now() + delay;
        record.assessmentError = {
          message: causeOf(error),
          at: now(),
          failures,
          retryAt: new Date(retryAt).toISOString(),
        };
        log.warn('assessment failed; retrying later', { failures, retryInMs: delay, error: causeOf(error) });
        assessments += 1;
      }
    }
  }
}

type Publish = (type: EventType, detail: Record<string, unknown>, findingIds?: string[]) => Promise<void>;

async function assessAndEnforce(
  state: IdentityState,
  announce: { ids: string[]; more: number },
  publish: Publish,
  visibility: Visibility,
  refresh = false,
): Promise<string | undefined> {
  const record = state.record;
  // One snapshot of the open findings for both the score and the rules' `kinds`, so they agree.
  const open = state.openFindings();
  const assessment = await assessIdentity({
    identity: record.identity,
    findings: scoringFindings(open),
    ...(refresh ? { refresh } : {}),
  });
  // What a contained identity can still do: IAM does not show a deactivated key or a replaced value as gone. (The
  // patch is asked only once something is contained: no marker in the history of an identity never acted on.)
  const containments = containmentsOf(record.remediations);
  if (containments.length && patched(RESIDUAL_RISK_PATCH))
    assessment.risk = residualRisk(record.identity, assessment.risk, containments);
  record.assessment = assessment;
  const { risk, policy, policyHash } = assessment;
  // Since config-refusal-rearm: the configuration hash re-arms refusals that depended on configuration.
  const configHash = assessment.configHash && patched(CONFIG_REARM_PATCH) ? assessment.configHash : undefined;
  const at = new Date().toISOString();
  // An exception on the principal an action changes holds whoever proposes the action (a key for its user).
  const principalExceptions = (assessment.principalExceptions ?? []).filter(
    (e) => supportOf(e.action)?.changes === 'principal',
  );
  // Policies recorded before brakes existed have no `enforcement`: the defaults.
  const enforcement = policy.enforcement ?? DEFAULT_ENFORCEMENT;
  const protection = protectionOf({
    keys: [record.identity.key, record.identity.owner, assessment.principal],
    patterns: enforcement.protected,
    ...(assessment.enforcer ? { enforcer: assessment.enforcer } : {}),
  });
  const evaluation = evaluateRules(policy, {
    identity: { key: record.identity.key, type: record.identity.type },
    risk,
    openFindingKinds: actionableKinds(open),
    openFindings: open.map((f) => ({
      kind: f.kind,
      time: f.time,
      firstSeen: f.firstSeen,
      ...(f.reportedAt ? { reportedAt: f.reportedAt } : {}),
    })),
    exceptions: [...state.liveExceptions(), ...principalExceptions],
    proposals: record.remediations,
    cooldownMinutes: enforcement.cooldownMinutes,
    ...(configHash ? { configHash } : {}),
    observeAll: enforcement.mode === 'observe',
    ...(protection ? { protection } : {}),
    now: at,
  });
  const decisions = evaluation.decisions;
  // A rule that did not fire this time re-arms its ended proposal: the next crossing is new risk.
  const fired = new Set(evaluation.fired);
  rearm(record.remediations, fired, at);
  rearmObservations(record.remediations, fired, at);
  if (evaluation.skipped.length || record.skipped?.length)
    record.skipped = evaluation.skipped.slice(0, MAX_SKIPPED);
  const coolDowns = evaluation.skipped.map((s) => s.retryAt).filter((t): t is string => !!t);
  await publish(
    'identity.assessed',
    {
      score: risk.score,
      factors: risk.factors.slice(0, 5),
      decisions: decisions.map((d) => ({ action: d.action, ruleId: d.ruleId, mode: d.mode })),
      ...(policyHash ? { policyHash } : {}),
      ...(announce.more ? { moreFindings: announce.more } : {}),
    },
    announce.ids,
  );
  for (const d of decisions) {
    const observe = d.mode === 'observe';
    // Keyed by the identity the action changes: a key's workflow and its user's propose one remediation, not two.
    const target = changedIdentityKey(d.action, record.identity, assessment.principal);
    const workflowId = observe
      ? planWorkflowId(target, d.action, d.observation ?? 0)
      : remediationWorkflowId(target, d.action, d.epoch ?? 0);
    let alreadyStarted = false;
    // Acting goes ahead of bulk assessment in the task queue (its activities inherit the priority).
    const priority =
      !observe && patched(ENFORCEMENT_PRIORITY_PATCH) ? { priority: ENFORCEMENT_PRIORITY } : {};
    try {
      await startChild(remediationWorkflow, {
        workflowId,
        ...priority,
        // The remediation outlives this run (continue-as-new) and must not be cancelled with it.
        parentClosePolicy: ParentClosePolicy.ABANDON,
        // The id means "this proposal of this action for this identity": not again after it finished either.
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
        args: [
          {
            identity: record.identity,
            action: d.action,
            ruleId: d.ruleId,
            mode: d.mode,
            // An automatic rule's approvers, asked only when a brake needs a person.
            approval: d.approval ?? enforcement.approval,
            ...(d.params ? { params: d.params } : {}),
            ...(d.onNoWorker ? { onNoWorker: d.onNoWorker } : {}),
            ...(d.rollbackGroups ? { rollbackGroups: d.rollbackGroups } : {}),
            reasons: d.reasons,
            findingIds: open.map((f) => f.id).slice(-50),
            usedActions: Object.keys(record.usedActions ?? {}),
            ...(policy.remediation ? { followUp: policy.remediation } : {}),
            ...(target !== record.identity.key ? { target } : {}),
            ...(policyHash ? { policyHash } : {}),
            owner: assessment.owner ?? null,
            context: {
              score: risk.score,
              factors: risk.factors.map((f) => ({
                id: f.id,
                contribution: f.contribution,
                reason: f.reason,
              })),
              capabilities: assessment.capabilities
                .slice(0, 20)
                .map((c) => ({ id: c.id, weight: c.weight, path: c.path })),
              lastUsedAt: assessment.credentials.lastUsedAt ?? null,
            },
            ...(observe ? {} : { epoch: d.epoch ?? 0 }),
            brakes: {
              rateLimits: enforcement.rateLimits,
              circuitBreaker: enforcement.circuitBreaker,
              protected: enforcement.protected,
            },
            ...(assessment.enforcer ? { enforcer: assessment.enforcer } : {}),
          },
        ],
      });
    } catch (error) {
      // Same deterministic id already taken (an earlier run of this identity, or another path): that is the one.
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      alreadyStarted = true;
    }
    record.remediations.push({
      action: d.action,
      ruleId: d.ruleId,
      workflowId,
      mode: d.mode,
      reasons: d.reasons,
      startedAt: at,
      score: risk.score,
      findingIds: open.map((f) => f.id).slice(-50),
      ...(alreadyStarted ? { alreadyStarted } : {}),
      ...(target !== record.identity.key ? { target } : {}),
      ...(policyHash ? { policyHash } : {}),
      ...(configHash ? { configHash } : {}),
      ...(observe ? { observe: true } : { epoch: d.epoch ?? 0 }),
    });
    if (!alreadyStarted) {
      await publish(
        'remediation.started',
        {
          action: d.action,
          ruleId: d.ruleId,
          mode: d.mode,
          workflowId,
          reasons: d.reasons,
          ...(target !== record.identity.key ? { target } : {}),
          ...(policyHash ? { policyHash } : {}),
          ...(observe ? {} : { epoch: d.epoch ?? 0 }),
        },
        announce.ids,
      );
    }
  }
  await visibility.update(state);
  return coolDowns.sort()[0];
}

/** Search attributes and memo for `nhi identities`: upserted only when they change, and only when registered. */
class Visibility {
  private registered: string[] | undefined;
  private memo: boolean | undefined;
  private lastScore = workflowInfo().typedSearchAttributes.get(riskScoreSearchAttribute);
  private lastType = workflowInfo().typedSearchAttributes.get(identityTypeSearchAttribute);
  private lastMemo = JSON.stringify(workflowInfo().memo?.[IDENTITY_MEMO_KEY] ?? null); // carried by continue-as-new

  async update(state: IdentityState): Promise<void> {
    const record = state.record;
    if (this.registered === undefined) {
      try {
        const support = await identityVisibility([
          riskScoreSearchAttribute.name,
          identityTypeSearchAttribute.name,
        ]);
        this.registered = support.searchAttributes;
        this.memo = support.memo;
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        this.registered = [];
        this.memo = false;
      }
    }
    const score = record.assessment?.risk.score;
    const updates: SearchAttributeUpdatePair[] = [];
    if (
      this.registered.includes(riskScoreSearchAttribute.name) &&
      score !== undefined &&
      score !== this.lastScore
    ) {
      updates.push({ key: riskScoreSearchAttribute, value: score });
      this.lastScore = score;
    }
    const type = record.identity.type;
    if (this.registered.includes(identityTypeSearchAttribute.name) && type !== this.lastType) {
      updates.push({ key: identityTypeSearchAttribute, value: type });
      this.lastType = type;
    }
    if (updates.length) upsertSearchAttributes(updates);

    if (!this.memo) return;
    const a = record.assessment;
    const memo: IdentityMemo = {
      type,
      ...(a ? { score: a.risk.score, owner: a.owner ?? null } : {}),
      factors: (a?.risk.factors ?? [])
        .slice(0, 3)
        .map((f) => ({ id: f.id, contribution: f.contribution, reason: f.reason.slice(0, 300) })),
      remediations: record.remediations.map((r) => ({
        action: r.action,
        workflowId: r.workflowId,
        mode: r.mode,
      })),
      openExceptionRequests: record.exceptionRequests.filter((r) => r.status === 'open').length,
      liveExceptions: record.exceptions.filter((e) => !e.expiredAt).length,
      endedExceptions: record.exceptions.filter((e) => e.expiredAt).length,
      ...(patched(COUNT_EXCEPTION_REQUESTS) && state.exceptionRequestsReceived() > 0
        ? { exceptionRequests: state.exceptionRequestsReceived() }
        : {}),
    };
    const text = JSON.stringify(memo);
    if (text !== this.lastMemo) {
      upsertMemo({ [IDENTITY_MEMO_KEY]: memo });
      this.lastMemo = text;
    }
  }
}

function causeOf(error: unknown): string {
  let e = error as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(error);
}

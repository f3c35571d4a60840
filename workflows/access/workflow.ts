// One access request, from the moment it is made to the end of its grant: check (catalogue, requester, the
// identity's current risk and open compromise findings, the kill switch, the duration) → [signed approval gate,
// the remediations' own rules] → check again (new risk or a pause meanwhile) → issue (sts:AssumeRole with a session
// policy of exactly the catalogued actions, sealed to the requester's key) → live until it expires by itself or is
// revoked (`nhi revoke`, or the identity workflow on a new critical finding) → clean up. Every step is recorded in
// this history and published; the credentials never are.
import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  log,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { rememberNonce, SIGNED_DECISIONS_V2 } from '../../schemas/decision-check.ts';
import { canonicalPerson } from '../../schemas/directory.ts';
import { durationMs } from '../../schemas/duration.ts';
import type { Approval } from '../../schemas/policy.ts';
import { REFUSED_MEMO_KEY, recordRefusal } from '../../schemas/refused-message.ts';
import type { SignedDecision } from '../../schemas/signed-decision.ts';
import { CANCEL_CLAIMANT, refusingCancel, shielded } from '../cancel-refusal.ts';
import {
  approvalsMissing,
  decisionRefusal,
  isRejected,
  recordDecision,
} from '../remediation/approval-rules.ts';
import { type DecisionResult, decideUpdate, type RemediationState } from '../remediation/definitions.ts';
import { ACT_OPTIONS } from '../remediation/timeouts.ts';
import { ServiceInbox } from '../service-messages.ts';
import { accessPlanHash, accessPlanOf, requestVerdict, revokeRefusal } from './access-rules.ts';
import {
  type AccessContext,
  type AccessRequestInput,
  type AccessState,
  type AccessUse,
  accessQuery,
  accessUsedSignal,
  type RevokeResult,
  type RiskRevocation,
  revokeAccessUpdate,
  riskRevocationSignal,
} from './definitions.ts';

const { accessContext, noteGrant } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '20 seconds', maximumAttempts: 10 },
});
const { issueGrant, revokeGrant, removeRevocation, discardHandoff } =
  proxyActivities<Activities>(ACT_OPTIONS);
const { publishEnforcementEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 },
});

type EventType = Parameters<typeof publishEnforcementEvent>[0]['type'];

/** Who ends a grant on new risk: the enforcer itself, not a person. */
export const SYSTEM_ACTOR = 'nhi-enforce';

export async function accessRequestWorkflow(input: AccessRequestInput): Promise<AccessState> {
  const { terms, grantId } = input;
  const { workflowId } = workflowInfo();
  const now = () => new Date().toISOString();
  const state: AccessState = {
    grantId,
    status: 'checking',
    terms,
    requestedBy: '?',
    requestedAt: now(),
    approvals: [],
    rejections: [],
    attempts: [],
    uses: [],
  };
  let ctx: AccessContext | undefined;
  let approval: Approval | undefined;
  let revokeAsk: { by: string; reason: string; findingId?: string } | undefined;

  const record = async (type: EventType, detail: Record<string, unknown>) => {
    try {
      await publishEnforcementEvent({
        type,
        identityKey: terms.identityKey,
        detail: {
          grantId,
          action: terms.action,
          requester: state.requestedBy,
          ...(state.plan ? { target: state.plan.roleArn } : {}),
          ...detail,
        },
      });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      log.error('enforcement event not published', { type });
    }
  };

  /** A refused message: in state, the memo (evidence) and the history. */
  const refuseMessage = (message: string, claimedBy: string, reason: string) => {
    state.refusedMessages = recordRefusal(state.refusedMessages ?? [], {
      at: now(),
      message,
      claimedBy,
      reason,
    });
    upsertMemo({ [REFUSED_MEMO_KEY]: state.refusedMessages });
  };
  const nonces: string[] = [];
  const freshness = () =>
    patched(SIGNED_DECISIONS_V2) ? { nowMs: Date.now(), seenNonces: nonces } : undefined;
  setHandler(accessQuery, () => state);
  // Same update as a remediation's: `nhi approve|reject` sign over this request's workflow, run and plan hash.
  setHandler(
    decideUpdate,
    shielded(async (decision: SignedDecision): Promise<DecisionResult> => {
      const fresh = freshness();
      const refusal = approval
        ? decisionRefusal(
            {
              status: gateStatus(state.status),
              request: state.request,
              approval,
              owners: [ctx?.identity.owner, terms.identityKey].filter((o): o is string => !!o),
              requester: state.requestedBy,
              decided: [...state.approvals, ...state.rejections],
              subject: 'access grant',
              ...(fresh ? { fresh } : {}),
            },
            decision,
          )
        : 'this request needs no approval';
      const { by, missing } = recordDecision(state, decision, refusal, approval!, now());
      if (fresh && refusal) refuseMessage('decide', by, refusal);
      else if (fresh) rememberNonce(nonces, decision);
      await record('access.decision', {
        by,
        decision: String(decision?.decision),
        accepted: !refusal,
        ...(refusal ? { refusal } : { reason: decision.reason.trim(), missing }),
      });
      return {
        accepted: !refusal,
        ...(refusal ? { refusal } : { missing }),
        status: gateStatus(state.status),
      };
    }),
  );
  setHandler(
    revokeAccessUpdate,
    shielded(async (signed: SignedDecision): Promise<RevokeResult> => {
      const fresh = freshness();
      const refusal = ctx
        ? revokeRefusal(state, signed, ctx.directory, workflowId, fresh)
        : 'the request is not open yet';
      const by = typeof signed?.person === 'string' ? canonicalPerson(signed.person) : '?';
      if (fresh && refusal) refuseMessage('revokeAccess', by, refusal);
      else if (fresh) rememberNonce(nonces, signed);
      if (refusal) {
        await record('access.decision', { by, decision: 'revoke', accepted: false, refusal });
        return { accepted: false, refusal, status: state.status };
      }
      revokeAsk ??= { by, reason: signed.reason.trim() };
      // Answers once the deny is in place (or the grant ended another way meanwhile).
      await condition(() => state.status !== 'active');
      return { accepted: state.status === 'revoked', status: state.status };
    }),
  );
  // Both only from the identity workflow, sealed by the worker (workflows/service-messages.ts): a forged revocation
  // or use is recorded and dropped.
  const inbox = new ServiceInbox(() => state);
  const ignore = () => undefined;
  setHandler(riskRevocationSignal, (sealed) =>
    inbox.accept<RiskRevocation, void>(
      riskRevocationSignal.name,
      sealed,
      (notice) => {
        if (typeof notice?.reason === 'string' && state.status === 'active')
          revokeAsk ??= { by: SYSTEM_ACTOR, reason: notice.reason, findingId: notice.findingId };
      },
      ignore,
    ),
  );
  const uses: Array<AccessState['uses'][number]> = [];
  setHandler(accessUsedSignal, (sealed) =>
    inbox.accept<AccessUse, void>(
      accessUsedSignal.name,
      sealed,
      (use) => {
        if (typeof use?.findingId !== 'string' || state.uses.some((u) => u.findingId === use.findingId))
          return;
        state.uses.push(use);
        uses.push(use);
      },
      ignore,
    ),
  );

  // A cancel request from a connection is refused and recorded; a live grant keeps its expiry and revocation.
  const refusedCancel = (reason: string) =>
    record('message.refused', { message: 'cancel', claimedBy: CANCEL_CLAIMANT, reason });
  return refusingCancel('access request', () => state, run, refusedCancel);

  async function run(): Promise<AccessState> {
    // 1. Checked at the moment of the request.
    ctx = await accessContext({ action: terms.action, identityKey: terms.identityKey });
    const requestFresh = freshness();
    const verdict = requestVerdict(ctx, terms, input.signed, workflowId, requestFresh);
    if (requestFresh && verdict.refusal) refuseMessage('request', verdict.requester, verdict.refusal);
    state.requestedBy = verdict.requester;
    state.checks = verdict.checks;
    state.plan = accessPlanOf(ctx, terms);
    if (state.plan) state.planHash = accessPlanHash(terms, state.plan);
    await record('access.requested', {
      duration: terms.duration,
      reason: terms.reason,
      ...(terms.ticket ? { ticket: terms.ticket } : {}),
      checks: verdict.checks,
      ...(state.plan
        ? { sessionPolicy: state.plan.sessionPolicy, durationSeconds: state.plan.durationSeconds }
        : {}),
    });
    if (verdict.refusal) return refuse(verdict.refusal);
    approval = ctx.action?.approval;

    // 2. The signed approval gate, where the catalogue asks for one.
    if (approval) {
      const outcome = await gate(approval, ctx);
      if (outcome !== 'approved') {
        await condition(allHandlersFinished);
        return state;
      }
      // 3. Still true now? New risk or a pause while people decided refuses it.
      ctx = await accessContext({ action: terms.action, identityKey: terms.identityKey });
      const again = requestVerdict(ctx, terms, input.signed, workflowId);
      if (again.refusal) return refuse(again.refusal);
    }

    // 4. Issue: the credentials go sealed into the one-time entry; the history keeps the grant's facts only.
    state.status = 'granting';
    try {
      state.grant = await issueGrant({
        grantId,
        roleArn: state.plan!.roleArn,
        sessionPolicy: state.plan!.sessionPolicy,
        durationSeconds: state.plan!.durationSeconds,
        recipientKey: terms.recipientKey,
      });
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      state.status = 'failed';
      state.error = causeOf(error);
      await record('access.failed', { error: state.error });
      return state;
    }
    state.status = 'active';
    const grant = state.grant;
    await record('access.granted', {
      sessionName: grant.sessionName,
      roleArn: grant.roleArn,
      assumedRoleArn: grant.assumedRoleArn,
      expiresAt: grant.expiresAt,
      durationSeconds: grant.durationSeconds,
      policyHash: grant.policyHash,
      sessionPolicy: grant.sessionPolicy,
      handoffEntry: grant.handoffEntry,
      approvers: state.approvals.map((a) => a.by),
    });
    await noteGrant({
      identityKey: terms.identityKey,
      roleArn: grant.roleArn,
      notice: {
        grantId,
        workflowId,
        expiresAt: grant.expiresAt,
        assumedRoleArn: grant.assumedRoleArn,
        ...(ctx?.action ? { action: ctx.action.name, riskCeiling: ctx.action.riskCeiling } : {}),
      },
    });

    // 5. Live until it expires by itself, or is revoked.
    const expiresAt = Date.parse(grant.expiresAt);
    for (;;) {
      const left = expiresAt - Date.now();
      if (left <= 0) break;
      await condition(() => revokeAsk !== undefined || uses.length > 0, left);
      for (const use of uses.splice(0))
        await record('access.used', { ...use, sessionName: grant.sessionName });
      if (revokeAsk) break;
    }
    if (revokeAsk) {
      try {
        const deny = await revokeGrant({
          grantId,
          roleArn: grant.roleArn,
          roleId: grant.roleId,
          sessionName: grant.sessionName,
        });
        state.revocation = { ...revokeAsk, at: now(), policyName: deny.policyName, document: deny.document };
        state.status = 'revoked';
        await record('access.revoked', {
          by: revokeAsk.by,
          reason: revokeAsk.reason,
          ...(revokeAsk.findingId ? { findingId: revokeAsk.findingId } : {}),
          policyName: deny.policyName,
          sessionName: grant.sessionName,
          expiresAt: grant.expiresAt,
        });
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        state.revocation = { ...revokeAsk, at: now(), error: causeOf(error) };
        state.status = 'failed';
        await record('access.failed', { error: causeOf(error), revoking: true });
      }
    } else {
      state.status = 'expired';
      await record('access.expired', { sessionName: grant.sessionName, expiresAt: grant.expiresAt });
    }
    // Never read: the sealed credentials do not outlive the grant.
    const unread = await discardHandoff({ entry: grant.handoffEntry });
    if (unread) await record('access.handoff-discarded', { handoffEntry: grant.handoffEntry });
    if (state.status === 'revoked') {
      // The deny is needed only while the session could still be used.
      const left = expiresAt - Date.now();
      if (left > 0) await sleep(left);
      for (const use of uses.splice(0))
        await record('access.used', { ...use, sessionName: grant.sessionName });
      await removeRevocation({ roleArn: grant.roleArn, grantId });
    }
    await condition(allHandlersFinished);
    return state;

    async function refuse(refusal: string): Promise<AccessState> {
      state.status = 'refused';
      state.refusal = refusal;
      await record('access.refused', { reason: refusal, checks: state.checks });
      await condition(allHandlersFinished);
      return state;
    }

    /** One request round until approved, rejected or timed out (an escalation opens one more). */
    async function gate(
      rule: Approval,
      context: AccessContext,
    ): Promise<'approved' | 'rejected' | 'timed-out'> {
      const timeoutMs = durationMs(rule.timeout) ?? 72 * 3600_000;
      const info = workflowInfo();
      state.request = {
        round: 1,
        workflowId: info.workflowId,
        runId: info.runId,
        planHash: state.planHash!,
        openedAt: now(),
        deadline: new Date(Date.now() + timeoutMs).toISOString(),
        directory: context.directory,
      };
      state.status = 'awaiting-approval';
      const request = state.request;
      await record('access.approval-requested', {
        planHash: state.planHash,
        groups: rule.groups,
        deadline: request.deadline,
      });
      const approved = () => Object.keys(approvalsMissing(rule, request, state.approvals)).length === 0;
      const rejected = () => isRejected(rule, request, state.rejections);
      for (;;) {
        await condition(
          () => approved() || rejected(),
          Math.max(1, Date.parse(request.deadline) - Date.now()),
        );
        if (rejected()) {
          state.status = 'rejected';
          await record('access.rejected', {
            rejections: state.rejections.map((r) => ({ by: r.by, reason: r.reason })),
          });
          return 'rejected';
        }
        if (approved()) {
          await record('access.approved', {
            approvers: state.approvals.map((a) => ({ by: a.by, reason: a.reason })),
          });
          return 'approved';
        }
        const onTimeout = rule.onTimeout;
        if (typeof onTimeout === 'object' && !request.escalatedTo) {
          request.escalatedTo = onTimeout.escalate;
          request.deadline = new Date(Date.now() + timeoutMs).toISOString();
          await record('access.decision', { escalatedTo: onTimeout.escalate, deadline: request.deadline });
          continue;
        }
        // Never granted by a timeout (the policy check refuses onTimeout: auto for protected actions).
        state.status = 'timed-out';
        await record('access.rejected', { timedOut: true, deadline: request.deadline });
        return 'timed-out';
      }
    }
  }
}

/** How the shared gate rules read this request's status. */
function gateStatus(status: AccessState['status']): RemediationState['status'] {
  switch (status) {
    case 'checking':
      return 'planning';
    case 'awaiting-approval':
    case 'rejected':
    case 'refused':
    case 'failed':
      return status;
    case 'timed-out':
      return 'expired';
    default:
      return 'executed';
  }
}

function causeOf(error: unknown): string {
  let e = error as { message?: string; cause?: unknown } | undefined;
  while (e?.cause) e = e.cause as typeof e;
  return e?.message ?? String(error);
}

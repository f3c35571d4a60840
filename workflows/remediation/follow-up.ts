// After a remediation executed: re-check its effect at the policy's intervals (the last one repeats) until the
// rollback window closes. Drift (a key re-activated, a policy removed or edited) is re-enforced (the action is
// run again: every action is idempotent) or only announced, as the policy says. While the window is open,
// `nhi rollback` sends the rollback update: a person's signed decision, from the group the policy names for
// rolling that rule back, never the identity's owner. The recorded pre-state is restored, verified and published,
// the re-checks stop, and the identity is told, so while its risk stays the action is proposed again. A rollback
// that does not hold is refused and recorded (state, memo, history): the enforcement stays. This workflow's history
// is the record of all of it.

import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  setHandler,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import {
  claimedPerson,
  type Freshness,
  personEntry,
  rememberNonce,
  signedDecisionRefusal,
} from '../../schemas/decision-check.ts';
import { canonicalPerson, type DirectorySnapshot } from '../../schemas/directory.ts';
import { REFUSED_MEMO_KEY, recordRefusal } from '../../schemas/refused-message.ts';
import type { SignedDecision } from '../../schemas/signed-decision.ts';
import { identityWorkflowId, remediationEndedSignal } from '../identity/definitions.ts';
import { sendSealed } from '../service-messages.ts';
import { builtInCalls, teamCalls } from './action-calls.ts';
import {
  DEFAULT_FOLLOW_UP,
  type FollowUpInput,
  type FollowUpState,
  followUpQuery,
  MAX_RECHECKS,
  rollbackGroupsOf,
  rollbackTermsHash,
  rollbackUpdate,
} from './definitions.ts';
import { reassessChanged } from './reassess.ts';

const { publishEnforcementEvent, loadDirectory } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** The patch under which a rollback must be signed (histories from before replay their unsigned rollbacks). */
export const SIGNED_ROLLBACK = 'signed-rollback';

/** Why a rollback cannot be accepted now, or undefined. Pure: the handler and tests share it. */
export function rollbackRefusal(
  state: FollowUpState,
  request: { by?: string; reason?: string },
): string | undefined {
  if (!request?.reason?.trim()) return 'a rollback must give a reason (--reason R)';
  if (state.plan.rollback?.possible === false)
    return `${state.plan.action} cannot be rolled back: ${state.plan.rollback.how}`;
  if (state.status !== 'watching') return `this remediation is ${state.status}`;
  return undefined;
}

/**
 * Why this signed rollback does not hold, or undefined: signed by a person in the directory, for this follow-up's
 * run and remediation, recently and once, a member of the groups that may roll this rule back, not its owner.
 * A `by` field is never read.
 */
export function signedRollbackRefusal(
  state: FollowUpState,
  directory: DirectorySnapshot,
  signed: unknown,
  expect: { workflowId: string; runId: string; groups: readonly string[]; owners: readonly string[] },
  fresh: Freshness,
): string | undefined {
  const bad = signedDecisionRefusal(
    directory,
    signed,
    {
      workflowId: expect.workflowId,
      runId: expect.runId,
      planHash: state.termsHash ?? '',
      decisions: ['rollback'],
      termsRefusal: 'signed over another remediation or plan (fetch it again)',
    },
    fresh,
  );
  if (bad) return bad;
  const person = canonicalPerson((signed as SignedDecision).person);
  const groups = personEntry(directory, person)!.groups;
  if (!groups.some((g) => expect.groups.includes(g)))
    return `${person} is in none of the groups that may roll this rule back (${expect.groups.join(', ')})`;
  const owner = expect.owners.find((o) => {
    const c = canonicalPerson(o);
    return c === person || groups.includes(c);
  });
  if (owner) return `${person} is the identity's owner (${owner}) and cannot roll back its remediation`;
  return rollbackRefusal(state, signed as SignedDecision);
}

export async function remediationFollowUpWorkflow(args: FollowUpInput): Promise<FollowUpState> {
  const followUp = args.input.followUp ?? DEFAULT_FOLLOW_UP;
  const started = Date.now();
  const until = started + followUp.rollbackWindowHours * 3_600_000;
  const state: FollowUpState = {
    remediationId: args.remediationId,
    status: 'watching',
    plan: args.plan,
    outcome: args.outcome,
    until: new Date(until).toISOString(),
    rechecks: [],
    drifts: 0,
  };
  const now = () => new Date().toISOString();
  const record = (
    type: Parameters<typeof publishEnforcementEvent>[0]['type'],
    detail: Record<string, unknown>,
  ) =>
    publishEnforcementEvent({
      type,
      identityKey: args.input.identity.key,
      findingIds: args.input.findingIds,
      detail: {
        action: args.input.action,
        ruleId: args.input.ruleId,
        remediationId: args.remediationId,
        ...detail,
      },
    });

  // A team action's re-checks and rollback run on its own task queue; with no worker there they wait for one.
  const calls = args.teamAction
    ? teamCalls(args.teamAction, args.input, {
        waiting: async (phase, taskQueue, waited) => {
          await record('remediation.waiting-for-worker', {
            phase,
            taskQueue,
            waited,
            onNoWorker: 'wait',
          }).catch(() => undefined);
          return 'wait';
        },
        resumed: () => undefined,
      })
    : builtInCalls();
  const { verify: verifyRemediation, act: executeRemediation } = calls;
  const { rollback: rollbackRemediation, verifyRollback } = calls;

  const info = workflowInfo();
  state.runId = info.runId;
  state.termsHash = rollbackTermsHash(args.remediationId, args.plan);
  state.rollbackGroups = rollbackGroupsOf(args.input);
  const owners = [args.input.owner, args.input.target, args.input.identity.key].filter(
    (o): o is string => typeof o === 'string' && o !== '',
  );
  const nonces: string[] = [];
  let requested:
    | { by: string; reason: string; signature?: string; signedAt?: string; directoryHash?: string }
    | undefined;
  setHandler(followUpQuery, () => state);
  // No validator: a validator's refusal leaves no trace in history. Every refusal is recorded here.
  setHandler(rollbackUpdate, async (request) => {
    if (!patched(SIGNED_ROLLBACK)) {
      // Recorded before rollbacks were signed: replays as it ran (its validator had accepted it).
      const old = request as unknown as { by: string; reason: string };
      requested = { by: old.by.trim(), reason: old.reason.trim() };
    } else {
      const directory = await loadDirectory();
      const refusal = signedRollbackRefusal(
        state,
        directory,
        request,
        { workflowId: info.workflowId, runId: info.runId, groups: state.rollbackGroups ?? [], owners },
        { nowMs: Date.now(), seenNonces: nonces },
      );
      if (refusal) {
        state.refusedMessages = recordRefusal(state.refusedMessages ?? [], {
          at: now(),
          message: 'rollback',
          claimedBy: claimedPerson(request),
          reason: refusal,
        });
        upsertMemo({ [REFUSED_MEMO_KEY]: state.refusedMessages });
        await record('message.refused', {
          message: 'rollback',
          claimedBy: claimedPerson(request),
          reason: refusal,
        });
        throw ApplicationFailure.create({ message: `rollback refused: ${refusal}`, nonRetryable: true });
      }
      rememberNonce(nonces, request);
      requested = {
        by: canonicalPerson(request.person),
        reason: request.reason.trim(),
        signature: request.signature,
        signedAt: request.time,
        ...(directory.hash ? { directoryHash: directory.hash } : {}),
      };
    }
    state.status = 'rolling-back';
    await condition(() => state.status !== 'rolling-back');
    return state;
  });

  let check = 0;
  while (state.status === 'watching') {
    const delaySeconds =
      followUp.recheckEverySeconds[Math.min(check, followUp.recheckEverySeconds.length - 1)] ?? 86_400;
    const left = until - Date.now();
    if (left <= 0) break;
    check += 1;
    const interrupted = await condition(() => requested !== undefined, Math.min(left, delaySeconds * 1000));
    if (interrupted || Date.now() >= until) break;
    const verification = await verifyRemediation(args.plan, args.outcome);
    const entry: FollowUpState['rechecks'][number] = { at: now(), ...verification };
    if (!verification.ok) {
      state.drifts += 1;
      if (followUp.onDrift === 'reenforce') {
        // The recorded pre-state stays the one from the first execution: that is what rollback restores.
        // As of the first act's moment: the effect put back is the one that was verified, not a new one.
        await executeRemediation(args.plan, args.remediationId, args.actedAt);
        const after = await verifyRemediation(args.plan, args.outcome);
        entry.reenforced = after.ok;
        await reassessChanged(args.input, args.remediationId, args.plan.affects);
        await record('remediation.drifted', {
          drift: verification.detail,
          reenforced: after.ok,
          verification: after,
        });
      } else await record('remediation.drifted', { drift: verification.detail, reenforced: false });
    }
    state.rechecks.push(entry);
    if (state.rechecks.length > MAX_RECHECKS) state.rechecks.shift();
  }

  if (requested) {
    state.rollback = { ...requested, at: now() };
    try {
      state.rollback.outcome = await rollbackRemediation(args.plan, args.outcome, args.remediationId);
      state.rollback.verification = await verifyRollback(args.plan, args.outcome);
    } catch (error) {
      state.rollback.verification = { ok: false, detail: (error as Error).message };
    }
    state.status = state.rollback.verification.ok ? 'rolled-back' : 'rollback-failed';
    if (state.rollback.verification.ok && state.rollback.signature) {
      // The identity re-arms the rule: while its findings stay open, the action is proposed again.
      await sendSealed(identityWorkflowId(args.input.identity.key), remediationEndedSignal, {
        workflowId: args.remediationId,
        action: args.input.action,
        epoch: args.input.epoch ?? 0,
        status: 'rolled-back',
        at: now(),
      }).catch(() => undefined);
    }
    await reassessChanged(args.input, args.remediationId, args.plan.affects);
    await record(state.rollback.verification.ok ? 'remediation.rolled-back' : 'remediation.failed', {
      rollback: state.rollback,
    });
    await condition(allHandlersFinished);
    return state;
  }
  state.status = 'closed';
  return state;
}

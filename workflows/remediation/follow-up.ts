// After a remediation executed: re-check its effect at the policy's intervals (the last one repeats) until the
// rollback window closes. Drift (a key re-activated, a policy removed or edited) is re-enforced (the action is
// run again: every action is idempotent) or only announced, as the policy says. While the window is open,
// `nhi rollback` sends the rollback update: the recorded pre-state is restored, verified and published, and the
// re-checks stop. This workflow's history is the record of all of it.
import { allHandlersFinished, condition, proxyActivities, setHandler } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import { builtInCalls, teamCalls } from './action-calls.ts';
import {
  DEFAULT_FOLLOW_UP,
  type FollowUpInput,
  type FollowUpState,
  followUpQuery,
  MAX_RECHECKS,
  rollbackUpdate,
} from './definitions.ts';
import { reassessChanged } from './reassess.ts';

const { publishEnforcementEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** Why a rollback cannot be accepted now, or undefined. Pure: the update validator and tests share it. */
export function rollbackRefusal(
  state: FollowUpState,
  request: { by?: string; reason?: string },
): string | undefined {
  if (!request.by?.trim()) return 'a rollback must name who asks for it (--as WHO)';
  if (!request.reason?.trim()) return 'a rollback must give a reason (--reason R)';
  if (state.plan.rollback?.possible === false)
    return `${state.plan.action} cannot be rolled back: ${state.plan.rollback.how}`;
  if (state.status !== 'watching') return `this remediation is ${state.status}`;
  return undefined;
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

  let requested: { by: string; reason: string } | undefined;
  setHandler(followUpQuery, () => state);
  setHandler(
    rollbackUpdate,
    async (request) => {
      requested = { by: request.by.trim(), reason: request.reason.trim() };
      state.status = 'rolling-back';
      await condition(() => state.status !== 'rolling-back');
      return state;
    },
    {
      validator: (request) => {
        const refusal = rollbackRefusal(state, request);
        if (refusal) throw new Error(refusal);
      },
    },
  );

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
        await executeRemediation(args.plan, args.remediationId);
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

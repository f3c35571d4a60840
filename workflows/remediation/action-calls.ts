// How a remediation reaches its action's phases: a built-in's activities on this worker's own task queue, or a
// team action's activities (`<name>:<phase>`) on the team's task queue, with the timeouts and retry policy the team
// registered. A team phase nobody picks up within its schedule-to-start timeout is reported (`waiting`) and, as the
// rule says, asked again or failed. Deterministic: workflow code only.
import { ApplicationFailure, proxyActivities, TimeoutFailure, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import {
  type ActionPhase,
  type RegisteredAction,
  type TeamPhaseInput,
  type TeamPlanResult,
  teamActivityName,
} from '../../schemas/action-contract.ts';
import type { RemediationInput, RemediationPlan } from './definitions.ts';
import { ACT_OPTIONS } from './timeouts.ts';

export interface Verification {
  ok: boolean;
  detail: string;
}

export interface ActionCalls {
  plan(input: RemediationInput): Promise<RemediationPlan>;
  /** `actingAt`: the moment the remediation acts (the same for a re-enforcement); team actions do not get it. */
  act(plan: RemediationPlan, remediationId: string, actingAt?: string): Promise<Record<string, unknown>>;
  verify(plan: RemediationPlan, outcome?: Record<string, unknown>): Promise<Verification>;
  rollback(
    plan: RemediationPlan,
    outcome: Record<string, unknown>,
    remediationId: string,
  ): Promise<Record<string, unknown>>;
  verifyRollback(plan: RemediationPlan, outcome: Record<string, unknown>): Promise<Verification>;
}

const READ_OPTIONS = {
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 10 },
} as const;

/** The built-in actions, run by this worker's own activities. */
export function builtInCalls(): ActionCalls {
  const { planRemediation, verifyRemediation, verifyRollback } = proxyActivities<Activities>(READ_OPTIONS);
  const { executeRemediation, rollbackRemediation } = proxyActivities<Activities>(ACT_OPTIONS);
  return {
    plan: planRemediation,
    act: executeRemediation,
    verify: verifyRemediation,
    rollback: rollbackRemediation,
    verifyRollback,
  };
}

/** What the caller does when a phase found no worker: publish, then `wait` (ask again) or `fail`. */
export interface NoWorkerHooks {
  waiting(phase: ActionPhase, taskQueue: string, waited: string): Promise<'wait' | 'fail'>;
  /** The phase was picked up after a wait. */
  resumed(phase: ActionPhase): void;
}

/** True when nobody picked the activity up in time (its schedule-to-start timeout), anywhere in the cause chain. */
export function isNoWorker(error: unknown): boolean {
  for (let e = error as { cause?: unknown } | undefined; e; e = e.cause as typeof e)
    if (e instanceof TimeoutFailure && e.timeoutType === 'SCHEDULE_TO_START') return true;
  return false;
}

type Phase = (input: TeamPhaseInput) => Promise<unknown>;

/** A team action's phases on its own task queue. */
export function teamCalls(
  action: RegisteredAction,
  input: Pick<RemediationInput, 'identity' | 'params'>,
  hooks: NoWorkerHooks,
): ActionCalls {
  const { timeouts, retry, taskQueue } = action;
  const options = (heartbeat: boolean) => ({
    taskQueue,
    scheduleToStartTimeout: timeouts.scheduleToStart,
    startToCloseTimeout: timeouts.startToClose,
    ...(heartbeat ? { heartbeatTimeout: timeouts.heartbeat } : {}),
    retry: {
      maximumAttempts: retry.maximumAttempts,
      initialInterval: retry.initialInterval,
      maximumInterval: retry.maximumInterval,
    },
  });
  // Phases that change something heartbeat at each step (the kit does it), so a killed worker is noticed soon.
  const reads = proxyActivities<Record<string, Phase>>(options(false));
  const changes = proxyActivities<Record<string, Phase>>(options(true));
  const call = async <T>(
    phase: ActionPhase,
    args: Omit<TeamPhaseInput, 'action' | 'identity' | 'params'>,
  ) => {
    const fn = (phase === 'act' || phase === 'rollback' ? changes : reads)[
      teamActivityName(action.name, phase)
    ]!;
    let waited = false;
    for (;;) {
      try {
        const result = (await fn({
          action: action.name,
          identity: input.identity,
          params: input.params ?? {},
          ...args,
        })) as T;
        if (waited) hooks.resumed(phase);
        return result;
      } catch (error) {
        if (!isNoWorker(error)) throw error;
        waited = true;
        if ((await hooks.waiting(phase, taskQueue, timeouts.scheduleToStart)) === 'fail')
          throw ApplicationFailure.nonRetryable(
            `no worker picked up ${action.name}:${phase} on task queue ${taskQueue} within ${timeouts.scheduleToStart}`,
            'NoWorker',
          );
      }
    }
  };
  const teamPlan = (plan: RemediationPlan) => plan as TeamPhaseInput['plan'];
  return {
    async plan(remediation) {
      const planned = await call<TeamPlanResult>('plan', { remediationId: workflowInfo().workflowId });
      return completeTeamPlan(action, remediation.identity.key, planned);
    },
    act: (plan, remediationId) => call('act', { remediationId, plan: teamPlan(plan) }),
    verify: (plan, outcome) =>
      call('verify', {
        remediationId: workflowInfo().workflowId,
        plan: teamPlan(plan),
        ...(outcome ? { outcome } : {}),
      }),
    rollback: (plan, outcome, remediationId) =>
      call('rollback', { remediationId, plan: teamPlan(plan), outcome }),
    verifyRollback: (plan, outcome) =>
      call('verify-rollback', { remediationId: workflowInfo().workflowId, plan: teamPlan(plan), outcome }),
  };
}

/** The team's plan as a remediation plan: the action and identity named, and the rollback terms the contract gives. */
export function completeTeamPlan(
  action: RegisteredAction,
  identityKey: string,
  planned: TeamPlanResult,
): RemediationPlan {
  const { rollbackHow, ...rest } = planned;
  return {
    ...rest,
    steps: planned.steps ?? [],
    action: action.name,
    identityKey,
    rollback: action.reversible
      ? { possible: true, how: rollbackHow ?? `${action.name} restores the pre-state it recorded` }
      : { possible: false, how: rollbackHow ?? `${action.name} is registered as not reversible` },
  };
}

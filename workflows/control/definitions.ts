// Messages of the enforcement control workflow (one per task queue): the kill switch, rate windows and circuit
// breaker every remediation consults right before it acts. Shared by the workflow, the activity that reserves an
// act, the CLI (`nhi enforcement`) and tests.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActAnswer, ActOutcome, ActRequest, ControlState } from '../../risk/brakes.ts';
import type { CircuitBreaker } from '../../schemas/policy.ts';
import type { RefusedMessage } from '../../schemas/refused-message.ts';
import type { Sealed } from '../../schemas/service-seal.ts';
import { hashOf, type SignedDecision } from '../../schemas/signed-decision.ts';

/** One control per deployment (task queue): its workers run it, `nhi enforcement` talks to it. */
export const controlWorkflowId = (taskQueue: string): string => `enforcement-control/${taskQueue}`;
export const CONTROL_WORKFLOW_TYPE = 'enforcementControlWorkflow';

export interface ControlInput {
  /** Carried over by continue-as-new. */
  state?: ControlState;
  /** Carried over by continue-as-new: the nonces of accepted pauses and resumes (refusals live in `state`). */
  nonces?: string[];
  /** Continue as new after this many history events; tests make it small. */
  maxHistoryEvents?: number;
}

export interface ControlStatus {
  paused?: ControlState['paused'];
  /** Paused, and no act granted before the pause is still running: nothing automatic acts now. */
  acknowledged: boolean;
  /** Granted acts not reported done yet. */
  inflight: string[];
  breaker?: ControlState['breaker'] & { closesAt?: string };
  /** Failures and verification misses in the breaker's current window. */
  recentFailures: number;
  /** Acts granted within the last hour, in total and per account. */
  actsLastHour: { total: number; byAccount: Record<string, number> };
  /** Remediations waiting for a release. */
  held: number;
  /** Messages it refused (unsigned or forged pauses and resumes, unsealed or undecodable service messages): the newest. */
  refusedMessages?: RefusedMessage[];
}

/**
 * `nhi enforcement pause|resume`: a person's signed decision (`pause` or `resume`) from the brakes' group (policy
 * `decisions.brakes`, default security), over the control's id, CONTROL_RUN and brakeTerms. Histories from before
 * signing carry `{ by, reason }`, which only their old code path reads.
 */
export type PauseRequest = SignedDecision;

/** The control is one entity across its runs (continue-as-new): decisions name it by id, and this as its run. */
export const CONTROL_RUN = 'control';

/** What a pause or resume is signed over: the act, and for resume the exact pause and breaker it lifts. */
export const brakeTerms = (
  act: 'pause' | 'resume',
  status: Pick<ControlStatus, 'paused' | 'breaker'> = {},
): string =>
  act === 'pause'
    ? hashOf({ act })
    : hashOf({ act, paused: status.paused?.at ?? null, breaker: status.breaker?.openedAt ?? null });

/** Sealed by the worker (schemas/service-seal.ts); anyone else's is answered `hold` and recorded. */
export const reserveActUpdate = defineUpdate<ActAnswer, [Sealed<ActRequest>]>('reserveAct');
/** Returns once the pause is acknowledged: no act granted before it is still running (or the wait timed out). */
export const pauseUpdate = defineUpdate<ControlStatus, [PauseRequest]>('pause');
/** Lifts the pause, closes the breaker and releases held remediations. */
export const resumeUpdate = defineUpdate<ControlStatus, [PauseRequest]>('resume');
/** Sealed by the worker; anyone else's is recorded and dropped. */
export const actDoneSignal = defineSignal<[Sealed<ActOutcome & { breaker?: CircuitBreaker }>]>('actDone');
export const controlStatusQuery = defineQuery<ControlStatus>('status');

// Messages of the enforcement control workflow (one per task queue): the kill switch, rate windows and circuit
// breaker every remediation consults right before it acts. Shared by the workflow, the activity that reserves an
// act, the CLI (`nhi enforcement`) and tests.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ActAnswer, ActOutcome, ActRequest, ControlState } from '../../risk/brakes.ts';
import type { CircuitBreaker } from '../../schemas/policy.ts';
import type { RefusedMessage } from '../../schemas/refused-message.ts';
import type { Sealed } from '../../schemas/service-seal.ts';

/** One control per deployment (task queue): its workers run it, `nhi enforcement` talks to it. */
export const controlWorkflowId = (taskQueue: string): string => `enforcement-control/${taskQueue}`;
export const CONTROL_WORKFLOW_TYPE = 'enforcementControlWorkflow';

export interface ControlInput {
  /** Carried over by continue-as-new. */
  state?: ControlState;
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
  /** Messages refused (forged, unsealed, undecodable), the newest last. */
  refusedMessages?: RefusedMessage[];
}

export interface PauseRequest {
  by: string;
  reason: string;
}

/** Sealed by the worker (schemas/service-seal.ts); anyone else's is answered `hold` and recorded. */
export const reserveActUpdate = defineUpdate<ActAnswer, [Sealed<ActRequest>]>('reserveAct');
/** Returns once the pause is acknowledged: no act granted before it is still running (or the wait timed out). */
export const pauseUpdate = defineUpdate<ControlStatus, [PauseRequest]>('pause');
/** Lifts the pause, closes the breaker and releases held remediations. */
export const resumeUpdate = defineUpdate<ControlStatus, [PauseRequest]>('resume');
/** Sealed by the worker; anyone else's is recorded and dropped. */
export const actDoneSignal = defineSignal<[Sealed<ActOutcome & { breaker?: CircuitBreaker }>]>('actDone');
export const controlStatusQuery = defineQuery<ControlStatus>('status');

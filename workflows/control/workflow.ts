// The enforcement control: one long-lived workflow per task queue holding the brakes' state in its own history
// (no store of our own). Remediations reserve an act through an update right before acting and report the outcome
// by signal; people pause, resume and read it through `nhi enforcement`. The state transitions are pure
// (risk/brakes.ts); this file only orders them, keeps time, and announces what changed.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities/index.ts';
import {
  type ActAnswer,
  type ActOutcome,
  type ActRequest,
  breakerClosesAt,
  type ControlState,
  closeQuietBreaker,
  emptyControlState,
  pruneControlState,
  recordOutcome,
  reserveAct,
  resume,
} from '../../risk/brakes.ts';
import {
  claimedPerson,
  personEntry,
  rememberNonce,
  SIGNED_DECISIONS_V2,
  signedDecisionRefusal,
} from '../../schemas/decision-check.ts';
import { canonicalPerson, type DirectorySnapshot } from '../../schemas/directory.ts';
import { type CircuitBreaker, DEFAULT_DECISIONS, DEFAULT_ENFORCEMENT } from '../../schemas/policy.ts';
import type { SignedDecision } from '../../schemas/signed-decision.ts';
import { isUndecodable, undecodableReason } from '../../schemas/undecodable.ts';
import { CANCEL_CLAIMANT, refusingCancel, shielded } from '../cancel-refusal.ts';
import { brakesReleasedSignal } from '../remediation/definitions.ts';
import { refuseMessage, ServiceInbox } from '../service-messages.ts';
import {
  actDoneSignal,
  brakeTerms,
  CONTROL_RUN,
  type ControlInput,
  type ControlStatus,
  controlStatusQuery,
  pauseUpdate,
  reserveActUpdate,
  resumeUpdate,
} from './definitions.ts';

const { loadDirectory } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '20 seconds', maximumAttempts: 10 },
});
const { publishEnforcementEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', maximumAttempts: 20 },
});

const MAX_HISTORY_EVENTS = 2_000;
/** A pause waits this long at most for acts granted before it to finish, then answers with what is in flight. */
const PAUSE_ACK_WAIT_MS = 10 * 60_000;
/** The identity key of events about enforcement as a whole. */
export const CONTROL_EVENT_KEY = 'enforcement';

export async function enforcementControlWorkflow(given: ControlInput = {}): Promise<void> {
  // An input the codec could not decode (a forged start) is refused; the control starts empty rather than wedge.
  const input: ControlInput = isUndecodable(given) ? {} : given;
  const state: ControlState = input.state ?? emptyControlState();
  if (isUndecodable(given))
    refuseMessage(state, { message: 'start', reason: `undecodable: ${undecodableReason(given)}` });
  // reserveAct and actDone are sealed by the worker (schemas/service-seal.ts): a forged one neither uses up a rate
  // limit nor counts a failure towards the breaker.
  const inbox = new ServiceInbox(() => state);
  const maxEvents = input.maxHistoryEvents ?? MAX_HISTORY_EVENTS;
  const now = () => new Date().toISOString();
  const announcements: Array<{
    type:
      | 'enforcement.paused'
      | 'enforcement.resumed'
      | 'enforcement.breaker-opened'
      | 'enforcement.breaker-closed'
      | 'message.refused';
    detail: Record<string, unknown>;
  }> = [];
  const releases: string[] = [];
  const nonces: string[] = [...(input.nonces ?? [])];

  /**
   * A pause or resume must be a signed decision from the brakes' group (histories from before replay as they ran).
   * Returns who decided and why, or records the refusal (state, memo, event, history) and refuses the update.
   */
  const signedBy = async (
    act: 'pause' | 'resume',
    request: SignedDecision,
  ): Promise<{ by: string; reason: string }> => {
    if (!patched(SIGNED_DECISIONS_V2)) {
      const old = request as unknown as { by: string; reason: string };
      return { by: old.by, reason: old.reason };
    }
    const directory: DirectorySnapshot = await loadDirectory();
    const groups = directory.roles?.brakes ?? DEFAULT_DECISIONS.brakes;
    let refusal = signedDecisionRefusal(
      directory,
      request,
      {
        workflowId: workflowInfo().workflowId,
        runId: CONTROL_RUN,
        planHash: brakeTerms(act, status()),
        decisions: [act],
        termsRefusal:
          act === 'resume'
            ? 'signed over another pause or breaker than the one in force (read nhi enforcement status, sign again)'
            : 'signed over other terms',
      },
      { nowMs: Date.now(), seenNonces: nonces },
    );
    if (!refusal) {
      const person = canonicalPerson(request.person);
      if (!personEntry(directory, person)!.groups.some((g) => groups.includes(g)))
        refusal = `${person} is in none of the groups that may ${act} enforcement (${groups.join(', ')}: policy decisions.brakes)`;
    }
    if (refusal) {
      refuseMessage(state, { message: act, claimedBy: claimedPerson(request), reason: refusal });
      announcements.push({
        type: 'message.refused',
        detail: { message: act, claimedBy: claimedPerson(request), reason: refusal },
      });
      throw ApplicationFailure.create({ message: `${act} refused: ${refusal}`, nonRetryable: true });
    }
    rememberNonce(nonces, request);
    return { by: canonicalPerson(request.person), reason: request.reason.trim() };
  };

  // Read-only views (a query must not change state): acts within the hour, and the grants still in flight.
  const recentActs = () => state.acts.filter((a) => Date.now() - Date.parse(a.at) < 3_600_000);
  const liveInflight = () => {
    const recent = new Set(recentActs().map((a) => a.workflowId));
    return state.inflight.filter((id) => recent.has(id));
  };
  const status = (): ControlStatus => {
    const recent = recentActs();
    const inflight = liveInflight();
    const byAccount: Record<string, number> = {};
    for (const a of recent) byAccount[a.account] = (byAccount[a.account] ?? 0) + 1;
    const closesAt = breakerClosesAt(state);
    return {
      ...(state.paused ? { paused: state.paused } : {}),
      acknowledged: !!state.paused && inflight.length === 0,
      inflight,
      ...(state.breaker ? { breaker: { ...state.breaker, ...(closesAt ? { closesAt } : {}) } } : {}),
      recentFailures: state.failures.length,
      actsLastHour: { total: recent.length, byAccount },
      held: state.held.length,
      ...(state.refusedMessages?.length ? { refusedMessages: state.refusedMessages } : {}),
    };
  };

  setHandler(controlStatusQuery, status);
  // No validator: a validator's refusal leaves no trace in history; the handler answers and records it instead.
  setHandler(reserveActUpdate, (sealed) =>
    inbox.accept<ActRequest, ActAnswer>(
      reserveActUpdate.name,
      sealed,
      (request) =>
        request?.workflowId && request.settings
          ? reserveAct(state, request, now())
          : refusedAct('a reservation names its workflow and brakes'),
      refusedAct,
    ),
  );
  // No validators: a validator's refusal leaves no trace in history; the handlers record every refusal.
  setHandler(
    pauseUpdate,
    shielded(async (request) => {
      const { by, reason } = await signedBy('pause', request);
      if (!state.paused) {
        state.paused = { by, reason, at: now() };
        announcements.push({ type: 'enforcement.paused', detail: { by, reason } });
      }
      // Acknowledged only when nothing granted before the pause is still acting.
      await condition(() => liveInflight().length === 0, PAUSE_ACK_WAIT_MS);
      pruneControlState(state, now());
      return status();
    }),
  );
  setHandler(
    resumeUpdate,
    shielded(async (request) => {
      const { by, reason } = await signedBy('resume', request);
      {
        const wasPaused = state.paused;
        const breaker = state.breaker;
        const released = resume(state);
        releases.push(...released);
        if (wasPaused || breaker)
          announcements.push({
            type: 'enforcement.resumed',
            detail: { by, reason, released: released.length, ...(breaker ? { breakerClosed: true } : {}) },
          });
        return status();
      }
    }),
  );
  setHandler(actDoneSignal, (sealed) =>
    inbox.accept<ActOutcome & { breaker?: CircuitBreaker }, void>(
      actDoneSignal.name,
      sealed,
      (outcome) => {
        const opened = recordOutcome(
          state,
          outcome,
          outcome.breaker ?? DEFAULT_ENFORCEMENT.circuitBreaker,
          now(),
        );
        if (opened) announcements.push({ type: 'enforcement.breaker-opened', detail: { reason: opened } });
      },
      () => undefined,
    ),
  );

  const historyIsLong = () => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength >= maxEvents;
  };

  // A cancel request from a connection is refused and recorded; the brakes hold (workflows/cancel-refusal.ts).
  const refusedCancel = (reason: string) =>
    announcements.push({
      type: 'message.refused',
      detail: { message: 'cancel', claimedBy: CANCEL_CLAIMANT, reason },
    });
  return refusingCancel('enforcement control', () => state, run, refusedCancel);

  async function run(): Promise<void> {
    for (;;) {
      const closesAt = breakerClosesAt(state);
      const wake = () => announcements.length > 0 || releases.length > 0 || historyIsLong();
      if (closesAt) await condition(wake, Math.max(1, Date.parse(closesAt) - Date.now()));
      else await condition(wake);

      const breaker = state.breaker;
      if (breaker && closeQuietBreaker(state, now()))
        announcements.push({
          type: 'enforcement.breaker-closed',
          detail: { openedAt: breaker.openedAt, quiet: true },
        });
      for (const a of announcements.splice(0)) {
        try {
          await publishEnforcementEvent({ type: a.type, identityKey: CONTROL_EVENT_KEY, detail: a.detail });
        } catch (error) {
          if (!(error instanceof ActivityFailure)) throw error;
          log.error('enforcement event not published', { type: a.type });
        }
      }
      for (const workflowId of releases.splice(0)) {
        // A held remediation that ended meanwhile (terminated) is simply gone.
        await getExternalWorkflowHandle(workflowId)
          .signal(brakesReleasedSignal)
          .catch(() => undefined);
      }
      if (historyIsLong()) {
        await condition(allHandlersFinished);
        if (announcements.length || releases.length) continue;
        return continueAsNew<typeof enforcementControlWorkflow>({
          state,
          ...(nonces.length ? { nonces } : {}),
          ...(input.maxHistoryEvents !== undefined ? { maxHistoryEvents: input.maxHistoryEvents } : {}),
        });
      }
    }
  }
}

/** The answer to a refused reservation: hold (the sender, were it ours, asks again), nothing recorded as an act. */
function refusedAct(reason: string): ActAnswer {
  return {
    verdict: 'hold',
    reason: `reservation refused: ${reason}`,
    retryAt: new Date(Date.now() + REFUSED_RETRY_MS).toISOString(),
  };
}
const REFUSED_RETRY_MS = 60_000;

// A cancellation request (`handle.cancel()` from any Temporal client) carries no signature: it is not a decision.
// The workflows that enforce run their body out of the reach of the root scope's cancellation, record the request
// as a refused message once, and go on. Each names its own signed way to stop what it does (cancelRefusalReason).
// Histories recorded before (no CANCEL_REFUSED_PATCH marker) replay as they ran: a cancel ended them.
import { CancellationScope, patched } from '@temporalio/workflow';
import { CANCEL_REFUSED_PATCH } from '../schemas/patch-ids.ts';
import { type CancelledWorkflow, cancelRefusalReason } from './cancel-refusal-reason.ts';
import { type RefusalHolder, refuseMessage } from './service-messages.ts';

/** Who a cancel request claims to be: nobody; Temporal does not say who asked. */
export const CANCEL_CLAIMANT = 'a Temporal client (unsigned)';

/**
 * Runs `body` so that a cancel request does not stop it: the request is recorded in `holder()` (state and memo)
 * and `onRefused` is told (to publish `message.refused`).
 */
export async function refusingCancel<R>(
  workflow: CancelledWorkflow,
  holder: () => RefusalHolder,
  body: () => Promise<R>,
  onRefused?: (reason: string) => unknown,
): Promise<R> {
  if (!patched(CANCEL_REFUSED_PATCH)) return body();
  const reason = cancelRefusalReason(workflow);
  CancellationScope.current().cancelRequested.catch(() => {
    refuseMessage(holder(), { message: 'cancel', claimedBy: CANCEL_CLAIMANT, reason });
    // The callback runs in the cancelled root scope: what it schedules (an event's activity) must not.
    if (onRefused) void CancellationScope.nonCancellable(async () => onRefused(reason));
  });
  return CancellationScope.nonCancellable(body);
}

/**
 * A message handler that waits (an activity, a timer, a condition) runs out of reach of the root scope's
 * cancellation too: otherwise a refused cancel would still fail the decisions people send afterwards.
 */
export function shielded<A extends unknown[], R>(
  handler: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  return (...args: A) => CancellationScope.nonCancellable(() => handler(...args));
}

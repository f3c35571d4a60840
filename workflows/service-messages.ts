// The workflow side of service messages (schemas/service-seal.ts) and of payloads the codec could not decode
// (schemas/undecodable.ts): every message from one of our services passes `accept` before it changes anything, and
// every message a workflow sends to another goes through `sendSealed`. A refusal is recorded (`refusedMessages` in
// the workflow's state and memo) and the message dropped; nothing here throws, so no message can wedge a workflow.
// Histories recorded before seals (no SERVICE_SEALS_PATCH marker) replay as they ran: unsealed messages accepted.
import type { SignalDefinition } from '@temporalio/common';
import {
  CancellationScope,
  getExternalWorkflowHandle,
  log,
  patched,
  proxyLocalActivities,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { SERVICE_SEALS_PATCH } from '../schemas/patch-ids.ts';
import { REFUSED_MEMO_KEY, type RefusedMessage, recordRefusal } from '../schemas/refused-message.ts';
import {
  MAX_SEAL_AGE_MS,
  type Sealed,
  type ServicePublicKeys,
  sealRefusal,
  unsealed,
} from '../schemas/service-seal.ts';
import { undecodableReason } from '../schemas/undecodable.ts';

// Keys and seals come from the worker process itself: a local activity, no round trip through the task queue. It
// cannot fail for want of keys (the worker refuses to start without them), so it is retried until it answers.
const { servicePublicKeys, sealServiceMessage } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '200 milliseconds', maximumInterval: '30 seconds' },
});

/** Whatever keeps a workflow's refusals: its state or record. */
export interface RefusalHolder {
  refusedMessages?: RefusedMessage[];
}

/** Records a refusal in `holder.refusedMessages` and the memo (REFUSED_MEMO_KEY), and logs it. */
export function refuseMessage(holder: RefusalHolder, refusal: Omit<RefusedMessage, 'at'>): void {
  holder.refusedMessages = recordRefusal(holder.refusedMessages ?? [], {
    at: new Date().toISOString(),
    ...refusal,
  });
  upsertMemo({ [REFUSED_MEMO_KEY]: holder.refusedMessages });
  log.warn('message refused', { message: refusal.message, reason: refusal.reason });
}

/** Most nonces remembered (a replay of an older one within MAX_SEAL_AGE_MS is then let through: README). */
const MAX_NONCES = 10_000;

export class ServiceInbox {
  private keys: ServicePublicKeys | undefined;
  private loading: Promise<void> | undefined;
  private readonly nonces = new Map<string, number>();

  constructor(private readonly holder: () => RefusalHolder) {}

  /**
   * Hands `body` (unsealed) to `apply` when it is a decodable message sealed by a service allowed to send it, for
   * this workflow; otherwise records the refusal and returns `refused(reason)`. Synchronous once the keys are
   * loaded (the first sealed message of a run waits for them), so messages keep their order either way.
   */
  accept<T, R>(
    message: string,
    body: unknown,
    apply: (body: T) => R,
    refused: (reason: string) => R,
  ): R | Promise<R> {
    const notDecoded = undecodableReason(body);
    if (notDecoded !== undefined) return this.refuse(message, body, `undecodable: ${notDecoded}`, refused);
    if (!patched(SERVICE_SEALS_PATCH)) return apply(unsealed(body as Sealed<T>));
    if (this.keys) return this.check(message, body, apply, refused);
    // Out of reach of a (refused) cancel request: the keys are needed whatever it asked.
    this.loading ??= CancellationScope.nonCancellable(() => servicePublicKeys()).then((keys) => {
      this.keys = keys;
    });
    return this.loading.then(() => this.check(message, body, apply, refused));
  }

  private check<T, R>(
    message: string,
    body: unknown,
    apply: (body: T) => R,
    refused: (reason: string) => R,
  ): R {
    const now = Date.now();
    const reason = sealRefusal({
      workflowId: workflowInfo().workflowId,
      message,
      body,
      keys: this.keys ?? {},
      now,
      seen: (nonce) => this.nonces.has(nonce),
    });
    if (reason) return this.refuse(message, body, reason, refused);
    this.remember((body as Sealed<unknown>).seal!.nonce, now);
    return apply(unsealed(body as Sealed<T>));
  }

  private remember(nonce: string, now: number): void {
    this.nonces.set(nonce, now);
    for (const [n, at] of this.nonces) {
      if (this.nonces.size <= MAX_NONCES && now - at < MAX_SEAL_AGE_MS) break;
      this.nonces.delete(n);
    }
  }

  private refuse<R>(message: string, body: unknown, reason: string, refused: (reason: string) => R): R {
    const claimed = (body as Sealed<unknown> | null)?.seal?.service;
    refuseMessage(this.holder(), {
      message,
      ...(typeof claimed === 'string' ? { claimedBy: claimed.slice(0, 40) } : {}),
      reason: reason.slice(0, 300),
    });
    return refused(reason);
  }
}

/** The seal for a message this workflow sends (none for histories recorded before seals). */
export async function sealFor<T>(workflowId: string, message: string, body: T): Promise<Sealed<T>> {
  if (!patched(SERVICE_SEALS_PATCH)) return body as Sealed<T>;
  const seal = await sealServiceMessage({ workflowId, message, body, at: new Date().toISOString() });
  return { ...body, seal };
}

/** Signals another workflow with a sealed message. */
export async function sendSealed<T>(
  workflowId: string,
  signal: SignalDefinition<[T]>,
  body: T,
): Promise<void> {
  const sealed = await sealFor(workflowId, signal.name, body);
  await getExternalWorkflowHandle(workflowId).signal(signal as SignalDefinition<[Sealed<T>]>, sealed);
}

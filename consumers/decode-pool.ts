// Worker threads that decode the messages the consumer does not decode inline (message-budget.ts), each under a
// hard time limit: a message still running when its budget is spent is answered `timeout` at once, and its thread,
// unless it finishes within a grace period, is terminated (V8 stops even a running regular expression) and a fresh
// one takes its place. Threads are unref'd: they never keep a process
// alive, and are started only when a message first needs one.
import { Worker } from 'node:worker_threads';
import type { Decoded, MessageLimits } from './decode-message.ts';

export interface DecodeTask {
  value: Buffer | null;
  format: string | undefined;
  fingerprintKey: string;
  limits: MessageLimits;
  reportedAt?: string;
}

/** What a thread answered, or `timeout` when it was terminated at the budget. */
export type PoolOutcome = { decoded: Decoded } | { timeout: true } | { failed: string };

const WORKER_ENTRY = new URL('./decode-worker.mjs', import.meta.url);
/** A thread loads the normaliser (through tsx) before its first message: seconds on a cold, busy machine. */
const START_TIMEOUT_MS = 60_000;
/** A thread past a message's budget may finish within this (or 3 budgets) and stay; after it, it is terminated. */
const GRACE_MS = 2_000;

interface Slot {
  worker?: Worker;
  ready?: Promise<Worker>;
  busy: boolean;
}

export class DecodePool {
  private readonly slots: Slot[];
  private readonly waiting: Array<() => void> = [];
  private nextId = 0;
  private closed = false;

  constructor(size = 2) {
    this.slots = Array.from({ length: Math.max(1, size) }, () => ({ busy: false }));
  }

  /**
   * Decodes in a thread, all within the budget (limits.budgetMs): waiting for a free, started thread counts, so a
   * message never waits longer than its budget. At the budget the answer is `timeout` at once (the partition goes
   * on); a thread still decoding gets a grace period to finish (kept warm: a cold thread is slow) before it is
   * terminated and replaced. Its slot stays busy meanwhile.
   */
  async run(task: DecodeTask): Promise<PoolOutcome> {
    const started = performance.now();
    let expired!: () => void;
    const expiry = new Promise<'expired'>((resolve) => {
      const timer = setTimeout(() => resolve('expired'), task.limits.budgetMs);
      expired = () => clearTimeout(timer);
    });
    type Ready = { slot: Slot; worker: Worker } | { failed: string };
    const ready = this.acquire().then(async (slot): Promise<Ready> => {
      try {
        return { slot, worker: await this.start(slot) };
      } catch (error) {
        this.release(slot);
        return { failed: `decode worker did not start: ${(error as Error).message}` };
      }
    });
    const got = await Promise.race([ready, expiry]);
    expired();
    if (got === 'expired') {
      // No thread free in time: the message is out of budget; the slot, when it comes, goes back at once.
      void ready.then((r) => 'slot' in r && this.release(r.slot));
      return { timeout: true };
    }
    if ('failed' in got) return { failed: got.failed };
    const left = Math.max(1, task.limits.budgetMs - (performance.now() - started));
    const sent = this.send(got.slot, got.worker, task, left);
    void sent.free.then(() => this.release(got.slot));
    return sent.outcome;
  }

  /** Starts every thread now (a consumer starting), so the first large message does not wait for one. */
  warm(): void {
    for (const slot of this.slots) this.start(slot).catch(() => {});
  }

  private release(slot: Slot): void {
    slot.busy = false;
    this.waiting.shift()?.();
  }

  /** Terminates every thread (a stopping consumer). */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => this.kill(s)));
  }

  private async acquire(): Promise<Slot> {
    for (;;) {
      const free = this.slots.find((s) => !s.busy);
      if (free) {
        free.busy = true;
        return free;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  private start(slot: Slot): Promise<Worker> {
    if (this.closed) return Promise.reject(new Error('decode pool closed'));
    slot.ready ??= new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(WORKER_ENTRY);
      worker.unref();
      // Listeners are removed one by one: Worker keeps listeners of its own (removeAllListeners breaks it).
      const off = () => worker.off('error', fail).off('exit', exited).off('message', ready);
      const fail = (error: Error) => {
        clearTimeout(timer);
        off();
        slot.ready = undefined;
        slot.worker = undefined;
        worker.terminate().catch(() => {});
        reject(error);
      };
      const exited = (code: number) => fail(new Error(`exited with code ${code} while starting`));
      const ready = () => {
        clearTimeout(timer);
        off();
        // A thread that dies between messages is replaced when the next message needs it.
        worker.once('exit', () => {
          if (slot.worker === worker) {
            slot.worker = undefined;
            slot.ready = undefined;
          }
        });
        slot.worker = worker;
        resolve(worker);
      };
      const timer = setTimeout(
        () => fail(new Error(`not ready within ${START_TIMEOUT_MS} ms`)),
        START_TIMEOUT_MS,
      );
      worker.once('error', fail).once('exit', exited).once('message', ready);
    });
    return slot.ready;
  }

  private send(
    slot: Slot,
    worker: Worker,
    task: DecodeTask,
    budgetMs: number,
  ): { outcome: Promise<PoolOutcome>; free: Promise<void> } {
    const id = this.nextId++;
    let answer!: (outcome: PoolOutcome) => void;
    let freeSlot!: () => void;
    const outcome = new Promise<PoolOutcome>((resolve) => (answer = resolve));
    const free = new Promise<void>((resolve) => (freeSlot = resolve));
    let grace: NodeJS.Timeout | undefined;
    const finish = (result: PoolOutcome | undefined, replace: boolean) => {
      clearTimeout(timer);
      clearTimeout(grace);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (result) answer(result);
      if (replace) {
        void this.kill(slot);
        // Warm again at once: the next large message should not wait for a thread to load.
        if (!this.closed) this.start(slot).catch(() => {});
      }
      freeSlot();
    };
    let timedOut = false;
    const onMessage = (m: { id: number; decoded: Decoded }) => {
      if (m.id === id) finish(timedOut ? undefined : { decoded: revive(m.decoded) }, false);
    };
    const onError = (error: Error) =>
      finish(timedOut ? undefined : { failed: `decode worker failed: ${error.message}` }, true);
    const onExit = (code: number) =>
      finish(timedOut ? undefined : { failed: `decode worker exited with code ${code}` }, true);
    const timer = setTimeout(() => {
      timedOut = true;
      answer({ timeout: true });
      grace = setTimeout(() => finish(undefined, true), Math.max(3 * task.limits.budgetMs, GRACE_MS));
    }, budgetMs);
    worker.on('message', onMessage).once('error', onError).once('exit', onExit);
    worker.postMessage({ id, ...task });
    return { outcome, free };
  }

  private async kill(slot: Slot): Promise<void> {
    const worker = slot.worker;
    slot.worker = undefined;
    slot.ready = undefined;
    if (worker) await worker.terminate().catch(() => {});
  }
}

/** Buffers come back from a thread as Uint8Arrays. */
function revive(decoded: Decoded): Decoded {
  if (!decoded.ok) return decoded;
  return {
    ...decoded,
    rejected: decoded.rejected.map((r) => ({
      ...r,
      value: Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
    })),
  };
}

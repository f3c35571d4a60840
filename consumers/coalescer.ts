// Coalescing: an identity's findings that arrive close together go to Temporal in one signal, whichever step or
// partition they came from. A submission joins the identity's open batch; the batch is sent once it is at least
// `windowMs` old and a signal slot is free, or at once when it reaches the cap. While Temporal is slow, batches stay
// open longer and grow: the busier the stream, the fewer signals per finding. Every submitter learns the outcome of
// the signal that carried its findings (its step commits only after that).
import type { Finding } from '../schemas/finding.ts';
import type { IdentityRef } from '../schemas/identity.ts';
import type { SignalFn } from './handoff.ts';

export interface CoalescerOptions {
  /** How long a batch waits for more findings before it may be sent (default 250 ms). */
  windowMs: number;
  /** Most findings in one signal (default 500). */
  maxFindings: number;
  /** Most bytes of findings in one signal (default 256 KB, well under Temporal's payload limit). */
  maxBytes: number;
  /** Signals in flight to Temporal at once (default 128: a signal's cost is mostly waiting on Temporal's
   * persistence, so more in flight means more per second; measured with `nhi bench ingest --signals-in-flight`). */
  parallel: number;
  /** Findings that do not wait for the window (a leaked or compromised credential): their batch goes at once. */
  urgent: (finding: Finding) => boolean;
}

/** What enforcement may act on right away: waiting for more findings would only delay it. */
export const isUrgent = (f: Finding): boolean =>
  f.status === 'open' && (f.kind === 'exposed-secret' || f.kind === 'compromise-indicator');

export const DEFAULT_COALESCING: CoalescerOptions = {
  windowMs: 250,
  maxFindings: 500,
  maxBytes: 256 * 1024,
  parallel: 128,
  urgent: isUrgent,
};

interface OpenBatch {
  identity: IdentityRef;
  findings: Finding[];
  ids: Set<string>;
  bytes: number;
  ripe: boolean;
  sealed: boolean;
  done: Promise<void>;
  settle: (error?: unknown) => void;
}

export class Coalescer {
  readonly options: CoalescerOptions;
  /** The batch still accepting findings, per identity. */
  private readonly open = new Map<string, OpenBatch>();
  /** Per identity, the last batch sent or queued: the next one goes after it (order per identity). */
  private readonly tail = new Map<string, Promise<void>>();
  private readonly ready: OpenBatch[] = [];
  private inFlight = 0;
  signals = 0;

  constructor(
    private readonly send: SignalFn,
    options: Partial<CoalescerOptions> = {},
  ) {
    this.options = { ...DEFAULT_COALESCING, ...options };
  }

  /** A SignalFn: resolves when Temporal accepted a signal carrying all of `findings`, rejects with its error. */
  readonly signal: SignalFn = (identity, findings) => {
    const joined: Array<Promise<void>> = [];
    for (const f of findings) joined.push(this.add(identity, f));
    return Promise.all([...new Set(joined)]).then(() => undefined);
  };

  private add(identity: IdentityRef, finding: Finding): Promise<void> {
    const bytes = JSON.stringify(finding).length;
    let batch = this.open.get(identity.key);
    if (
      batch &&
      !batch.ids.has(finding.id) &&
      (batch.findings.length >= this.options.maxFindings || batch.bytes + bytes > this.options.maxBytes)
    ) {
      this.seal(batch);
      batch = undefined;
    }
    if (!batch) batch = this.openBatch(identity);
    if (batch.ids.has(finding.id)) {
      // The newer report of the same finding replaces the older one in the same signal.
      const i = batch.findings.findIndex((f) => f.id === finding.id);
      batch.findings[i] = finding;
    } else {
      batch.findings.push(finding);
      batch.ids.add(finding.id);
      batch.bytes += bytes;
    }
    const done = batch.done;
    if (this.options.urgent(finding)) this.seal(batch, true);
    return done;
  }

  private openBatch(identity: IdentityRef): OpenBatch {
    let settle: (error?: unknown) => void = () => {};
    const done = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    const batch: OpenBatch = {
      identity,
      findings: [],
      ids: new Set(),
      bytes: 0,
      ripe: false,
      sealed: false,
      done,
      settle,
    };
    // Unhandled until a submitter awaits it; the submitters see the error.
    done.catch(() => {});
    this.open.set(identity.key, batch);
    setTimeout(() => {
      batch.ripe = true;
      if (!batch.sealed) this.ready.push(batch);
      this.pump();
    }, this.options.windowMs);
    return batch;
  }

  /**
   * Full: no more findings join it; it is sent as soon as a slot is free (no need to wait for the window). An
   * urgent batch goes to the head of the queue: under load thousands of batches wait there, and a leaked key's
   * finding must not wait behind them.
   */
  private seal(batch: OpenBatch, urgent = false): void {
    if (batch.sealed) return;
    batch.sealed = true;
    if (this.open.get(batch.identity.key) === batch) this.open.delete(batch.identity.key);
    if (urgent) {
      // Ahead of other identities only: this identity's earlier batches still go first (order per identity).
      const own = this.ready.filter((b) => b.identity.key === batch.identity.key && b !== batch);
      const rest = this.ready.filter((b) => b.identity.key !== batch.identity.key);
      this.ready.splice(0, this.ready.length, ...own, batch, ...rest);
    } else if (!this.ready.includes(batch)) this.ready.push(batch);
    this.pump();
  }

  private pump(): void {
    while (this.inFlight < this.options.parallel && this.ready.length > 0) {
      const batch = this.ready.shift()!;
      batch.sealed = true;
      if (this.open.get(batch.identity.key) === batch) this.open.delete(batch.identity.key);
      this.inFlight++;
      const previous = this.tail.get(batch.identity.key) ?? Promise.resolve();
      const sent = previous
        .catch(() => {})
        .then(() => this.send(batch.identity, batch.findings))
        .then(
          () => {
            this.signals++;
            batch.settle();
          },
          (error) => batch.settle(error ?? new Error('signal failed')),
        )
        .finally(() => {
          this.inFlight--;
          if (this.tail.get(batch.identity.key) === sent) this.tail.delete(batch.identity.key);
          this.pump();
        });
      this.tail.set(batch.identity.key, sent);
    }
  }
}

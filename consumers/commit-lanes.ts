// Reading Kafka decoupled from the handoff to Temporal. A batch's steps are submitted (their findings join the
// coalescer) and the batch ends at once, so kafkajs fetches on while the signals are in flight; while Temporal is
// the bottleneck the coalescer's open batches grow, and each identity gets few, larger signals.
//
// Each partition has a lane: its steps finish (digest written, offsets committed) strictly in offset order, so the
// committed offset is a watermark below which every finding was accepted by Temporal or is known to the digest.
// A crash re-reads from the watermark: it re-signals at most the uncommitted steps, and loses nothing.
//
// Memory is bounded: findings waiting for Temporal and steps waiting to commit have caps; past them the batch waits
// (heartbeating), which stops that partition's fetches: back-pressure.

export interface LaneOptions {
  /** Findings handed to the coalescer whose steps have not committed yet (default 50,000). */
  maxPendingFindings: number;
  /** Steps submitted and not yet committed, over all partitions (default 1,000). */
  maxPendingSteps: number;
}

export const DEFAULT_LANES: LaneOptions = { maxPendingFindings: 50_000, maxPendingSteps: 1_000 };

/** A step's completion: true once committed, false if it was abandoned (stop, partition lost). */
export type FinishStep = () => Promise<boolean>;

interface Lane {
  epoch: number;
  tail: Promise<void>;
  abandoned: boolean;
}

/** Who may add steps to a lane: taken at the start of a batch, refused after a rebalance or an abandon. */
export interface LaneTicket {
  tp: string;
  generation: number;
  epoch: number;
}

export class CommitLanes {
  readonly options: LaneOptions;
  private readonly lanes = new Map<string, Lane>();
  private generation = 0;
  private epochs = 0;
  private pendingFindings = 0;
  private pendingSteps = 0;
  private waiters: Array<() => void> = [];
  closed = false;
  /** Lanes abandoned (a step did not commit): their partition is read again from the watermark. */
  abandons = 0;

  constructor(options: Partial<LaneOptions> = {}) {
    this.options = { ...DEFAULT_LANES, ...options };
  }

  ticket(tp: string): LaneTicket {
    return { tp, generation: this.generation, epoch: this.lane(tp).epoch };
  }

  /** Whether a step queued with this ticket may still commit (no rebalance, no abandon since). */
  current(ticket: LaneTicket): boolean {
    const lane = this.lanes.get(ticket.tp);
    return (
      ticket.generation === this.generation &&
      lane !== undefined &&
      !lane.abandoned &&
      lane.epoch === ticket.epoch
    );
  }

  /** Whether steps from a batch holding this ticket may still be added. */
  valid(ticket: LaneTicket): boolean {
    const lane = this.lanes.get(ticket.tp);
    return (
      !this.closed &&
      ticket.generation === this.generation &&
      lane !== undefined &&
      !lane.abandoned &&
      lane.epoch === ticket.epoch
    );
  }

  /**
   * Queues a step behind the partition's earlier ones. `onAbandon` runs once if this step (or an earlier one) does
   * not commit: the caller rewinds the partition to the watermark. False if the ticket is no longer valid.
   */
  push(
    ticket: LaneTicket,
    findings: number,
    finish: FinishStep,
    onAbandon: (error?: unknown) => void,
  ): boolean {
    if (!this.valid(ticket)) return false;
    const lane = this.lanes.get(ticket.tp)!;
    this.pendingFindings += findings;
    this.pendingSteps++;
    lane.tail = lane.tail.then(async () => {
      try {
        if (lane.abandoned || ticket.generation !== this.generation) return;
        let committed = false;
        let failure: unknown;
        try {
          committed = await finish();
        } catch (error) {
          failure = error;
        }
        // A rebalance meanwhile: the new owner reads from the watermark; nothing here to rewind.
        if (!committed && !lane.abandoned && ticket.generation === this.generation) {
          this.abandon(ticket.tp, lane);
          onAbandon(failure);
        }
      } finally {
        this.pendingFindings -= findings;
        this.pendingSteps--;
        this.wake();
      }
    });
    return true;
  }

  /** Waits while the caps are reached; false if the batch must end (stop, closed, ticket gone). */
  async room(ticket: LaneTicket, stopping: () => boolean): Promise<boolean> {
    while (this.full()) {
      if (stopping() || !this.valid(ticket)) return false;
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        // Re-check now and then: a stop does not wake us.
        setTimeout(resolve, 200).unref?.();
      });
    }
    return this.valid(ticket) && !stopping();
  }

  full(): boolean {
    return (
      this.pendingFindings >= this.options.maxPendingFindings ||
      this.pendingSteps >= this.options.maxPendingSteps
    );
  }

  pending(): { findings: number; steps: number } {
    return { findings: this.pendingFindings, steps: this.pendingSteps };
  }

  /** A new assignment: whatever is queued belongs to the old one and never commits. */
  reset(): void {
    this.generation++;
    for (const lane of this.lanes.values()) lane.abandoned = true;
    this.lanes.clear();
    this.wake();
  }

  /** No more steps; waits until every queued step committed or `timeoutMs` passed. True if all finished. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.closed = true;
    this.wake();
    let timer: NodeJS.Timeout | undefined;
    const all = Promise.all([...this.lanes.values()].map((l) => l.tail)).then(() => true);
    const timeout = new Promise<boolean>((r) => {
      timer = setTimeout(() => r(false), timeoutMs);
    });
    try {
      return await Promise.race([all, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private lane(tp: string): Lane {
    let lane = this.lanes.get(tp);
    if (!lane) {
      lane = { epoch: ++this.epochs, tail: Promise.resolve(), abandoned: false };
      this.lanes.set(tp, lane);
    }
    return lane;
  }

  private abandon(tp: string, lane: Lane): void {
    lane.abandoned = true;
    this.abandons++;
    if (this.lanes.get(tp) === lane) this.lanes.delete(tp);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

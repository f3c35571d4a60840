// Each message is decoded within a time budget (policy `limits.messageBudgetMs`), so no message holds its
// partition for longer than the budget plus one retry. Normalising is synchronous JS, which nothing can interrupt
// from the inside, so:
// - a small message (most findings: a few KB) is decoded inline, with the deadline checked between documents and
//   records (a thread hop would cost several times its decoding); its size bounds what one record can cost;
// - one that overran inline gets one retry in a worker thread, as does every larger message from the start: the
//   thread is terminated when the budget is spent, and the message is dead-lettered with that reason.
import { type Decoded, decodeMessage, type MessageLimits, overBudgetReason } from './decode-message.ts';
import { DecodePool, type DecodeTask } from './decode-pool.ts';

/** Messages up to this size are decoded inline (NHI_INLINE_DECODE_BYTES overrides it). */
export const INLINE_DECODE_BYTES = 16 * 1024;

export interface BudgetedDecode {
  decoded: Decoded;
  /** Wall time the message took, from the first attempt to the answer (a queue for a thread included). */
  ms: number;
  /** Where the answer came from; `retried`: inline overran first. */
  path: 'inline' | 'worker';
  retried: boolean;
}

export interface MessageDecoderOptions {
  inlineBytes?: number;
  /** Decode threads (NHI_DECODE_WORKERS; default 2). */
  workers?: number;
  log?: (event: string, fields?: Record<string, unknown>) => void;
}

const positive = (text: string | undefined) => {
  const n = Number(text);
  return text && Number.isInteger(n) && n > 0 ? n : undefined;
};

/** Decodes on this thread, checking the deadline (a `performance.now()` time) between documents and records. */
function decodeInlineBy(task: DecodeTask, deadline: number): Decoded {
  const { value, format, fingerprintKey, limits, reportedAt } = task;
  return decodeMessage(value, format, fingerprintKey, limits, reportedAt, () => performance.now() > deadline);
}

export class MessageDecoder {
  private readonly inlineBytes: number;
  private readonly pool: DecodePool;
  private readonly log: NonNullable<MessageDecoderOptions['log']>;

  constructor(opts: MessageDecoderOptions = {}) {
    this.inlineBytes =
      opts.inlineBytes ?? positive(process.env.NHI_INLINE_DECODE_BYTES) ?? INLINE_DECODE_BYTES;
    this.pool = new DecodePool(opts.workers ?? positive(process.env.NHI_DECODE_WORKERS) ?? 2);
    this.log = opts.log ?? (() => {});
  }

  /** Never rejects: a message that cannot be decoded in time or at all comes back as a dead letter's reason. */
  async decode(
    value: Buffer | null,
    format: string | undefined,
    fingerprintKey: string,
    limits: MessageLimits,
    reportedAt?: string,
  ): Promise<BudgetedDecode> {
    const started = performance.now();
    const task: DecodeTask = { value, format, fingerprintKey, limits, reportedAt };
    const ms = () => performance.now() - started;
    // Refused by size before anything reads it: no thread needed, whatever its size.
    const inline = !value || value.length <= this.inlineBytes || value.length > limits.bytes;
    if (inline) {
      const decoded = decodeInlineBy(task, started + limits.budgetMs);
      if (!(!decoded.ok && decoded.hostile === 'budget') && ms() <= limits.budgetMs)
        return { decoded, ms: ms(), path: 'inline', retried: false };
      // Over the budget inline (a slow record, a pause of the process): one retry, where it can be stopped.
    }
    const outcome = await this.pool.run(task);
    if ('decoded' in outcome) return { decoded: outcome.decoded, ms: ms(), path: 'worker', retried: inline };
    if ('timeout' in outcome)
      return {
        decoded: { ok: false, reason: overBudgetReason(limits), hostile: 'budget', cap: 'budgetMs' },
        ms: ms(),
        path: 'worker',
        retried: inline,
      };
    // No thread to be had (it would not start): decode inline, with the deadline checked cooperatively.
    this.log('decode-worker-unavailable', { error: outcome.failed });
    const decoded = decodeInlineBy(task, performance.now() + limits.budgetMs);
    return { decoded, ms: ms(), path: 'inline', retried: inline };
  }

  /** Starts the decode threads now (a consumer starting), so the first large message does not wait for one. */
  warm(): void {
    this.pool.warm();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

let shared: MessageDecoder | undefined;
/** The process's decoder (its threads start only when a message first needs one). */
export function sharedDecoder(): MessageDecoder {
  shared ??= new MessageDecoder();
  return shared;
}

// The time budget per message: small messages are decoded inline, larger ones (and an inline overrun, once) in a
// worker thread that is terminated when the budget is spent; the answer is always a decode or a reason.
import { afterAll, describe, expect, it } from 'vitest';
import { notableTraffic } from '../../../bench/traffic.ts';
import { messageLimits } from '../../../consumers/decode-message.ts';
import { MessageDecoder } from '../../../consumers/message-budget.ts';

const KEY = 'test-key';
const decoder = new MessageDecoder({ inlineBytes: 4 * 1024, workers: 1 });
afterAll(() => decoder.close());

const limits = (budgetMs: number) => ({ ...messageLimits(undefined, {}), budgetMs });
/** One message of `n` Splunk notables (JSON lines): about 300 bytes each. */
const notables = (n: number) =>
  Buffer.from(
    notableTraffic(n, Math.min(n, 400))
      .messages.map((m) => m.value)
      .join('\n'),
  );

describe('MessageDecoder', () => {
  it('decodes a small message inline, a large one in a thread, with the same result', async () => {
    const small = await decoder.decode(notables(1), undefined, KEY, limits(60_000));
    expect(small).toMatchObject({ path: 'inline', retried: false, decoded: { ok: true } });
    const large = await decoder.decode(notables(40), undefined, KEY, limits(60_000));
    expect(large).toMatchObject({ path: 'worker', retried: false, decoded: { ok: true } });
    if (large.decoded.ok) expect(large.decoded.findings).toHaveLength(40);
  }, 120_000);

  it('a message still running when its budget is spent is stopped and refused with that reason', async () => {
    // 1,500 records cannot be normalised in 15 ms: the thread is terminated, the next message gets a fresh one.
    const slow = await decoder.decode(notables(1_500), undefined, KEY, limits(15));
    expect(slow).toMatchObject({
      path: 'worker',
      decoded: {
        ok: false,
        hostile: 'budget',
        reason: 'message exceeded its time budget of 15 ms (policy limits.messageBudgetMs)',
      },
    });
    const next = await decoder.decode(notables(40), undefined, KEY, limits(60_000));
    expect(next.decoded.ok).toBe(true);
  }, 120_000);

  it('an inline overrun gets one retry in a thread before it is refused', async () => {
    const inline = new MessageDecoder({ inlineBytes: 10 * 1024 * 1024, workers: 1 });
    try {
      const r = await inline.decode(notables(1_500), undefined, KEY, limits(15));
      expect(r).toMatchObject({ path: 'worker', retried: true, decoded: { ok: false, hostile: 'budget' } });
    } finally {
      await inline.close();
    }
  }, 120_000);

  it('a message refused by size is never sent to a thread', async () => {
    const r = await decoder.decode(Buffer.alloc(2 * 1024 * 1024, 0x20), undefined, KEY, limits(60_000));
    expect(r).toMatchObject({ path: 'inline', decoded: { ok: false, reason: /message too large/ } });
  });
});

// A dead letter read back: what it says (for `nhi dlq list`) and the message that puts it back on its source topic
// as it first arrived (for `nhi dlq replay`): original key, timestamp and headers, the value unsealed with the DLQ
// key. Replays are idempotent downstream: finding ids are stable and the identity workflow drops ids it holds.
import type { KafkaMessage, Message } from 'kafkajs';
import {
  capSetting,
  decodeMessage,
  headerText,
  type MessageLimits,
  messageLimits,
} from './decode-message.ts';
import { ORIGINAL_HEADER_PREFIX } from './dlq.ts';
import { type DlqKey, unseal } from './dlq-seal.ts';

export interface DeadLetterView {
  partition: number;
  offset: string;
  deadLetteredAt?: string;
  reason?: string;
  sourceTopic?: string;
  sourceOffset?: string;
  format?: string;
  record?: { line: number; index: number };
  valueBytes: number;
  withheld?: string;
  sealed: boolean;
}

const header = (m: KafkaMessage, name: string) => headerText(m.headers?.[name]);

export function viewOf(partition: number, m: KafkaMessage): DeadLetterView {
  const line = header(m, 'record-line');
  const withheld = header(m, 'value-withheld');
  const view: DeadLetterView = {
    partition,
    offset: m.offset,
    valueBytes: Number(header(m, 'value-bytes') ?? m.value?.length ?? 0),
    sealed: header(m, 'value-sealed') !== undefined,
  };
  const optional: Array<[keyof DeadLetterView, string | undefined]> = [
    ['deadLetteredAt', header(m, 'dead-lettered-at')],
    ['reason', header(m, 'reason')],
    ['sourceTopic', header(m, 'source-topic')],
    ['sourceOffset', header(m, 'source-offset')],
    ['format', header(m, 'format')],
    ['withheld', withheld],
  ];
  for (const [k, v] of optional) if (v !== undefined) (view as unknown as Record<string, unknown>)[k] = v;
  if (line !== undefined) view.record = { line: Number(line), index: Number(header(m, 'record-index') ?? 0) };
  return view;
}

/** Dead letters dead-lettered at or after `since` (epoch ms); all of them when it is undefined. */
export function deadLettersSince<T extends { partition: number; message: KafkaMessage }>(
  read: T[],
  since: number | undefined,
): T[] {
  if (since === undefined) return read;
  return read.filter(({ partition, message }) => {
    const at = Date.parse(viewOf(partition, message).deadLetteredAt ?? '');
    return !Number.isNaN(at) && at >= since;
  });
}

export type Replay =
  | { ok: true; topic: string; message: Message; findings: number }
  | { ok: false; reason: string };

/**
 * The message to re-drive, after checking that it now decodes under the caps in force (the consumer's: the policy's
 * `limits`, NHI_MAX_* over them, the time budget): a replay that would only be dead-lettered again is not sent, so
 * replaying cannot loop a message between its topic and the DLQ.
 */
export function replayOf(
  dlqTopic: string,
  partition: number,
  m: KafkaMessage,
  key: DlqKey,
  fingerprintKey: string,
  limits: MessageLimits = messageLimits(),
): Replay {
  const view = viewOf(partition, m);
  if (!view.sourceTopic)
    return { ok: false, reason: 'no source-topic header: not a dead letter of nhi-enforce' };
  let value = m.value;
  if (view.sealed) {
    const sealedBy = /key=([0-9a-f]+)/.exec(header(m, 'value-sealed') ?? '')?.[1];
    if (sealedBy !== key.id)
      return { ok: false, reason: `sealed with DLQ key ${sealedBy}, this is ${key.id} (set NHI_DLQ_KEY)` };
    try {
      value = unseal(m.value ?? Buffer.alloc(0), key);
    } catch {
      return { ok: false, reason: 'sealed value does not open with this DLQ key' };
    }
  } else if (view.withheld) {
    return { ok: false, reason: `value not kept (${view.withheld})` };
  }
  const headers: Record<string, Buffer> = {};
  for (const [name, v] of Object.entries(m.headers ?? {})) {
    if (!name.startsWith(ORIGINAL_HEADER_PREFIX) || v === undefined) continue;
    headers[name.slice(ORIGINAL_HEADER_PREFIX.length)] = Buffer.from(Array.isArray(v) ? v[0]! : v);
  }
  // A record dead-lettered alone goes back alone, in the format it was read as.
  if (view.record && view.format) headers.format = Buffer.from(view.format);
  delete headers['ingest-problem'];
  headers['nhi-replay-of'] = Buffer.from(`${dlqTopic}/${partition}/${m.offset}`);
  const deadline = performance.now() + limits.budgetMs;
  const decoded = decodeMessage(
    value,
    headerText(headers.format),
    fingerprintKey,
    limits,
    undefined,
    () => performance.now() > deadline,
  );
  if (!decoded.ok && decoded.cap)
    return {
      ok: false,
      reason: `would be dead-lettered again: ${decoded.reason}; raise ${capSetting(limits, decoded.cap)} first`,
    };
  if (!decoded.ok) return { ok: false, reason: `still rejected: ${decoded.reason}` };
  if (decoded.rejected.length) return { ok: false, reason: `still rejected: ${decoded.rejected[0]!.reason}` };
  return {
    ok: true,
    topic: view.sourceTopic,
    findings: decoded.findings.length,
    message: { key: m.key, value, headers, ...(m.timestamp ? { timestamp: m.timestamp } : {}) },
  };
}

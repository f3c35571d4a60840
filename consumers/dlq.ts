// Dead-letter messages: the reason and where the message came from in headers; the original key, timestamp and
// headers kept (headers under `original.<name>`), so `nhi dlq replay` can put the message back as it was.
// A value that may hold a secret — any output of a secret scanner (by the detected format's source kind, never
// the topic's name), or any text with a credential shape — is sealed with the DLQ key, not kept in clear and not
// dropped. Only a value too large to keep is reduced to metadata (size and hash, for correlation).
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { topics } from '../infra/endpoints.ts';
import { FORMAT_SOURCE, Format } from '../schemas/finding.ts';
import { hasSecretShape, redactSecretShapes } from '../schemas/secret-shapes.ts';
import { sha256 } from './decode-message.ts';
import { type DlqKey, dlqKey, SEAL_ALGORITHM, seal } from './dlq-seal.ts';

/** Values up to this size are kept (in clear or sealed); larger ones only by size and hash. */
export const MAX_KEPT_BYTES = 256 * 1024;
/** Values up to this size are scanned for credential shapes (and may stay in clear); larger ones are sealed
 * unscanned, so the dead-letter path spends bounded time on any value, however hostile. */
export const MAX_SCANNED_BYTES = 16 * 1024;
/** The reason is clipped to this before it is scanned: part of it (an ingest-problem header) is the sender's. */
const MAX_REASON_CHARS = 500;
/** Original headers up to this size in all are copied; a message is at most 1 MB, a dead letter must fit too. */
const MAX_COPIED_HEADER_BYTES = 64 * 1024;
export const ORIGINAL_HEADER_PREFIX = 'original.';

// Fields tools put credentials in, as JSON keys: a value that names one is sealed even without a known shape.
const SECRET_FIELD =
  /"(secret|password|passwd|token|raw|rawv2|match|offender|private_?key|api_?key|credentials?)"\s*:\s*"[^"]{4,}"/i;

export type Keeping = { keep: 'clear' } | { keep: 'sealed'; why: string } | { keep: 'none'; why: string };

/**
 * How a dead letter's value is kept: by what it is (format, bytes, `hostile`), never by where it came from.
 * `hostile`: why the value is not to be scanned at all (it broke the time budget or threw): sealed as it is.
 */
export function keepingOf(format: string | undefined, value: Buffer | null, hostile?: string): Keeping {
  if (!value || value.length === 0) return { keep: 'clear' };
  if (value.length > MAX_KEPT_BYTES)
    return { keep: 'none', why: `value larger than ${MAX_KEPT_BYTES} bytes` };
  if (hostile) return { keep: 'sealed', why: `${hostile}: not scanned for secrets` };
  const known = Format.safeParse(format);
  if (known.success && FORMAT_SOURCE[known.data] === 'scanner')
    return { keep: 'sealed', why: `${known.data} is a secret scanner: its output may hold raw secrets` };
  if (value.length > MAX_SCANNED_BYTES)
    return { keep: 'sealed', why: `value larger than ${MAX_SCANNED_BYTES} bytes: not scanned for secrets` };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(value);
  } catch {
    return { keep: 'sealed', why: 'value is not UTF-8 text (cannot be checked for secrets)' };
  }
  if (hasSecretShape(text) || SECRET_FIELD.test(text))
    return { keep: 'sealed', why: 'value may hold a secret' };
  return { keep: 'clear' };
}

export interface DeadLetter {
  topic: string;
  partition: number;
  message: KafkaMessage;
  reason: string;
  format?: string;
  /** Dead-letter only one record of the message: its bytes and position (decode-message.ts). */
  record?: { value: Buffer; line: number; index: number };
  /** Set when the message broke a limit meant for hostile input (time budget, an exception): sealed unscanned. */
  hostile?: string;
}

function copyHeaders(headers: IHeaders | undefined): Record<string, Buffer | string> | undefined {
  const out: Record<string, Buffer | string> = {};
  let bytes = 0;
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first === undefined) continue;
    bytes += name.length + first.length;
    out[`${ORIGINAL_HEADER_PREFIX}${name}`] = first;
  }
  return bytes <= MAX_COPIED_HEADER_BYTES ? out : undefined;
}

/** A reason fit for a header: clipped before it is scanned, credential shapes redacted; never throws. */
function safeReason(reason: unknown): string {
  try {
    return redactSecretShapes(String(reason).slice(0, MAX_REASON_CHARS)).slice(0, MAX_REASON_CHARS);
  } catch {
    return 'reason withheld: it could not be checked for secrets';
  }
}

/**
 * The dead letter for Kafka. Never throws, whatever the message holds: should building it fail, the last resort
 * keeps only where the message was, its size and the reason (no value, no original headers).
 */
export function toDlqMessage(dead: DeadLetter, now = new Date(), key: DlqKey = dlqKey()): Message {
  try {
    return buildDlqMessage(dead, now, key);
  } catch (error) {
    return lastResortDlqMessage(dead, now, error);
  }
}

export function lastResortDlqMessage(dead: DeadLetter, now: Date, error: unknown): Message {
  const text = (f: () => unknown, fallback: string) => {
    try {
      return String(f());
    } catch {
      return fallback;
    }
  };
  const size = text(() => (dead.record ? dead.record.value : dead.message.value)?.length ?? 0, 'unknown');
  return {
    value: null,
    headers: {
      reason: safeReason(text(() => dead.reason, 'unknown reason')),
      'source-topic': text(() => dead.topic, 'unknown'),
      'source-partition': text(() => dead.partition, 'unknown'),
      'source-offset': text(() => dead.message.offset, 'unknown'),
      'dead-lettered-at': now.toISOString(),
      'value-bytes': size,
      'value-withheld': safeReason(
        `the dead letter could not be built: ${text(() => (error as Error).message, 'error')}`,
      ),
    },
  };
}

function buildDlqMessage(dead: DeadLetter, now: Date, key: DlqKey): Message {
  const value = dead.record ? dead.record.value : dead.message.value;
  const keeping = keepingOf(dead.format, value, dead.hostile);
  const original = copyHeaders(dead.message.headers);
  const headers: Record<string, Buffer | string> = {
    ...(original ?? {}),
    reason: safeReason(dead.reason),
    'source-topic': dead.topic,
    'source-partition': String(dead.partition),
    'source-offset': dead.message.offset,
    'dead-lettered-at': now.toISOString(),
    'value-bytes': String(value?.length ?? 0),
  };
  if (!original) headers['original-headers'] = 'dropped: larger than 64 KiB';
  if (value) headers['value-sha256'] = sha256(value);
  if (dead.format) headers.format = dead.format;
  if (dead.record) {
    headers['record-line'] = String(dead.record.line);
    headers['record-index'] = String(dead.record.index);
  }
  let kept: Buffer | null = value;
  if (keeping.keep === 'sealed') {
    headers['value-withheld'] = keeping.why;
    headers['value-sealed'] = `${SEAL_ALGORITHM};key=${key.id}`;
    kept = seal(value!, key);
  } else if (keeping.keep === 'none') {
    headers['value-withheld'] = keeping.why;
    kept = null;
  }
  return {
    key: dead.message.key,
    value: kept,
    headers,
    ...(dead.message.timestamp ? { timestamp: dead.message.timestamp } : {}),
  };
}

export const dlqTopic = topics.dlq;

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
/** Original headers up to this size in all are copied; a message is at most 1 MB, a dead letter must fit too. */
const MAX_COPIED_HEADER_BYTES = 64 * 1024;
export const ORIGINAL_HEADER_PREFIX = 'original.';

// Fields tools put credentials in, as JSON keys: a value that names one is sealed even without a known shape.
const SECRET_FIELD =
  /"(secret|password|passwd|token|raw|rawv2|match|offender|private_?key|api_?key|credentials?)"\s*:\s*"[^"]{4,}"/i;

export type Keeping = { keep: 'clear' } | { keep: 'sealed'; why: string } | { keep: 'none'; why: string };

/** How a dead letter's value is kept: by what it is (format, bytes), never by where it came from. */
export function keepingOf(format: string | undefined, value: Buffer | null): Keeping {
  if (!value || value.length === 0) return { keep: 'clear' };
  if (value.length > MAX_KEPT_BYTES)
    return { keep: 'none', why: `value larger than ${MAX_KEPT_BYTES} bytes` };
  const known = Format.safeParse(format);
  if (known.success && FORMAT_SOURCE[known.data] === 'scanner')
    return { keep: 'sealed', why: `${known.data} is a secret scanner: its output may hold raw secrets` };
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

export function toDlqMessage(dead: DeadLetter, now = new Date(), key: DlqKey = dlqKey()): Message {
  const value = dead.record ? dead.record.value : dead.message.value;
  const keeping = keepingOf(dead.format, value);
  const original = copyHeaders(dead.message.headers);
  const headers: Record<string, Buffer | string> = {
    ...(original ?? {}),
    reason: redactSecretShapes(dead.reason).slice(0, 500),
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

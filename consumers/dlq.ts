// Dead-letter messages: the reason and where the message came from in headers. The original value is kept
// only when it cannot hold a secret; otherwise the DLQ gets metadata only (size and hash, for correlation).
import type { KafkaMessage, Message } from 'kafkajs';
import { topics } from '../infra/endpoints.ts';
import { redactSecretShapes } from '../schemas/secret-shapes.ts';
import { sha256 } from './decode-message.ts';

const MAX_KEPT_BYTES = 256 * 1024;

// Shapes of credentials and of fields that hold them. Matching any of these withholds the value: a false
// positive costs a debugging convenience, a false negative leaks a credential.
const SECRET_SHAPES: RegExp[] = [
  /PRIVATE KEY/,
  /\b(AKIA|ASIA)[A-Z0-9]{12,}/,
  /\b(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}/,
  /github_pat_[A-Za-z0-9_]{20,}/,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/,
  /\b(sk|rk)_(live|test)_[A-Za-z0-9]{10,}/,
  /\bAIza[0-9A-Za-z_-]{30,}/,
  /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/, // JWT
  /"(secret|password|passwd|token|raw|rawv2|match|offender|private_?key|api_?key|credentials?)"\s*:\s*"[^"]{4,}"/i,
  /[A-Za-z0-9/+=]{40}/, // AWS secret access key and other long base64 tokens
];

export function withholdReason(topic: string, value: Buffer | null): string | undefined {
  if (!value || value.length === 0) return undefined;
  if (topic === topics.scanner) return 'scanner output may hold raw secrets';
  if (value.length > MAX_KEPT_BYTES) return `value larger than ${MAX_KEPT_BYTES} bytes`;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(value);
  } catch {
    return 'value is not UTF-8 text';
  }
  if (SECRET_SHAPES.some((shape) => shape.test(text))) return 'value may hold a secret';
  return undefined;
}

export interface DeadLetter {
  topic: string;
  partition: number;
  message: KafkaMessage;
  reason: string;
  format?: string;
}

export function toDlqMessage(dead: DeadLetter, now = new Date()): Message {
  const value = dead.message.value;
  const withheld = withholdReason(dead.topic, value);
  const headers: Record<string, string> = {
    reason: redactSecretShapes(dead.reason).slice(0, 500),
    'source-topic': dead.topic,
    'source-partition': String(dead.partition),
    'source-offset': dead.message.offset,
    'dead-lettered-at': now.toISOString(),
    'value-bytes': String(value?.length ?? 0),
  };
  if (value) headers['value-sha256'] = sha256(value);
  if (dead.format) headers.format = dead.format;
  if (withheld) headers['value-withheld'] = withheld;
  return { key: dead.message.key, value: withheld ? null : value, headers };
}

export const dlqTopic = topics.dlq;

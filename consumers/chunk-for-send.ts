// Messages in produce requests the broker accepts: it refuses a batch over its message.max.bytes (1 MB by
// default), and one send to a one-partition topic is one batch. Used for dead letters and by `nhi ingest`.
import type { Message } from 'kafkajs';

/** Bytes one message adds to a produce request, roughly (value, key, headers and record overhead). */
function messageBytes(m: Message): number {
  let n = 64 + (m.value?.length ?? 0) + (m.key?.length ?? 0);
  for (const [k, v] of Object.entries(m.headers ?? {})) n += k.length + String(v ?? '').length + 8;
  return n;
}

/**
 * Messages in sends of at most `maxBytes` each; a message larger than that on its own goes alone (callers keep
 * messages under the limit: dead letters keep at most 256 KiB of value, ingest refuses records over 1 MiB).
 */
export function chunkForSend(messages: Message[], maxBytes = 512 * 1024): Message[][] {
  const chunks: Message[][] = [];
  let current: Message[] = [];
  let size = 0;
  for (const m of messages) {
    const n = messageBytes(m);
    if (current.length && size + n > maxBytes) {
      chunks.push(current);
      current = [];
      size = 0;
    }
    current.push(m);
    size += n;
  }
  if (current.length) chunks.push(current);
  return chunks;
}

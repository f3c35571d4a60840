// A tool's output file → one Kafka message per record, as the normaliser splits it (JSON lines, arrays,
// wrappers), each keyed by the identity it names so one identity's findings stay on one partition, in order.

import { adapterFor } from '../schemas/adapters/index.ts';
import type { Format, FormatOrAuto } from '../schemas/finding.ts';
import { detectFormat, normalizeWith } from '../schemas/normalize.ts';
import { decodeUtf8, parseDocuments } from '../schemas/parse-input.ts';

/** Unreadable text larger than this is not sent (Kafka's default limit is ~1 MB); its reason still is. */
const MAX_RAW_BYTES = 512 * 1024;

export interface OutgoingRecord {
  format?: Format;
  key?: string;
  value: string;
  /** Why the consumer will dead-letter it (known already here); the record is still sent so it is not lost. */
  problem?: string;
}

export function splitRecords(
  bytes: Uint8Array,
  format: FormatOrAuto,
  fingerprintKey: string,
): OutgoingRecord[] {
  let text: string;
  try {
    text = decodeUtf8(bytes);
  } catch (error) {
    return [{ value: Buffer.from(bytes).toString('latin1'), problem: (error as Error).message }];
  }
  const out: OutgoingRecord[] = [];
  const docs = parseDocuments(text);
  const lines = text.split(/\r?\n/);
  for (const doc of docs) {
    if (!doc.ok) {
      // The unreadable text itself goes, so the DLQ holds what was wrong (unless it is too big for Kafka).
      const raw = docs.length === 1 ? text : (lines[doc.line - 1] ?? '');
      out.push({ value: Buffer.byteLength(raw) <= MAX_RAW_BYTES ? raw : '', problem: doc.reason });
      continue;
    }
    let records: unknown[];
    let adapter: ReturnType<typeof adapterFor>;
    try {
      adapter = format === 'auto' ? detectFormat(doc.value) : adapterFor(format);
      records = adapter.records(doc.value);
    } catch (error) {
      out.push({ value: JSON.stringify(doc.value), problem: (error as Error).message });
      continue;
    }
    records.forEach((record, i) => {
      const outcome = normalizeWith(adapter, record, { fingerprintKey }, { line: doc.line, record: i });
      const key = outcome.ok ? outcome.findings[0]?.identities[0]?.key : undefined;
      out.push({
        format: adapter.format,
        key,
        value: JSON.stringify(record),
        problem: outcome.ok ? undefined : outcome.reason,
      });
    });
  }
  return out;
}

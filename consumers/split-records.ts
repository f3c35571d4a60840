// A tool's output file → one Kafka message per record, as the normaliser splits it (JSON lines, arrays,
// wrappers), each keyed by the identity it names so one identity's findings stay on one partition, in order.
// The file may be UTF-8 or UTF-16 (schemas/parse-input.ts decodeText); records go as UTF-8 JSON. Bytes that do not
// decode are never re-encoded: in a JSON-lines file each line is decoded on its own, and a line
// that is not UTF-8 goes as the bytes it is (the consumer dead-letters it, sealed), its neighbours as usual.

import { adapterFor } from '../schemas/adapters/index.ts';
import type { Format, FormatOrAuto } from '../schemas/finding.ts';
import { detectFormat, isEmptyPage, normalizeWith } from '../schemas/normalize.ts';
import {
  decodeText,
  decodeUtf8,
  type ParsedDocument,
  parseDocuments,
  TextDecodeError,
} from '../schemas/parse-input.ts';
import { unwrapSns } from '../schemas/sns-envelope.ts';
import { structureProblem } from '../schemas/structure-limits.ts';

export interface OutgoingRecord {
  format?: Format;
  key?: string;
  /** Text of the record, or the exact bytes of a line that is not UTF-8. */
  value: string | Buffer;
  /** Why the consumer will dead-letter it (known already here); the record is still sent so it is not lost. */
  problem?: string;
  /** It normalises but names no identity: no workflow will hold it (the consumer reports it, ingest.no-identity). */
  noIdentity?: true;
  /** Where it is in the file: 1-based line of its document, 0-based record within that document. */
  line: number;
  record: number;
}

const NEWLINE = 0x0a;

/** The file's lines as bytes (a trailing CR dropped), for files that are not UTF-8 as a whole. */
function byteLines(bytes: Uint8Array): Buffer[] {
  const buf = Buffer.from(bytes);
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= buf.length; i++) {
    if (i === buf.length || buf[i] === NEWLINE) {
      let end = i;
      if (end > start && buf[end - 1] === 0x0d) end--;
      out.push(buf.subarray(start, end));
      start = i + 1;
    }
  }
  return out;
}

export function splitRecords(
  bytes: Uint8Array,
  format: FormatOrAuto,
  fingerprintKey: string,
): OutgoingRecord[] {
  let text: string;
  try {
    text = decodeText(bytes);
  } catch (error) {
    // A UTF-16 or UTF-32 file has no byte lines to fall back on: it goes whole, with the reason.
    if (error instanceof TextDecodeError && error.encoding !== 'utf-8')
      return [
        {
          value: Buffer.from(bytes),
          problem: error.message,
          line: 0,
          record: 0,
        },
      ];
    return splitByLine(bytes, format, fingerprintKey, (error as Error).message);
  }
  return fromDocuments(parseDocuments(text), text, format, fingerprintKey);
}

/** A file that is not UTF-8 as a whole: each line decoded alone; a bad line goes as its bytes, with the reason. */
function splitByLine(
  bytes: Uint8Array,
  format: FormatOrAuto,
  fingerprintKey: string,
  reason: string,
): OutgoingRecord[] {
  const lines = byteLines(bytes);
  const out: OutgoingRecord[] = [];
  lines.forEach((line, i) => {
    if (line.length === 0 || /^\s*$/.test(line.toString('latin1'))) return;
    let text: string;
    try {
      text = decodeUtf8(line);
    } catch {
      out.push({
        value: Buffer.from(line),
        problem: `line ${i + 1}: ${reason}`,
        line: i + 1,
        record: 0,
      });
      return;
    }
    const docs = parseDocuments(text).map((d) => ({ ...d, line: i + 1 }));
    out.push(...fromDocuments(docs, text, format, fingerprintKey, i));
  });
  return out;
}

function fromDocuments(
  docs: ParsedDocument[],
  text: string,
  format: FormatOrAuto,
  fingerprintKey: string,
  lineOffset = 0,
): OutgoingRecord[] {
  const out: OutgoingRecord[] = [];
  for (const doc of docs) {
    if (!doc.ok) {
      // The unreadable text itself goes, so the DLQ holds what was wrong; one too big for Kafka is refused by the
      // sender (nhi ingest names it by file, line and record), never sent empty.
      const raw = docs.length === 1 ? text : (text.split(/\r?\n/)[doc.line - 1 - lineOffset] ?? '');
      out.push({
        value: raw,
        problem: doc.reason,
        line: doc.line,
        record: 0,
      });
      continue;
    }
    // Too deep or too wide for the recursive code below (and for JSON.stringify): sent as its text, with the reason.
    const tooBig = structureProblem(doc.value);
    if (tooBig) {
      const raw = docs.length === 1 ? text : (text.split(/\r?\n/)[doc.line - 1 - lineOffset] ?? '');
      out.push({
        value: raw,
        problem: tooBig,
        line: doc.line,
        record: 0,
      });
      continue;
    }
    let records: unknown[];
    let adapter: ReturnType<typeof adapterFor>;
    // An SNS notification carries its finding as a JSON string: its records are the Message's.
    const sns = unwrapSns(doc.value);
    const value = sns.wrapped && sns.ok ? sns.message : doc.value;
    if (isEmptyPage(value)) continue; // a list API's page with nothing in it: nothing to send
    try {
      if (sns.wrapped && !sns.ok) throw new Error(sns.reason);
      adapter = format === 'auto' ? detectFormat(value) : adapterFor(format);
      records = adapter.records(value);
    } catch (error) {
      out.push({
        value: JSON.stringify(doc.value),
        problem: (error as Error).message,
        line: doc.line,
        record: 0,
      });
      continue;
    }
    records.forEach((record, i) => {
      const outcome = normalizeWith(adapter, record, { fingerprintKey }, { line: doc.line, record: i });
      const key = outcome.ok
        ? outcome.findings.find((f) => f.identities.length)?.identities[0]?.key
        : undefined;
      out.push({
        format: adapter.format,
        key,
        value: JSON.stringify(record),
        problem: outcome.ok ? undefined : outcome.reason,
        ...(outcome.ok && key === undefined ? { noIdentity: true as const } : {}),
        line: doc.line,
        record: i,
      });
    });
  }
  return out;
}

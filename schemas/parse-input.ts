// Bytes of a tool's output → JSON documents. A file is either one JSON document or JSON lines; a line that
// does not parse is a rejected record, the others still count.
export type ParsedDocument =
  | { line: number; ok: true; value: unknown }
  | { line: number; ok: false; reason: string };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** What a file's bytes were read as (`decodeText`), named in its refusal when they do not decode. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/** Bytes that do not decode as the encoding they declare (by a byte-order mark) or show (by their NULs). */
export class TextDecodeError extends Error {
  constructor(
    /** UTF-8 bytes can still be read line by line (consumers/split-records.ts); UTF-16 and UTF-32 cannot. */
    readonly encoding: TextEncoding | 'utf-32',
    message: string,
  ) {
    super(message);
  }
}

/** One line of a UTF-8 file (a byte-order mark dropped): the consumer's line-by-line fallback. */
export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new TextDecodeError('utf-8', 'input is not valid UTF-8');
  }
}

/**
 * The encoding of a tool's output file. A byte-order mark says it: EF BB BF UTF-8, FF FE UTF-16LE (what Windows
 * PowerShell 5's `>` and `Out-File` write), FE FF UTF-16BE; FF FE 00 00 and 00 00 FE FF are UTF-32, which no tool
 * we read writes. Without a mark, RFC 4627 §3's rule: a JSON text begins with two ASCII characters, so the NULs
 * in its first four bytes tell UTF-16 (`xx 00 xx 00` LE, `00 xx 00 xx` BE) from UTF-8 (no NUL: a NUL byte is
 * never valid in UTF-8 JSON text, so no UTF-8 file is misread as UTF-16).
 */
function encodingOf(b: Uint8Array): { encoding: TextEncoding | 'utf-32'; bom: number; how: string } {
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf)
    return { encoding: 'utf-8', bom: 3, how: 'byte-order mark' };
  if (
    (b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) ||
    (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff)
  )
    return { encoding: 'utf-32', bom: 4, how: 'byte-order mark' };
  if (b[0] === 0xff && b[1] === 0xfe) return { encoding: 'utf-16le', bom: 2, how: 'byte-order mark' };
  if (b[0] === 0xfe && b[1] === 0xff) return { encoding: 'utf-16be', bom: 2, how: 'byte-order mark' };
  if (b.length >= 4) {
    const nul = [b[0] === 0, b[1] === 0, b[2] === 0, b[3] === 0];
    if (nul[1] && nul[2] && nul[3] && !nul[0])
      return { encoding: 'utf-32', bom: 0, how: 'no byte-order mark' };
    if (nul[0] && nul[1] && nul[2] && !nul[3])
      return { encoding: 'utf-32', bom: 0, how: 'no byte-order mark' };
    if (!nul[0] && nul[1] && !nul[2] && nul[3])
      return { encoding: 'utf-16le', bom: 0, how: 'no byte-order mark, a NUL after each ASCII byte' };
    if (nul[0] && !nul[1] && nul[2] && !nul[3])
      return { encoding: 'utf-16be', bom: 0, how: 'no byte-order mark, a NUL before each ASCII byte' };
  }
  return { encoding: 'utf-8', bom: 0, how: 'no byte-order mark' };
}

const NAMES: Record<TextEncoding, string> = {
  'utf-8': 'UTF-8',
  'utf-16le': 'UTF-16LE',
  'utf-16be': 'UTF-16BE',
};

/**
 * A tool's output file → text: UTF-8 (with or without a byte-order mark) or UTF-16 LE/BE (with a mark, or
 * recognised by its NULs), the mark dropped. Bytes that are not valid in their encoding are refused with a
 * reason naming it (a lone surrogate, an odd number of UTF-16 bytes, an invalid UTF-8 sequence): never replaced.
 */
export function decodeText(bytes: Uint8Array): string {
  const { encoding, bom, how } = encodingOf(bytes);
  if (encoding === 'utf-32')
    throw new TextDecodeError('utf-32', `input is UTF-32 (${how}): not read; save it as UTF-8 or UTF-16`);
  if (encoding === 'utf-8' && bom === 0) return decodeUtf8(bytes);
  try {
    // ignoreBOM: the mark is already cut off; one more U+FEFF after it would be text, and JSON refuses it.
    return new TextDecoder(encoding, { fatal: true, ignoreBOM: true }).decode(bytes.subarray(bom));
  } catch {
    const odd = encoding !== 'utf-8' && (bytes.length - bom) % 2 === 1 ? ', an odd number of bytes' : '';
    throw new TextDecodeError(encoding, `input is not valid ${NAMES[encoding]} (${how}${odd})`);
  }
}

/** JSON's own message, kept to one line and without echoing input (it may hold a secret). */
function jsonError(error: unknown): string {
  const msg = (error as Error).message.split('\n')[0] ?? 'invalid JSON';
  return `invalid JSON: ${msg
    .replace(/"[^"]{12,}"/g, '"…"')
    .replace(/, ".*$/, '')
    .slice(0, 120)}`;
}

/** The first non-blank line's document, when another non-blank line follows (kept: parsed once, not twice). */
function firstLine(lines: string[]): { index: number; value: unknown } | undefined {
  const index = lines.findIndex((l) => l.trim());
  if (index < 0 || !lines.some((l, i) => i > index && l.trim())) return undefined;
  try {
    return { index, value: JSON.parse(lines[index]!) };
  } catch {
    return undefined;
  }
}

/**
 * The tools' documented report formats that are not JSON, named so the refusal says what to write instead:
 * JUnit XML (gitleaks, checkov, kube-bench `--junit`), CSV (gitleaks, checkov), HTML and SARIF-less text output.
 */
function textReportName(text: string): string | undefined {
  const head = text.slice(0, 300);
  if (/^<\?xml[^>]*>\s*<testsuites?\b|^<testsuites?\b/.test(head))
    return "a JUnit XML report (gitleaks, checkov, kube-bench --junit): not read; write the tool's JSON or SARIF";
  if (/^<\?xml|^<(!doctype\s+)?html/i.test(head))
    return "an XML or HTML report: not read; write the tool's JSON or SARIF";
  const firstRow = head.split(/\r?\n/)[0] ?? '';
  if (/^RuleID,Commit,File,/.test(firstRow))
    return 'a gitleaks CSV report: not read; run gitleaks with --report-format json (or sarif)';
  if (/^[\w ."-]+(,[\w ."-]+){3,}$/.test(firstRow) && !/^[[{]/.test(firstRow))
    return "a CSV report: not read; write the tool's JSON or SARIF";
  return undefined;
}

// ScoutSuite writes its results as a JavaScript assignment for its HTML report to load.
const JS_ASSIGNMENT = /^\s*scoutsuite_results\s*=\s*/;

export function parseDocuments(text: string): ParsedDocument[] {
  const trimmed = text.replace(JS_ASSIGNMENT, '').trim().replace(/;$/, '');
  if (trimmed === '') return [];
  try {
    return [{ line: 1, ok: true, value: JSON.parse(trimmed) }];
  } catch (wholeError) {
    const lines = text.split(/\r?\n/);
    // JSON lines only if the first line is a document of its own; otherwise this is one broken document
    // (pretty-printed, truncated) and JSON's own reason for it is the useful one.
    const first = firstLine(lines);
    if (!first) return [{ line: 1, ok: false, reason: textReportName(trimmed) ?? jsonError(wholeError) }];
    const docs: ParsedDocument[] = [{ line: first.index + 1, ok: true, value: first.value }];
    for (let i = first.index + 1; i < lines.length; i++) {
      const raw = lines[i]!;
      if (!raw.trim()) continue;
      try {
        docs.push({ line: i + 1, ok: true, value: JSON.parse(raw) });
      } catch (lineError) {
        docs.push({ line: i + 1, ok: false, reason: jsonError(lineError) });
      }
    }
    return docs;
  }
}

// Bytes of a tool's output → JSON documents. A file is either one JSON document or JSON lines; a line that
// does not parse is a rejected record, the others still count.
export type ParsedDocument =
  | { line: number; ok: true; value: unknown }
  | { line: number; ok: false; reason: string };

const decoder = new TextDecoder('utf-8', { fatal: true });

export function decodeUtf8(bytes: Uint8Array): string {
  try {
    return decoder.decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new Error('input is not valid UTF-8');
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
    if (!first) return [{ line: 1, ok: false, reason: jsonError(wholeError) }];
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

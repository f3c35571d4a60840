// Credential shapes in free text. Adapters register the values a tool reports as secrets, but a SIEM alert's reason
// or a CSPM description can quote a credential no adapter knows about; every string we carry out (finding fields,
// DLQ reasons, log lines) is passed through here as well. A match is replaced by [REDACTED] (a URL keeps its user
// and host, only the password goes).
//
// Why a table of our own and not secretlint (the maintained Node rule set): its only entry point, lintSource, is
// async and file-oriented, while the normaliser is synchronous and runs per string on the hot path; and its
// recommended preset has no rule for Stripe keys, Google API keys or JWTs, which these inputs do carry. The shapes
// below follow the vendors' documented token formats (the same prefixes gitleaks and secretlint key on).
import { REDACTED } from './redaction.ts';

interface Shape {
  id: string;
  /** Source of a regex alternative; the whole match is redacted (url-password: only its named group). */
  source: string;
}

// Every alternative runs in time linear in the text (issue #22: "eyJ-" repeated 100k times took 50 s). V8's
// engine backtracks, so each alternative is written so that it cannot: a quantifier whose match can still fail
// after it (the JWT's first segment, a URL's user and password) may start only where a run of its characters
// starts (a lookbehind), so each run is scanned a bounded number of times; every other unbounded quantifier ends
// its alternative (it cannot fail once reached) or is bounded. The property test and `nhi bench redact` check it.
const SHAPES: Shape[] = [
  {
    id: 'private-key',
    source: String.raw`-----BEGIN[A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z ]{0,40}PRIVATE KEY(?: BLOCK)?-----|$)`,
  },
  // A run of 40 or more base64 characters; whether it is (or holds, or wraps) an AWS secret access key is decided
  // in awsKeySpans (with no lookbehind in the pattern: V8 runs it far faster).
  { id: 'aws-secret-access-key', source: '[A-Za-z0-9/+]{40,}' },
  { id: 'github-token', source: String.raw`\bgh[pousr]_[A-Za-z0-9]{36,255}\b` },
  { id: 'github-fine-grained-token', source: String.raw`\bgithub_pat_[A-Za-z0-9_]{22,255}` },
  { id: 'slack-token', source: String.raw`\bxox[abposre]-[A-Za-z0-9-]{10,}` },
  {
    id: 'slack-webhook',
    source: String.raw`https://hooks\.slack\.com/(?:services|workflows)/[A-Za-z0-9_/+-]{20,}`,
  },
  { id: 'stripe-key', source: String.raw`\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}` },
  { id: 'google-api-key', source: String.raw`\bAIza[0-9A-Za-z_-]{35}` },
  { id: 'npm-token', source: String.raw`\bnpm_[A-Za-z0-9]{36}\b` },
  { id: 'sendgrid-key', source: String.raw`\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b` },
  { id: 'openai-anthropic-key', source: String.raw`\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{32,}` },
  // header.payload[.signature], both JSON objects ("eyJ" is base64url of '{"'); only where a base64url run starts.
  {
    id: 'jwt',
    source: String.raw`(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.?[A-Za-z0-9_-]*`,
  },
  // scheme://user:password@host — only the password is redacted (group "urlpw"); only where a scheme starts.
  {
    id: 'url-password',
    source: String.raw`(?<![a-zA-Z0-9+.-])[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/@"'<>]+:(?<urlpw>[^\s/@"'<>]+)@`,
  },
];

/** Every shape as one regex (exported for the test that its quick guards never skip a match). */
export const COMBINED = new RegExp(
  SHAPES.map((s) => `(?<${s.id.replaceAll('-', '_')}>${s.source})`).join('|'),
  'g',
);
const GROUPS = SHAPES.map((s) => ({ id: s.id, group: s.id.replaceAll('-', '_') }));

/** Bits per character of the text (Shannon): random keys score about 5, words and paths far less. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

const SLASH = 0x2f;
const AWS_KEY_LENGTH = 40;

/**
 * Is the 40-character base64 window at `at` an AWS secret key? Only if it mixes upper case, lower case and digits
 * (a commit hash is lower-case hex), looks random, and is not the path of an ARN (`arn:aws:…:role/…`) or of a URL
 * (`https://portal.azure.com/#asset/…/Incident/subscriptions/…`). In a URL's user info or query string it is a
 * key (`?secret=…`, `https://AKIA…:…@host`): a secret there leaks as surely as in prose.
 */
function looksLikeAwsKey(text: string, at: number): boolean {
  if (text[at + AWS_KEY_LENGTH] === '=') return false;
  const candidate = text.slice(at, at + AWS_KEY_LENGTH);
  if (!/[A-Z]/.test(candidate) || !/[a-z]/.test(candidate) || !/[0-9]/.test(candidate)) return false;
  if (entropy(candidate) < 4) return false;
  const before = text.slice(Math.max(0, at - 300), at);
  const token = before.slice(
    Math.max(
      before.lastIndexOf(' '),
      before.lastIndexOf('"'),
      before.lastIndexOf("'"),
      before.lastIndexOf('\n'),
    ) + 1,
  );
  if (token.startsWith('arn:')) return false;
  const scheme = token.indexOf('://');
  if (scheme < 0) return true;
  const rest = token.slice(scheme + 3);
  return rest.includes('?') || !rest.includes('/');
}

/**
 * The AWS secret keys in the base64 run text[start, end): the run itself when it is exactly 40 characters, or a
 * 40-character window at either end of a longer run that a `/` cuts off (`…KEY/path`, `dir/KEY`): a key's own
 * characters include `/`, so the run alone cannot say where a key followed by a path ends.
 */
function awsKeyStarts(text: string, start: number, end: number): number[] {
  if (end - start === AWS_KEY_LENGTH) return looksLikeAwsKey(text, start) ? [start] : [];
  const found: number[] = [];
  if (text.charCodeAt(start + AWS_KEY_LENGTH) === SLASH && looksLikeAwsKey(text, start)) found.push(start);
  const last = end - AWS_KEY_LENGTH;
  if (last > start && text.charCodeAt(last - 1) === SLASH && looksLikeAwsKey(text, last)) found.push(last);
  return found;
}

/** At most one character in 20 outside printable ASCII and line breaks: text, not binary (stops counting early). */
function mostlyPrintable(decoded: string): boolean {
  const allowed = decoded.length / 20;
  let bad = 0;
  for (let i = 0; i < decoded.length; i++) {
    const c = decoded.charCodeAt(i);
    if ((c < 0x20 || c > 0x7e) && c !== 9 && c !== 10 && c !== 13 && ++bad > allowed) return false;
  }
  return true;
}

/**
 * Does the base64 run text[start, end) wrap text that holds a credential shape (`base64("aws_secret_access_key=…")`
 * in a log line or a Kubernetes secret)? Decoded once, scanned once, never decoded again (depth 1): linear.
 */
function wrapsSecret(text: string, start: number, end: number, depth: number): boolean {
  if (depth > 0) return false;
  let run = text.slice(start, end);
  if (run.length % 4 === 1) run = run.slice(0, -1);
  let decoded: string;
  try {
    decoded = atob(run);
  } catch {
    return false;
  }
  return mostlyPrintable(decoded) && spansOf(decoded, depth + 1).length > 0;
}

/** A part of the text to redact: [from, to), and the shape found there. */
interface Span {
  id: string;
  from: number;
  to: number;
}

/**
 * Text every shape needs (the literal each alternative of SHAPES starts with or holds): the private key's
 * `-----BEGIN`, a URL's `://` (slack-webhook, url-password), the tokens' prefixes. The AWS key's run of 40 base64
 * characters has none: mayHoldShape looks for that run itself.
 */
const SHAPE_MARKERS = [
  '://',
  '-----BEGIN',
  'eyJ',
  'AIza',
  'npm_',
  'SG.',
  'sk-',
  '_live_',
  '_test_',
  'xox',
  'github_pat_',
  'ghp_',
  'gho_',
  'ghu_',
  'ghs_',
  'ghr_',
];

/** 1 for the AWS key's characters [A-Za-z0-9/+] (ASCII only: the class has no other). */
const BASE64_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) BASE64_CHAR[c] = /[A-Za-z0-9/+]/.test(String.fromCharCode(c)) ? 1 : 0;

/**
 * Could any shape match in `text`? False only when no alternative of COMBINED can: there is no run of 40 base64
 * characters and none of the SHAPE_MARKERS. A guard that skips the combined regex (13 alternatives tried at every
 * position) for the many strings that pass the hint but hold no credential: ids, ARNs, paths, prose.
 */
export function mayHoldShape(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && BASE64_CHAR[c] === 1) {
      if (++run >= AWS_KEY_LENGTH) return true;
    } else run = 0;
  }
  for (const marker of SHAPE_MARKERS) if (text.includes(marker)) return true;
  return false;
}

/** The credential shapes in `text` itself, in order (overlaps possible: mergeSpans sorts them out). */
function directSpans(text: string, depth: number): Span[] {
  const spans: Span[] = [];
  if (!mayHoldShape(text)) return spans;
  COMBINED.lastIndex = 0;
  for (let m = COMBINED.exec(text); m; m = COMBINED.exec(text)) {
    const groups = m.groups!;
    const hit = GROUPS.find((g) => groups[g.group] !== undefined);
    if (!hit) continue;
    const from = m.index;
    const to = from + m[0].length;
    if (hit.id === 'aws-secret-access-key') {
      // Where V8 resumes after this match, so a nested exec (wrapsSecret) cannot move it.
      const resume = COMBINED.lastIndex;
      const keys = awsKeyStarts(text, from, to);
      for (const at of keys) spans.push({ id: hit.id, from: at, to: at + AWS_KEY_LENGTH });
      if (keys.length === 0 && wrapsSecret(text, from, to, depth))
        spans.push({ id: 'base64-wrapped', from, to });
      COMBINED.lastIndex = resume;
    } else if (hit.id === 'url-password') {
      const pw = groups.urlpw!;
      spans.push({ id: hit.id, from: to - pw.length - 1, to: to - 1 });
    } else {
      spans.push({ id: hit.id, from, to });
    }
  }
  return spans;
}

/**
 * The text as a decoder would read it, when it holds escapes that can cut a credential in two: JSON's `\/` and
 * `\u002f` (a JSON document quoted inside a string field), and a URL's percent-encoding (`%2F` in a query string).
 * `at[i]` is where the view's i-th character starts in the original (one extra entry: the original's length).
 * Undefined when there is nothing to decode. One pass, so linear.
 */
function decodedView(text: string): { view: string; at: Int32Array } | undefined {
  if (!text.includes('\\') && !PERCENT.test(text)) return undefined;
  const parts: string[] = [];
  const at = new Int32Array(text.length + 1);
  let v = 0;
  let i = 0;
  const plain = (to: number) => {
    if (to <= i) return;
    parts.push(text.slice(i, to));
    for (let k = i; k < to; k++) at[v++] = k;
  };
  const special = /[\\%]/g;
  for (let m = special.exec(text); m; m = special.exec(text)) {
    const j = m.index;
    const [char, length] = escapeAt(text, j);
    if (length === 0) continue;
    plain(j);
    parts.push(char);
    at[v++] = j;
    i = j + length;
    special.lastIndex = i;
  }
  plain(text.length);
  at[v] = text.length;
  return { view: parts.join(''), at: at.subarray(0, v + 1) };
}

const HEX4 = /^[0-9a-fA-F]{4}$/;
const HEX2 = /^[0-9a-fA-F]{2}$/;

/** The character an escape at `i` stands for and the escape's length; length 0 when none starts there. */
function escapeAt(text: string, i: number): [string, number] {
  if (text[i] === '%') {
    const hex = text.slice(i + 1, i + 3);
    return HEX2.test(hex) ? [String.fromCharCode(Number.parseInt(hex, 16)), 3] : ['', 0];
  }
  if (i + 1 >= text.length) return ['', 0];
  const e = text[i + 1]!;
  if (e === 'u') {
    const hex = text.slice(i + 2, i + 6);
    if (HEX4.test(hex)) return [String.fromCharCode(Number.parseInt(hex, 16)), 6];
  }
  return [ESCAPED[e] ?? e, 2];
}

const PERCENT = /%[0-9a-fA-F]{2}/;
const ESCAPED: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' };

/** Sorted, overlapping spans joined (the first shape's id kept). */
function mergeSpans(spans: Span[]): Span[] {
  if (spans.length < 2) return spans;
  spans.sort((a, b) => a.from - b.from);
  const out: Span[] = [{ ...spans[0]! }];
  for (const s of spans.slice(1)) {
    const last = out.at(-1)!;
    if (s.from <= last.to) last.to = Math.max(last.to, s.to);
    else out.push({ ...s });
  }
  return out;
}

/**
 * Every credential shape in `text`, as spans of the original text: found in the text itself and in its decoded
 * view (up to two levels of escaping: a JSON document quoted in a JSON string quoted again).
 */
function spansOf(text: string, depth = 0): Span[] {
  const spans = directSpans(text, depth);
  let view = decodedView(text);
  for (let level = 0; view && level < 2; level++) {
    for (const s of directSpans(view.view, depth))
      spans.push({ id: s.id, from: view.at[s.from]!, to: view.at[s.to]! });
    const inner = decodedView(view.view);
    const outer = view.at;
    view = inner && { view: inner.view, at: inner.at.map((i) => outer[i]!) };
  }
  return mergeSpans(spans);
}

/** 1 for the characters of a hint's run, [A-Za-z0-9/+_-] (ASCII only). */
const HINT_RUN_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) HINT_RUN_CHAR[c] = /[A-Za-z0-9/+_-]/.test(String.fromCharCode(c)) ? 1 : 0;

const isHexCode = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

/**
 * Quick refusal: every shape (and every escape a decoded view reads) contains one of these, so most strings are
 * passed without running the regex: a run of 16 of [A-Za-z0-9/+_-], `PRIVATE KEY`, `://`, a backslash, or `%` and
 * two hex digits. One pass over the characters (the same test as the regex
 * /[A-Za-z0-9/+_-]{16}|PRIVATE KEY|:\/\/|\\|%[0-9a-fA-F]{2}/, which V8 ran about five times slower).
 */
export function hint(text: string): boolean {
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && HINT_RUN_CHAR[c] === 1) {
      if (++run >= 16) return true;
      if (c === 0x50 /* P */ && text.startsWith('PRIVATE KEY', i)) return true;
      continue;
    }
    run = 0;
    if (c === 0x5c /* \ */) return true;
    if (c === 0x3a /* : */ && text.charCodeAt(i + 1) === SLASH && text.charCodeAt(i + 2) === SLASH)
      return true;
    if (c === 0x25 /* % */ && isHexCode(text.charCodeAt(i + 1)) && isHexCode(text.charCodeAt(i + 2)))
      return true;
  }
  return false;
}

/** The ids of the credential shapes found in `text` (empty when none). */
export function secretShapesIn(text: string): string[] {
  if (!hint(text)) return [];
  return [...new Set(spansOf(text).map((s) => s.id))];
}

export function hasSecretShape(text: string): boolean {
  return secretShapesIn(text).length > 0;
}

/**
 * The shortest text that can hold a shape: a URL password (`ab://u:p@`, 9 characters); every other shape is longer,
 * and a decoded view (escapes, percent-encoding, base64) is never longer than its text. Shorter strings (most
 * values: enum words, regions, ids) are passed without running any regex.
 */
const MIN_SHAPE_LENGTH = 9;

/**
 * Strings found clean while one message is normalised (withScanMemo): a report repeats its product names, titles,
 * regions and paths across records, and each distinct string is scanned once. Only clean strings are kept (never a
 * secret), and only for the message: the memo is dropped when it is done.
 */
let cleanMemo: Set<string> | undefined;
const MEMO_MAX_STRING = 4096;
const MEMO_MAX_ENTRIES = 10_000;

/** Run `fn` (one message's normalising) with a memo of strings already found to hold no credential shape. */
export function withScanMemo<T>(fn: () => T): T {
  if (cleanMemo) return fn();
  cleanMemo = new Set();
  try {
    return fn();
  } finally {
    cleanMemo = undefined;
  }
}

/** `text` with every credential shape replaced by [REDACTED], or by what `replace` makes of the secret. */
export function redactSecretShapes(
  text: string,
  replace: (secret: string) => string = () => REDACTED,
): string {
  if (text.length < MIN_SHAPE_LENGTH || cleanMemo?.has(text)) return text;
  const spans = hint(text) ? spansOf(text) : [];
  if (spans.length === 0) {
    if (cleanMemo && text.length <= MEMO_MAX_STRING && cleanMemo.size < MEMO_MAX_ENTRIES) cleanMemo.add(text);
    return text;
  }
  let out = '';
  let last = 0;
  for (const s of spans) {
    out += text.slice(last, s.from) + replace(text.slice(s.from, s.to));
    last = s.to;
  }
  return out + text.slice(last);
}

/**
 * A value quoted in a message (an error's "got …"), cut to `max` characters after redaction: cutting first could
 * leave a piece of a credential too short to be recognised but long enough to matter.
 */
export function quoteRedacted(value: unknown, max: number): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  return redactSecretShapes(text).slice(0, max);
}

/** Deep copy with every string passed through redactSecretShapes (keys too: a log field name is text as well). */
export function redactSecretShapesDeep<T>(value: T): T {
  return walk(value) as T;
}

function walk(v: unknown): unknown {
  if (typeof v === 'string') return redactSecretShapes(v);
  if (Array.isArray(v)) return v.map(walk);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, inner] of Object.entries(v)) out[redactSecretShapes(k)] = walk(inner);
    return out;
  }
  return v;
}

/**
 * `value` with every string passed through redactSecretShapes, copying only what changed: the same reference
 * comes back when nothing did (the common case, and the cheap one: one pass, no copies).
 */
export function redactSecretShapesCow<T>(value: T): T {
  return cow(value) as T;
}

function cow(v: unknown): unknown {
  if (typeof v === 'string') return redactSecretShapes(v);
  if (Array.isArray(v)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const r = cow(v[i]);
      if (r === v[i]) continue;
      out ??= v.slice();
      out[i] = r;
    }
    return out ?? v;
  }
  if (v && typeof v === 'object') {
    let out: Record<string, unknown> | undefined;
    for (const k in v) {
      if (!Object.hasOwn(v, k)) continue;
      const inner = (v as Record<string, unknown>)[k];
      const r = cow(inner);
      if (r === inner) continue;
      out ??= { ...(v as Record<string, unknown>) };
      out[k] = r;
    }
    return out ?? v;
  }
  return v;
}

/** Does any string in `value` hold a credential shape? A read-only walk. */
export function mentionsSecretShape(value: unknown): boolean {
  if (typeof value === 'string') return hasSecretShape(value);
  if (Array.isArray(value)) return value.some(mentionsSecretShape);
  if (value && typeof value === 'object')
    return Object.entries(value).some(([k, v]) => hasSecretShape(k) || mentionsSecretShape(v));
  return false;
}

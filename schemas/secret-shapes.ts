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

const SHAPES: Shape[] = [
  {
    id: 'private-key',
    source: String.raw`-----BEGIN[A-Z ]*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END[A-Z ]*PRIVATE KEY(?: BLOCK)?-----|$)`,
  },
  // A run of 40 or more base64 characters; only a run of exactly 40 standing alone is an AWS secret access key,
  // checked in isAwsSecretKey (with no lookbehind in the pattern: V8 runs it far faster).
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
  // header.payload[.signature], both JSON objects ("eyJ" is base64url of '{"').
  { id: 'jwt', source: String.raw`\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.?[A-Za-z0-9_-]*` },
  // scheme://user:password@host — only the password is redacted (group "urlpw").
  {
    id: 'url-password',
    source: String.raw`\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/@"'<>]+:(?<urlpw>[^\s/@"'<>]+)@`,
  },
];

const COMBINED = new RegExp(SHAPES.map((s) => `(?<${s.id.replaceAll('-', '_')}>${s.source})`).join('|'), 'g');
const GROUPS = SHAPES.map((s) => ({ id: s.id, group: s.id.replaceAll('-', '_') }));

/** Bits per character of the text (Shannon): random keys score about 5, words and paths far less. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

/**
 * A 40-character base64 run is taken for an AWS secret key only if it mixes upper case, lower case and digits
 * (a commit hash is lower-case hex), looks random, and is not the path of an ARN (`arn:aws:…:role/…`) or of a URL
 * (`https://portal.azure.com/#asset/…/Incident/subscriptions/…`): a URL's password is url-password's concern.
 */
function isAwsSecretKey(candidate: string, text: string, at: number): boolean {
  if (candidate.length !== 40 || /[A-Za-z0-9/+]/.test(text[at - 1] ?? '') || text[at + 40] === '=')
    return false;
  if (!/[A-Z]/.test(candidate) || !/[a-z]/.test(candidate) || !/[0-9]/.test(candidate)) return false;
  if (entropy(candidate) < 4) return false;
  const before = text.slice(Math.max(0, at - 300), at);
  const token = before.slice(
    Math.max(before.lastIndexOf(' '), before.lastIndexOf('"'), before.lastIndexOf("'")) + 1,
  );
  return !token.startsWith('arn:') && !token.includes('://');
}

interface Match {
  id: string;
  index: number;
  text: string;
  /** Offset and length, within the match, of what to redact. */
  redactFrom: number;
  redactLength: number;
}

function* matches(text: string): Generator<Match> {
  COMBINED.lastIndex = 0;
  for (let m = COMBINED.exec(text); m; m = COMBINED.exec(text)) {
    const hit = GROUPS.find((g) => m?.groups?.[g.group] !== undefined);
    if (!hit) continue;
    if (hit.id === 'aws-secret-access-key' && !isAwsSecretKey(m[0], text, m.index)) continue;
    if (hit.id === 'url-password') {
      const pw = m.groups!.urlpw!;
      yield {
        id: hit.id,
        index: m.index,
        text: m[0],
        redactFrom: m[0].length - pw.length - 1,
        redactLength: pw.length,
      };
    } else {
      yield { id: hit.id, index: m.index, text: m[0], redactFrom: 0, redactLength: m[0].length };
    }
  }
}

/** Quick refusal: every shape contains one of these, so most strings are passed without running the regex. */
const HINT = /[A-Za-z0-9/+_-]{16}|PRIVATE KEY|:\/\//;

/** The ids of the credential shapes found in `text` (empty when none). */
export function secretShapesIn(text: string): string[] {
  if (!HINT.test(text)) return [];
  return [...new Set([...matches(text)].map((m) => m.id))];
}

export function hasSecretShape(text: string): boolean {
  return secretShapesIn(text).length > 0;
}

/** `text` with every credential shape replaced by [REDACTED]. */
export function redactSecretShapes(text: string): string {
  if (!HINT.test(text)) return text;
  let out = '';
  let last = 0;
  for (const m of matches(text)) {
    const from = m.index + m.redactFrom;
    out += text.slice(last, from) + REDACTED;
    last = from + m.redactLength;
  }
  return last === 0 ? text : out + text.slice(last);
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

// Hostile Kafka messages, each with the reason its dead letter must give: deep nesting, wide objects, huge strings
// and values, backtracking bait for every credential shape (schemas/secret-shapes.ts), invalid UTF-8 and UTF-16,
// `__proto__`/`constructor` keys, truncated JSON, and every adapter's own shape with values of the wrong type.
// Shared by the integration test (a few hundred) and the fault soak (10,000): test/fault/support/hostile-run.ts.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Message } from 'kafkajs';
import { decodeMessage } from '../../../consumers/decode-message.ts';
import { FORMATS, type Format } from '../../../schemas/finding.ts';
import { decodeText } from '../../../schemas/parse-input.ts';

export interface HostileMessage extends Message {
  key: string;
  kind: string;
  /** What the dead letter's reason must say. */
  reason: RegExp;
}

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');
export const TEN_MB = 10 * 1024 * 1024;

/** Near-misses of each credential shape, repeated: the inputs that make a backtracking pattern quadratic. */
export const BAIT: Record<string, string> = {
  'private-key': '-----BEGIN RSA PRIVATE KEY-----x',
  'aws-secret-access-key': `${'A'.repeat(39)} `,
  'github-token': `ghp_${'a'.repeat(35)}-`,
  'github-fine-grained-token': `github_pat_${'a'.repeat(21)}!`,
  'slack-token': 'xoxb-',
  'slack-webhook': `https://hooks.slack.com/services/${'a'.repeat(19)} `,
  'stripe-key': `sk_live_${'a'.repeat(15)} `,
  'google-api-key': `AIza${'a'.repeat(34)}!`,
  'npm-token': `npm_${'a'.repeat(35)}!`,
  'sendgrid-key': `SG.${'a'.repeat(22)}.${'a'.repeat(42)}!`,
  'openai-anthropic-key': `sk-${'a'.repeat(31)}!`,
  jwt: 'eyJ-',
  'jwt-pair': `eyJ${'a'.repeat(8)}.eyJ`,
  'url-password': 'https://u:',
};

/** `text` repeated to about `chars` characters. */
const fill = (text: string, chars: number) => text.repeat(Math.ceil(chars / text.length)).slice(0, chars);

/** The largest document (up to 100 KB) of each adapter's fixtures: its own shape, to break with wrong types. */
function shapeOf(format: Format): unknown {
  let files: string[];
  try {
    const dir = join(FIXTURES, format);
    files = readdirSync(dir)
      .filter((f) => /\.(json|jsonl|ndjson|sarif)$/.test(f))
      .map((f) => [f, statSync(join(dir, f)).size] as const)
      .filter(([, size]) => size <= 100_000)
      .sort((a, b) => b[1] - a[1])
      .map(([f]) => f);
  } catch {
    return undefined;
  }
  for (const f of files) {
    // UTF-16 and byte-order-mark fixtures decoded as the normaliser decodes them.
    const text = decodeText(readFileSync(join(FIXTURES, format, f)));
    try {
      return JSON.parse(text);
    } catch {
      const first = text.split('\n').find((l) => l.trim());
      if (first) return JSON.parse(first);
    }
  }
  return undefined;
}

/** Every value, at every depth, replaced by one of the wrong type (containers kept, so the shape is still seen). */
export function wrongTypes(value: unknown, replacement: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => wrongTypes(v, replacement));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wrongTypes(v, replacement)]));
  return replacement;
}

type Maker = {
  kind: string;
  reason: RegExp;
  make: (i: number) => Omit<HostileMessage, 'key' | 'kind' | 'reason'>;
};

const notable = (raw: string) => JSON.stringify({ result: { _time: '2026-01-01T00:00:00Z', _raw: raw } });

/** Every kind, in a fixed order; `hostileMessages` deals them round-robin. */
export function hostileKinds(): Maker[] {
  const kinds: Maker[] = [
    {
      kind: 'deep object (6,000 levels)',
      reason: /^nested deeper than the limit of 64 levels/,
      make: () => ({
        value: `{"RuleID":${'{"a":'.repeat(6_000)}1${'}'.repeat(6_000)}}`,
        headers: { format: 'gitleaks' },
      }),
    },
    {
      kind: 'deep array (100,000 levels)',
      reason: /^nested deeper than the limit of 64 levels/,
      make: () => ({ value: `${'['.repeat(100_000)}${']'.repeat(100_000)}` }),
    },
    {
      kind: 'wide object (20,000 keys)',
      reason: /^an object of 20000 keys exceeds the limit of 10000/,
      make: (i) => ({
        value: JSON.stringify(Object.fromEntries(Array.from({ length: 20_000 }, (_, k) => [`k${k}`, i]))),
      }),
    },
    {
      kind: 'huge string (300,000 characters)',
      reason: /^a string of 300000 characters exceeds the limit of 262144/,
      make: () => ({ value: notable(fill('eyJ-', 300_000)), headers: { format: 'splunk-notable' } }),
    },
    {
      kind: 'invalid UTF-8',
      reason: /not valid UTF-8/,
      make: (i) => ({ value: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0xc3, 0x28, i % 256, 0x7d]) }),
    },
    {
      // Read as UTF-16 once the normaliser decodes it (issue #22 item 5); until then refused as not UTF-8.
      kind: 'UTF-16LE with a BOM, of a shape nobody reads',
      reason: /not valid UTF-8|unknown input shape/,
      make: (i) => ({
        value: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`{"u16":${i}}`, 'utf16le')]),
      }),
    },
    {
      kind: 'unpaired UTF-16 surrogate escapes',
      reason: /unknown input shape/,
      make: (i) => ({ value: `{"s":"\\ud800\\udc00\\ud800 ${i} \\udfff"}` }),
    },
    {
      kind: '__proto__ and constructor keys',
      reason: /unknown input shape/,
      make: (i) => ({
        value: `{"__proto__":{"polluted":${i}},"constructor":{"prototype":{"polluted":1}},"Findings":[{"__proto__":{"x":1}}]}`,
      }),
    },
    {
      kind: 'truncated JSON',
      reason: /^invalid JSON/,
      make: (i) => ({ value: notable(`1767225600, search_name="x", user="u${i}"`).slice(0, 60) }),
    },
  ];
  for (const [shape, bait] of Object.entries(BAIT)) {
    // Scanned by the dead-letter path (16 KiB and less), and larger, decoded in a thread and sealed unscanned.
    for (const chars of [15_000, 200_000])
      kinds.push({
        kind: `${shape} bait, ${chars} characters`,
        reason: /^unknown input shape/,
        make: () => ({ value: JSON.stringify({ bait: fill(bait, chars) }) }),
      });
  }
  for (const format of FORMATS) {
    const shape = shapeOf(format);
    if (shape === undefined) continue;
    for (const [name, wrong] of [
      ['numbers', 12_345],
      ['objects', { a: [1] }],
    ] as const) {
      const value = JSON.stringify(wrongTypes(shape, wrong));
      // A shape that still reads as an empty report (detect-secrets' results of numbers) is not hostile input.
      const d = decodeMessage(Buffer.from(value), format, 'probe-key');
      if (d.ok && d.rejected.length === 0) continue;
      kinds.push({
        kind: `${format} shape, every value ${name}`,
        reason: /./,
        make: () => ({ value, headers: { format } }),
      });
    }
  }
  return kinds;
}

/** `count` hostile messages, kinds dealt round-robin; `huge` of them 10 MB values (refused by size). */
export function hostileMessages(count: number, huge: number, tag: string): HostileMessage[] {
  const kinds = hostileKinds();
  const out: HostileMessage[] = [];
  for (let i = 0; i < count - huge; i++) {
    const k = kinds[i % kinds.length]!;
    out.push({ key: `hostile-${tag}-${i}`, kind: k.kind, reason: k.reason, ...k.make(i) });
  }
  for (let i = count - huge; i < count; i++) {
    const value = Buffer.alloc(TEN_MB, 0x20);
    Buffer.from(notable(`user="arn:aws:iam::123456789012:user/huge-${i}"`)).copy(value);
    out.push({
      key: `hostile-${tag}-${i}`,
      kind: '10 MB value',
      reason: /^message too large \(10485760 bytes/,
      value,
    });
  }
  return out;
}

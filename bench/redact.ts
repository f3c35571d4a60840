// Redaction's cost as its input grows: backtracking bait for every secret pattern (a run each pattern's quantifiers
// match and then fail after), from 1 KB doubling to a maximum, one redactSecretShapes call per size, the median of
// a few. Linear time shows as a ratio near 2 per doubling; a quadratic pattern as 4 (issue #22: the JWT pattern
// took 4.5 s at 32 KB and about 5 minutes at 1 MB).
import { redactSecretShapes } from '../schemas/secret-shapes.ts';

/** One bait per pattern of schemas/secret-shapes.ts, named after it. */
export const BAIT: Record<string, string> = {
  'private-key': '-----BEGIN ',
  'aws-secret-access-key': 'aB3/',
  'base64-wrapped': 'QUtJQQ',
  'github-token': 'ghp_',
  'github-fine-grained-token': 'github_pat_',
  'slack-token': 'xoxb-',
  'slack-webhook': 'https://hooks.slack.com/services/',
  'stripe-key': 'sk_live_',
  'google-api-key': 'AIza',
  'npm-token': 'npm_',
  'sendgrid-key': 'SG.',
  'openai-anthropic-key': 'sk-',
  jwt: 'eyJ-',
  'jwt-dots': 'eyJa.',
  'url-password': 'a://b:',
  'json-escape': 'ab\\/',
  'percent-escape': '%2F',
};

export interface RedactBenchRow {
  pattern: string;
  /** Milliseconds per call at each size (bytes = 1024 · 2^i). */
  ms: number[];
  /** ms[i] / ms[i-1]: about 2 when linear (noisy below a millisecond, and where a GC falls). */
  perDoubling: number[];
  /**
   * The growth per doubling over the whole range, from the first size that takes half a millisecond to the
   * largest (geometric mean: one GC pause does not decide it). About 2 when linear, 4 when quadratic.
   */
  growthPerDoubling: number;
}

export interface RedactBenchResult {
  sizes: number[];
  rows: RedactBenchRow[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function timeOnce(text: string): number {
  const start = process.hrtime.bigint();
  redactSecretShapes(text);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function benchRedact(opts: { maxBytes?: number; repeats?: number } = {}): RedactBenchResult {
  const maxBytes = opts.maxBytes ?? 1024 * 1024;
  const sizes: number[] = [];
  for (let n = 1024; n <= maxBytes; n *= 2) sizes.push(n);
  const rows = Object.entries(BAIT).map(([pattern, unit]) => {
    const ms = sizes.map((size) => {
      const text = unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
      timeOnce(text); // warm up (JIT, regexp compilation)
      return median(Array.from({ length: opts.repeats ?? 3 }, () => timeOnce(text)));
    });
    const perDoubling = ms.slice(1).map((t, i) => t / Math.max(ms[i]!, 1e-3));
    const from = ms.findIndex((t) => t >= 0.5);
    const last = ms.length - 1;
    const growthPerDoubling =
      from >= 0 && from < last ? (ms[last]! / ms[from]!) ** (1 / (last - from)) : Number.NaN;
    return { pattern, ms, perDoubling, growthPerDoubling };
  });
  return { sizes, rows };
}

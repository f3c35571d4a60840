// A raw secret never leaves its adapter. What we keep instead: a keyed fingerprint (HMAC-SHA-256, so two
// scanners reporting the same secret agree, but nobody can brute-force short secrets without the key) and a
// masked hint a human can recognise. The boundary then scrubs every value the adapter saw out of its output,
// so a secret copied into a title or evidence field by mistake is caught too.
import { createHmac } from 'node:crypto';

export const REDACTED = '[REDACTED]';

/** Fallback for local use and tests only; production sets NHI_FINGERPRINT_KEY. */
export const DEV_FINGERPRINT_KEY = 'nhi-enforce-dev-fingerprint-key';

export function fingerprintKeyFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.NHI_FINGERPRINT_KEY || DEV_FINGERPRINT_KEY;
}

export function fingerprint(value: string, key: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}

/** First few characters (never more than a quarter of the value) and the length: "AKIA…(20)". */
export function maskSecret(value: string): string {
  const shown = Math.min(4, Math.floor(value.length / 4));
  return `${value.slice(0, shown)}…(${value.length})`;
}

// PEM private keys are long enough that a partial copy is still a leak; scrub any such block outright.
const PRIVATE_KEY_BLOCK = /-----BEGIN[A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END[A-Z ]*PRIVATE KEY-----|$)/g;

/** Too short to scrub by value without destroying unrelated text; such secrets are simply never copied. */
const MIN_SCRUB_LENGTH = 4;

function scrubString(text: string, secrets: readonly string[]): string {
  let out = text.includes('PRIVATE KEY') ? text.replace(PRIVATE_KEY_BLOCK, REDACTED) : text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** Deep copy of `value` with every occurrence of the given secrets (and PEM private keys) replaced. */
export function scrubSecrets<T>(value: T, secrets: Iterable<string>): T {
  const list = [...secrets].filter((s) => s.length >= MIN_SCRUB_LENGTH).sort((a, b) => b.length - a.length);
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return scrubString(v, list);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, inner] of Object.entries(v)) out[k] = walk(inner);
      return out;
    }
    return v;
  };
  return walk(value) as T;
}

// A raw secret never leaves its adapter. What we keep instead: a keyed fingerprint (HMAC-SHA-256, so two
// scanners reporting the same secret agree, but nobody can brute-force short secrets without the key) and a
// masked hint a human can recognise. The boundary then scrubs every value the adapter saw out of its output,
// so a secret copied into a title or evidence field by mistake is caught too.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

export const REDACTED = '[REDACTED]';

/** Fallback for local use and tests only; production sets NHI_FINGERPRINT_KEY. */
export const DEV_FINGERPRINT_KEY = 'nhi-enforce-dev-fingerprint-key';

export function fingerprintKeyFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env.NHI_FINGERPRINT_KEY || DEV_FINGERPRINT_KEY;
}

/**
 * The key being rotated out (NHI_FINGERPRINT_KEY_PREVIOUS), during a rotation window only: secrets are then
 * fingerprinted under both keys, so what was keyed under the old one can still be matched. None when unset or
 * equal to the current key.
 */
export function previousFingerprintKeyFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const previous = env.NHI_FINGERPRINT_KEY_PREVIOUS;
  return previous && previous !== fingerprintKeyFromEnv(env) ? previous : undefined;
}

// The key as a KeyObject, made once per key: createHmac with a string key imports it anew on every call, which
// cost about a quarter of each fingerprint. A process uses one key, two during a key rotation window.
const cachedKeys = new Map<string, KeyObject>();

function hmacKey(key: string): KeyObject {
  let object = cachedKeys.get(key);
  if (!object) {
    if (cachedKeys.size >= 2) cachedKeys.clear();
    object = createSecretKey(Buffer.from(key, 'utf8'));
    cachedKeys.set(key, object);
  }
  return object;
}

export function fingerprint(value: string, key: string): string {
  return createHmac('sha256', hmacKey(key)).update(value, 'utf8').digest('hex');
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

/** The secrets worth scrubbing, longest first (so a secret containing another is replaced whole). */
export function scrubList(secrets: Iterable<string>): string[] {
  return [...secrets].filter((s) => s.length >= MIN_SCRUB_LENGTH).sort((a, b) => b.length - a.length);
}

function walk(v: unknown, list: readonly string[]): unknown {
  if (typeof v === 'string') return scrubString(v, list);
  if (Array.isArray(v)) return v.map((inner) => walk(inner, list));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, inner] of Object.entries(v)) out[k] = walk(inner, list);
    return out;
  }
  return v;
}

/** Deep copy of `value` with every occurrence of the given secrets (and PEM private keys) replaced. */
export function scrubSecrets<T>(value: T, secrets: Iterable<string>): T {
  return walk(value, scrubList(secrets)) as T;
}

/**
 * Would scrubSecrets change anything in `value`? A read-only walk (no copies): true when some string holds one of
 * the listed secrets or anything that looks like a PEM private key — then scrub for real.
 */
export function mentionsSecret(value: unknown, list: readonly string[]): boolean {
  if (typeof value === 'string') {
    if (value.length < MIN_SCRUB_LENGTH) return false;
    if (value.includes('PRIVATE KEY')) return true;
    for (const secret of list) if (value.includes(secret)) return true;
    return false;
  }
  if (Array.isArray(value)) {
    for (const inner of value) if (mentionsSecret(inner, list)) return true;
    return false;
  }
  if (value && typeof value === 'object') {
    for (const k in value) {
      if (Object.hasOwn(value, k) && mentionsSecret((value as Record<string, unknown>)[k], list)) return true;
    }
    return false;
  }
  return false;
}

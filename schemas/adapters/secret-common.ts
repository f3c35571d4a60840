// Helpers shared by the secret-scanner adapters (gitleaks, trufflehog, github-secret-scanning, detect-secrets,
// trivy, sarif). The rule they serve: a raw secret never leaves the adapter. Every value a tool may have put a
// secret in is registered here (so the boundary scrubs it from whatever we emit) and turned into a keyed
// fingerprint plus a masked hint; the value itself is never copied into a finding.
import type { Severity } from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import { isAccessKeyId, secretIdentity } from '../identity-keys.ts';
import { fingerprint, maskSecret } from '../redaction.ts';
import type { NormalizeContext } from './adapter.ts';
import { toIsoTime } from './util.ts';

// ---------------------------------------------------------------------------------------------------------
// Registering secret-bearing values

/** What tools write instead of a value they redacted themselves; registering these would only mangle output. */
const PLACEHOLDER = /^(redacted|redact|\[redacted\]|[*•x.…]+)$/i;

/**
 * Short hex strings could occur inside our own hex output (fingerprints, ids), and scrubbing would corrupt them.
 * A value that short is never copied by these adapters anyway, so it is safe to leave unregistered.
 */
const SHORT_HEX = /^[0-9a-f]{1,11}$/i;

/** Lines of a multi-line secret (PEM bodies) at least this long are registered on their own too. */
const LONG_LINE = 8;
/** Tokens of a secret-bearing line (`TOKEN=abc…`) at least this long are registered on their own. */
const LONG_TOKEN = 8;

export interface RegisterOptions {
  /** Also register each token of the value (split on blanks, quotes, `=`, `:`): for whole source lines. */
  tokens?: boolean;
}

function addOne(ctx: NormalizeContext, value: string): void {
  const v = value.trim();
  if (v.length < 4 || PLACEHOLDER.test(v) || SHORT_HEX.test(v)) return;
  // An access key id is the public half of a key pair: an identifier we must keep (aws:access-key:AKIA…).
  if (isAccessKeyId(v)) return;
  ctx.secrets.add(v);
}

/**
 * Register a raw secret-bearing value with the boundary's scrubber: the value itself, each long line of a
 * multi-line value (a PEM key copied line by line is still a leak), a gitleaks partial mask's visible prefix
 * (`--redact=20` leaves 80% of the value followed by `...`), and optionally each long token.
 */
export function registerSecret(ctx: NormalizeContext, value: unknown, opts: RegisterOptions = {}): void {
  if (typeof value !== 'string' || value.length < 4) return;
  addOne(ctx, value);
  if (value.includes('\n')) {
    for (const line of value.split(/\r?\n/)) if (line.trim().length >= LONG_LINE) addOne(ctx, line);
  }
  if (value.endsWith('...') && value.length > 7) addOne(ctx, value.slice(0, -3));
  if (opts.tokens) {
    for (const token of value.split(/[\s"'`=:,;()[\]{}<>]+/))
      if (token.length >= LONG_TOKEN) addOne(ctx, token);
  }
}

/** Register a value and its base64 form(s): tools print either, and a log line may carry the other. */
export function registerWithEncodings(
  ctx: NormalizeContext,
  plaintext: string,
  ...encoded: Array<string | undefined>
): void {
  registerSecret(ctx, plaintext);
  if (plaintext.length >= 4) {
    const bytes = Buffer.from(plaintext, 'utf8');
    registerSecret(ctx, bytes.toString('base64'));
    registerSecret(ctx, bytes.toString('base64url'));
  }
  for (const e of encoded) registerSecret(ctx, e);
}

// ---------------------------------------------------------------------------------------------------------
// Masked values and base64

/** A value the tool masked itself (gitleaks REDACTED or `abc...`, trivy `****`, trufflehog `*****`). */
export function isMasked(value: string): boolean {
  const v = value.trim();
  return (
    PLACEHOLDER.test(v) || v.includes('***') || v.includes('REDACTED') || (v.endsWith('...') && v.length > 3)
  );
}

/** A hint built from a tool's masked value: the length of its mask (`…(20)`) when it shows one. */
export function maskedHint(masked: string | undefined): string {
  if (!masked) return '…(?)';
  const run = masked.match(/\*{3,}/g)?.sort((a, b) => b.length - a.length)[0];
  if (run) return `…(${run.length})`;
  if (masked.endsWith('...') && masked.length > 3 && !PLACEHOLDER.test(masked)) {
    // gitleaks partial redaction: the visible prefix is itself secret material; show no more than maskSecret would.
    const prefix = masked.slice(0, -3);
    return `${prefix.slice(0, Math.min(4, Math.floor(prefix.length / 4)))}…(?)`;
  }
  return '…(?)';
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Strict base64 that decodes to printable UTF-8 text → the text; anything else → undefined. Used where a tool
 * version wrote bytes as base64 (trufflehog ≤3.x `Raw`) and later ones write the string itself.
 */
export function decodeBase64Text(value: string): string | undefined {
  if (value.length < 4 || value.length % 4 !== 0 || !BASE64.test(value)) return undefined;
  let text: string;
  try {
    text = utf8.decode(Buffer.from(value, 'base64'));
  } catch {
    return undefined;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (!text || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/.test(text)) return undefined;
  return text;
}

// ---------------------------------------------------------------------------------------------------------
// Secret family: the detector part of a secret identity key, the same whichever tool saw the value

const VALUE_FAMILIES: Array<[RegExp, string]> = [
  [/^(AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{12,}$/, 'aws'],
  [/-----BEGIN[A-Z0-9 ]*PRIVATE KEY/, 'private-key'],
  [/^(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{20,})$/, 'github'],
  [/^glpat-[\w-]{20,}$/, 'gitlab'],
  [/^(xox[abposr]-[\w-]+|https:\/\/hooks\.slack\.com\/)/, 'slack'],
  [/^[sr]k_(live|test)_[A-Za-z0-9]{10,}$/, 'stripe'],
  [/^(AIza[\w-]{35}|ya29\.[\w-]+)$/, 'google'],
  [/^aio_[A-Za-z0-9]{20,}$/, 'adafruit'],
  [/^SG\.[\w-]{16,}\.[\w-]{16,}$/, 'sendgrid'],
  [/^SK[0-9a-fA-F]{32}$/, 'twilio'],
  [/^npm_[A-Za-z0-9]{36}$/, 'npm'],
  [/^pypi-[\w-]{50,}$/, 'pypi'],
  [/^sq0(atp|csp)-[\w-]{20,}$/, 'square'],
  [/^shp(ss|at|ca|pa)_[a-fA-F0-9]{32}$/, 'shopify'],
  [/^eyJ[\w-]+\.eyJ[\w-]+\.[\w-]*$/, 'jwt'],
  [/^[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:[^\s@/]+@/i, 'uri'],
];

const DETECTOR_FAMILIES: Array<[RegExp, string]> = [
  [/private.?key|\brsa\b|rsa.?pk|\bssh|\bpem\b|pkcs|apkey/, 'private-key'],
  [/\baws\b|aws[\s_-]|amazon/, 'aws'],
  [/github|\bgh[pousr]\b/, 'github'],
  [/gitlab/, 'gitlab'],
  [/slack/, 'slack'],
  [/stripe/, 'stripe'],
  [/google|\bgcp\b/, 'google'],
  [/azure/, 'azure'],
  [/adafruit/, 'adafruit'],
  [/sendgrid/, 'sendgrid'],
  [/twilio/, 'twilio'],
  [/\bnpm\b|npm[\s_-]/, 'npm'],
  [/pypi/, 'pypi'],
  [/square/, 'square'],
  [/shopify/, 'shopify'],
  [/\bjwt\b|json web token/, 'jwt'],
  [/^uri$|^url$|basic.?auth/, 'uri'],
];

const FAMILY_PROVIDER: Record<string, IdentityRef['provider']> = {
  aws: 'aws',
  github: 'github',
  google: 'gcp',
  azure: 'azure',
};

/**
 * The family a secret belongs to (the detector part of its identity key). When we see the value, only the value
 * decides — its shape, else `generic` — so any two tools reporting one value agree on one identity whatever they
 * call their detectors (gitleaks `generic-api-key` and trufflehog `Stripe`). Without the value (masked, hashed),
 * the fingerprint is tool-specific anyway and the detector's name gives the family.
 */
export function secretFamily(
  detector: string,
  plaintext?: string,
): { family: string; provider: IdentityRef['provider'] } {
  const v = plaintext?.trim();
  const family = v
    ? (VALUE_FAMILIES.find(([re]) => re.test(v))?.[1] ?? 'generic')
    : (DETECTOR_FAMILIES.find(([re]) => re.test(detector.toLowerCase()))?.[1] ?? 'generic');
  return { family, provider: FAMILY_PROVIDER[family] ?? 'generic' };
}

// ---------------------------------------------------------------------------------------------------------
// The secret reference and identity of a finding

const PEM_HEADER_ONLY = /^-----(BEGIN|END)[A-Z0-9 ]*-----$/;

export interface SecretInput {
  /** The tool's detector / rule / secret type, as the tool names it. */
  detector: string;
  /** The raw value when the tool reports it (already registered by the caller). */
  plaintext?: string;
  /** Parts of a fallback fingerprint when the value is unknown: the tool's own hash, or detector + location. */
  fallback: Array<string | number | undefined>;
  /** The tool's own masked value, for the hint when the plaintext is unknown. */
  masked?: string;
  verified?: boolean;
}

export interface SecretParts {
  secret: {
    detector: string;
    fingerprint: string;
    previousFingerprint?: string;
    hint: string;
    verified?: boolean;
  };
  identity: IdentityRef;
  /** The AWS access key id, when the plaintext is one (the public half of a key pair). */
  accessKeyId?: string;
}

/** finding.secret and the secret's identity. The fingerprint is always an HMAC under the configured key. */
export function secretParts(ctx: NormalizeContext, input: SecretInput): SecretParts {
  // A bare PEM header (older gitleaks rules matched only "-----BEGIN RSA PRIVATE KEY-----") is not the key: every
  // key would share its fingerprint. Treat it like a masked value.
  const usable =
    input.plaintext && !isMasked(input.plaintext) && !PEM_HEADER_ONLY.test(input.plaintext.trim());
  const plaintext = usable ? input.plaintext : undefined;
  const material = plaintext ?? input.fallback.map((p) => p ?? '').join('\u0000');
  const fp = fingerprint(material, ctx.fingerprintKey);
  const previousFp =
    ctx.previousFingerprintKey && ctx.previousFingerprintKey !== ctx.fingerprintKey
      ? fingerprint(material, ctx.previousFingerprintKey)
      : undefined;
  const hint = plaintext ? maskSecret(plaintext) : maskedHint(input.masked);
  const { family, provider } = secretFamily(input.detector, plaintext);
  // During a key rotation the identity is keyed under the new key and names its key under the old one as an
  // alias, so state and exceptions recorded against the old key still match it.
  const base = secretIdentity(family, fp, provider);
  const identity = {
    ...base,
    name: input.detector || family,
    aliases: previousFp ? [secretIdentity(family, previousFp, provider).key] : base.aliases,
  };
  const trimmed = plaintext?.trim();
  return {
    secret: {
      detector: input.detector,
      fingerprint: fp,
      ...(previousFp ? { previousFingerprint: previousFp } : {}),
      hint,
      ...(input.verified !== undefined ? { verified: input.verified } : {}),
    },
    identity,
    accessKeyId: trimmed && isAccessKeyId(trimmed) ? trimmed : undefined,
  };
}

// ---------------------------------------------------------------------------------------------------------
// Severity and time

/**
 * Severity of an exposed secret when the tool has no scale of its own:
 * verified live (trufflehog Verified, GitHub validity "active") → critical 95: exploitable now;
 * unverified / unknown → medium 50: a real-looking credential nobody has confirmed;
 * known inactive (GitHub validity "inactive") → low 30: the provider says it no longer works.
 */
export function exposedSecretSeverity(verified: boolean | undefined, inactive = false): Severity {
  if (verified) return { label: 'critical', score: 95 };
  if (inactive) return { label: 'low', score: 30 };
  return { label: 'medium', score: 50 };
}

/** Go's time.String(): "2022-06-16 10:17:40 -0700 -0700", "2022-06-16 17:17:40.5 +0000 UTC" (trufflehog git). */
const GO_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d+)?) ([+-])(\d{2}):?(\d{2})(?: .*)?$/;

/** Any time string our secret scanners write → ISO, including Go's time.String() layout. */
export function secretToolTime(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const m = GO_TIME.exec(value.trim());
    if (m) return toIsoTime(`${m[1]}T${m[2]}${m[3]}${m[4]}:${m[5]}`);
    // Go's zero time (trivy image metadata) means "not set".
    if (value.startsWith('0001-01-01')) return undefined;
  }
  return toIsoTime(value);
}

/**
 * Scanners often say nothing about when they looked (gitleaks directory scans, trivy reports without CreatedAt,
 * bare detect-secrets entries). Adapters are pure, so they cannot read the clock: the boundary's receive time is
 * used when the context carries one (`receivedAt`), else the Unix epoch marks "unknown" — the identity
 * workflow keeps its own firstSeen/lastSeen, so nothing downstream mistakes it for the arrival time.
 */
export const UNKNOWN_TIME = '1970-01-01T00:00:00.000Z';

export function observedTime(
  ctx: NormalizeContext,
  ...candidates: unknown[]
): { time: string; known: boolean } {
  for (const c of candidates) {
    const iso = secretToolTime(c);
    if (iso) return { time: iso, known: true };
  }
  const received = toIsoTime(ctx.receivedAt);
  return { time: received ?? UNKNOWN_TIME, known: false };
}

// ---------------------------------------------------------------------------------------------------------
// Small shape helpers

/** A location's repo from a GitHub/GitLab blob link: https://github.com/o/r/blob/<sha>/path → https://github.com/o/r */
export function repoFromLink(link: string | undefined): string | undefined {
  if (!link) return undefined;
  const m = /^(https?:\/\/[^/]+\/.+?)\/(?:-\/)?(?:blob|tree|commit)\//.exec(link);
  return m?.[1];
}

export const nonEmpty = (s: string | undefined | null): string | undefined =>
  typeof s === 'string' && s.trim() !== '' ? s : undefined;

// Canary credentials, made fresh per run (no real-looking secret is tracked): one of each shape that
// schemas/secret-shapes.ts must catch in free text, and a helper that plants them in a record's free-text fields.
import { randomBytes, randomInt } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const pick = (alphabet: string, n: number) =>
  Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');

/** 40 base64 characters mixing upper, lower and digits, as AWS secret access keys are. */
function awsSecretKey(): string {
  for (;;) {
    const key = pick(`${ALNUM}/+`, 40);
    if (/[A-Z]/.test(key) && /[a-z]/.test(key) && /[0-9]/.test(key)) return key;
  }
}

/** An AWS-style secret key with at least one `/` in it (where a JSON escape or percent-encoding can cut it). */
function awsSecretKeyWithSlash(): string {
  for (;;) {
    const key = awsSecretKey();
    const i = key.indexOf('/');
    if (i > 0 && i < 39) return key;
  }
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export interface Canaries {
  /** name → the secret value (what must never appear in output). */
  values: Record<string, string>;
  /** One line of prose quoting every canary, as an attacker or a careless rule author might write it. */
  prose: string;
}

export function makeCanaries(): Canaries {
  const password = `pw${pick(ALNUM, 14)}`;
  const values: Record<string, string> = {
    awsSecretAccessKey: awsSecretKey(),
    githubToken: `ghp_${pick(ALNUM, 36)}`,
    slackToken: `xoxb-${pick('0123456789', 12)}-${pick(ALNUM, 24)}`,
    stripeKey: `sk_live_${pick(ALNUM, 24)}`,
    googleApiKey: `AIza${pick(`${ALNUM}_-`, 35)}`,
    jwt: `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub: pick(ALNUM, 12) })}.${randomBytes(32).toString('base64url')}`,
    urlPassword: password,
    privateKeyBody: randomBytes(48).toString('base64'),
    // The AWS secret key in the places issue #22 found it missed or may be missed: followed by a path, in a URL's
    // query string and user info, quoted, base64-wrapped, and cut by a JSON escape (`\/`, `\u002f`).
    awsKeyThenSlash: awsSecretKey(),
    awsKeyInQuery: awsSecretKey(),
    awsKeyInUserinfo: awsSecretKeyWithSlash(),
    awsKeyQuoted: awsSecretKey(),
    awsKeyBase64: '',
    awsKeyJsonEscaped: awsSecretKeyWithSlash(),
    awsKeyUnicodeEscaped: awsSecretKeyWithSlash(),
  };
  values.awsKeyBase64 = Buffer.from(`aws_secret_access_key = ${awsSecretKey()}`).toString('base64');
  const prose = [
    `aws_secret_access_key=${values.awsSecretAccessKey}`,
    `token ${values.githubToken}`,
    `slack ${values.slackToken}`,
    `stripe ${values.stripeKey}`,
    `key=${values.googleApiKey}`,
    `Authorization: Bearer ${values.jwt}`,
    `db postgres://svc_app:${password}@db.internal.example:5432/app`,
    `-----BEGIN RSA PRIVATE KEY-----\n${values.privateKeyBody}\n-----END RSA PRIVATE KEY-----`,
    `backup ${values.awsKeyThenSlash}/2024/state.tfstate`,
    `called https://api.example.com/v1/sign?region=us-east-1&aws_secret_key=${values.awsKeyInQuery}&x=1`,
    `remote https://AKIAIOSFODNN7EXAMPLE:${encodeURIComponent(values.awsKeyInUserinfo!)}@s3.example.com/b`,
    `config secret: '${values.awsKeyQuoted}' and "${values.awsKeyQuoted}"`,
    `env ${values.awsKeyBase64}`,
    `payload {"secret":"${values.awsKeyJsonEscaped!.replaceAll('/', '\\/')}"}`,
    `payload {"secret":"${values.awsKeyUnicodeEscaped!.replaceAll('/', '\\u002f')}"}`,
  ].join(' ; ');
  return { values, prose };
}

/** Keys whose values are prose a tool copies from an alert or a rule (reason, description, title, Splunk _raw…). */
const FREE_TEXT_KEY =
  /(reason|description|desc|title|message|summary|text|status_detail|search_name|_raw|^source)$/i;

/** A deep copy of `record` with the canary prose appended to every free-text string. */
export function plantInFreeText<T>(record: T, prose: string): T {
  const walk = (v: unknown, key: string): unknown => {
    if (typeof v === 'string') return FREE_TEXT_KEY.test(key) ? `${v} ${prose}` : v;
    if (Array.isArray(v)) return v.map((inner) => walk(inner, key));
    if (v && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, inner]) => [k, walk(inner, k)]));
    return v;
  };
  return walk(record, '') as T;
}

/** `text` with JSON escapes (`\/`, `\\`, `\u002f`) and percent-encoding undone, as a reader of it would see it. */
function decoded(text: string): string {
  return text
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)))
    .replace(/\\(.)/g, '$1')
    .replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/**
 * Which canaries (or 12-character pieces of one) appear in `text`, as written or once or twice decoded (a key cut
 * by `\/` or `%2F` is still that key to whoever reads it).
 */
export function canariesIn(text: string, canaries: Canaries): string[] {
  const found: string[] = [];
  const once = decoded(text);
  const views = [text, once, decoded(once)];
  for (const [name, value] of Object.entries(canaries.values)) {
    for (let i = 0; i + 12 <= value.length; i += 6) {
      const piece = value.slice(i, i + 12);
      if (views.some((v) => v.includes(piece))) {
        found.push(name);
        break;
      }
    }
  }
  return found;
}

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
  };
  const prose = [
    `aws_secret_access_key=${values.awsSecretAccessKey}`,
    `token ${values.githubToken}`,
    `slack ${values.slackToken}`,
    `stripe ${values.stripeKey}`,
    `key=${values.googleApiKey}`,
    `Authorization: Bearer ${values.jwt}`,
    `db postgres://svc_app:${password}@db.internal.example:5432/app`,
    `-----BEGIN RSA PRIVATE KEY-----\n${values.privateKeyBody}\n-----END RSA PRIVATE KEY-----`,
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

/** Which canaries (or 12-character pieces of one) appear in `text`. */
export function canariesIn(text: string, canaries: Canaries): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(canaries.values)) {
    for (let i = 0; i + 12 <= value.length; i += 6) {
      if (text.includes(value.slice(i, i + 12))) {
        found.push(name);
        break;
      }
    }
  }
  return found;
}

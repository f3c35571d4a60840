// Helpers shared by the SIEM and CSPM adapters (splunk-notable, sentinel, elastic-alert, google-scc, wiz, checkov,
// kube-bench, scoutsuite): reading dotted ECS paths, telling what kind of identity a user-name field holds, and
// guessing a FindingKind from a SIEM rule's words and ATT&CK tactics.

import type { FindingKind, Reference } from '../finding.ts';
import type { IdentityRef, Provider } from '../identity.ts';
import {
  awsAccessKeyIdentity,
  awsIdentityFromArn,
  gcpServiceAccountIdentity,
  isAccessKeyId,
  principalIdentity,
} from '../identity-keys.ts';
import { redactSecretShapes } from '../secret-shapes.ts';
import { isObject } from './util.ts';

/**
 * Dotted paths read from a document that may spell them flat (`"kibana.alert.rule.name": …`), nested
 * (`kibana: {alert: {rule: {name}}}`) or any mix (`"kibana.alert.rule.parameters": {…}`). One pass over the
 * document: only objects on the way to a wanted path are entered, own keys only (so `__proto__` is never
 * followed), and the first spelling found wins.
 */
export class PathPicker {
  private readonly root: PathNode = { children: new Map() };
  constructor(paths: Iterable<string>) {
    for (const p of paths) {
      let node = this.root;
      for (const seg of p.split('.')) {
        let next = node.children.get(seg);
        if (!next) {
          next = { children: new Map() };
          node.children.set(seg, next);
        }
        node = next;
      }
      node.path = p;
    }
  }

  pick(doc: unknown): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (isObject(doc)) this.walk(doc, this.root, out, 0);
    return out;
  }

  private walk(
    obj: Record<string, unknown>,
    node: PathNode,
    out: Record<string, unknown>,
    depth: number,
  ): void {
    for (const key in obj) {
      if (!Object.hasOwn(obj, key)) continue;
      let target = node.children.get(key);
      if (!target && key.includes('.')) {
        // A flattened key ("kibana.alert.rule.name") descends several levels at once.
        target = node;
        for (const seg of key.split('.')) {
          target = target.children.get(seg);
          if (!target) break;
        }
      }
      if (!target) continue;
      const value = obj[key];
      if (target.path !== undefined && value !== undefined && !(target.path in out)) out[target.path] = value;
      if (target.children.size > 0 && depth < 12 && isObject(value)) this.walk(value, target, out, depth + 1);
    }
  }
}

interface PathNode {
  path?: string;
  children: Map<string, PathNode>;
}

/** The first element of a multi-value field (Elasticsearch `fields`, Splunk mv fields), else the value. */
export const one = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

/** A non-empty trimmed string, or undefined. */
export function str(v: unknown): string | undefined {
  const x = one(v);
  if (typeof x === 'string') {
    const t = x.trim();
    return t === '' ? undefined : t;
  }
  if (typeof x === 'number' && Number.isFinite(x)) return String(x);
  return undefined;
}

/** Every non-empty string of a value that may be one string or a list of them. */
export function strs(v: unknown): string[] {
  const list = Array.isArray(v) ? v : [v];
  const out: string[] = [];
  for (const x of list) {
    const s = str(x);
    if (s) out.push(s);
  }
  return out;
}

const PLACEHOLDER_NAMES = new Set(['-', 'unknown', 'n/a', 'na', 'null', 'none', 'undefined']);

/** GCP service-account emails, including the default compute/App Engine/Cloud Build ones. */
export const GCP_SA_EMAIL =
  /^[a-z0-9._-]+@([a-z0-9-]+\.iam|developer|appspot|cloudservices|cloudbuild)\.gserviceaccount\.com$/i;
const GCP_SA_IN_TEXT =
  /[a-z0-9._-]+@(?:[a-z0-9-]+\.iam|developer|appspot|cloudservices|cloudbuild)\.gserviceaccount\.com/gi;

/** Service-account emails anywhere in a text (SCC sourceProperties, IAM binding members, log lines). */
export function gcpServiceAccountsIn(text: string): string[] {
  return [...new Set(text.match(GCP_SA_IN_TEXT) ?? [])];
}

/** A Google principal that is not a service account (a user or group email from Cloud Audit Logs). */
export function gcpPrincipalIdentity(email: string): IdentityRef {
  const e = email.toLowerCase();
  return { key: `gcp:principal:${e}`, type: 'gcp-principal', provider: 'gcp', name: email, aliases: [] };
}

/** A Kubernetes ClusterRole (no namespace) or Role, keyed like k8sServiceAccountIdentity: cluster/namespace/name. */
export function k8sRoleIdentity(
  kind: 'ClusterRole' | 'Role',
  name: string,
  namespace?: string,
  cluster?: string,
): IdentityRef {
  if (kind === 'ClusterRole') {
    const scope = cluster ? `${cluster}/` : '';
    return {
      key: `k8s:clusterrole:${scope}${name}`,
      type: 'k8s-role',
      provider: 'kubernetes',
      account: cluster,
      name,
      aliases: [],
    };
  }
  const scope = [cluster, namespace ?? 'default'].filter(Boolean).join('/');
  return {
    key: `k8s:role:${scope}/${name}`,
    type: 'k8s-role',
    provider: 'kubernetes',
    account: cluster,
    name,
    aliases: [],
  };
}

/**
 * What a SIEM user/account field names: an AWS principal ARN (assumed-role sessions resolve to the role), an
 * access key id, a GCP service account, or else a named principal of `provider` (e.g. a Windows or Okta login).
 * Placeholders ("-", "unknown") and non-principal ARNs give undefined.
 */
export function identityFromName(
  value: unknown,
  opts: { provider?: Provider; account?: string; issuerArn?: string; aliases?: string[] } = {},
): IdentityRef | undefined {
  const v = str(value);
  if (!v || PLACEHOLDER_NAMES.has(v.toLowerCase())) return undefined;
  if (v.startsWith('arn:'))
    return awsIdentityFromArn(v, { issuerArn: opts.issuerArn, aliases: opts.aliases });
  if (isAccessKeyId(v)) return awsAccessKeyIdentity(v, undefined, opts.account);
  if (GCP_SA_EMAIL.test(v)) return gcpServiceAccountIdentity(v);
  const id = principalIdentity(opts.provider ?? 'generic', v, opts.account);
  return opts.aliases?.length ? { ...id, aliases: opts.aliases } : id;
}

/** ATT&CK technique ids only (T1110, T1110.001); free-text placeholders are dropped. */
export function techniqueRefs(values: Iterable<string>): Reference[] {
  const out: Reference[] = [];
  for (const v of values) {
    const id = v.trim().toUpperCase();
    if (/^T\d{4}(\.\d{3})?$/.test(id)) out.push({ kind: 'technique', id });
  }
  return out;
}

// ---- SIEM rule → FindingKind ----------------------------------------------------------------------------------
// SIEM alerts are detections, so a rule that says nothing more specific is a compromise indicator. The words of the
// rule name/description decide first, in this order:
//   leaked/exposed/hard-coded secret or credential                         → exposed-secret
//   key/credential not rotated, stale/old key                              → stale-credential
//   unused credential/key                                                  → unused-credential
//   over-privileged, excessive permissions, admin policy attached, wildcard → excess-privilege
//   anomalous/unusual/rare/first-seen, new geo/ASN, impossible travel,
//   brute force, failed-logon bursts, password spraying, ML/new-terms rules → anomalous-use
// then the ATT&CK tactics (names in any spelling, or ids: TA0006 is Credential Access): Discovery/Reconnaissance
// alone → anomalous-use; any other tactic (Credential Access, Exfiltration, …) → compromise-indicator. A product's
// CamelCase alert type (Entra ID Protection `LeakedCredentials`) is read as words.
const KIND_BY_WORDS: Array<[RegExp, FindingKind]> = [
  [
    /\b(leak(ed|s)?|expos(ed|ure)|hard-?coded|plain-?text|clear-?text|committed)\b.{0,40}\b(secrets?|credentials?|keys?|passwords?|tokens?)\b|\b(secrets?|credentials?|keys?|tokens?)\b.{0,20}\b(leak(ed)?|exposed|found in (code|repo|source))\b/i,
    'exposed-secret',
  ],
  [
    /\bnot (been )?rotated\b|\brotation\b|\bstale (access )?(keys?|credentials?)\b|\bold access keys?\b/i,
    'stale-credential',
  ],
  [/\bunused (access )?(keys?|credentials?|service accounts?|accounts?)\b/i, 'unused-credential'],
  [
    /\bover-?privileged\b|\bexcessive (permissions?|privileges?)\b|\badmin(istrator)?(access)? (policy|role)\b.{0,30}\b(attached|granted|assigned|added)\b|\bwildcard (permissions?|policy|actions?)\b/i,
    'excess-privilege',
  ],
  [
    /\banomal|\bunusual\b|\brare\b|\bfirst[- ](time|seen)\b|\bnew (country|location|geo|asn|user[- ]agent|source)|\bimpossible travel\b|\bbrute[- ]?force\b|\bfail(ed|ure)s? (log ?[io]ns?|sign-?ins?|auth)|\blog ?on failures?\b|\blogin failures?\b|\bexcessive failed\b|\bpassword spray|\batypical\b/i,
    'anomalous-use',
  ],
];

const RECON_TACTICS = new Set(['discovery', 'reconnaissance']);

/** ATT&CK enterprise tactic ids (TA0006) as the tools write them beside or instead of the name. */
const TACTIC_BY_ID: Record<string, string> = {
  TA0043: 'reconnaissance',
  TA0042: 'resourcedevelopment',
  TA0001: 'initialaccess',
  TA0002: 'execution',
  TA0003: 'persistence',
  TA0004: 'privilegeescalation',
  TA0005: 'defenseevasion',
  TA0006: 'credentialaccess',
  TA0007: 'discovery',
  TA0008: 'lateralmovement',
  TA0009: 'collection',
  TA0011: 'commandandcontrol',
  TA0010: 'exfiltration',
  TA0040: 'impact',
};

/** "Credential Access", "credential-access", "CredentialAccess", "TA0006" → "credentialaccess". */
function tacticKey(t: string): string {
  const trimmed = t.trim().slice(0, 60);
  return TACTIC_BY_ID[trimmed.toUpperCase()] ?? trimmed.toLowerCase().replace(/[\s_-]+/g, '');
}

/** A product's CamelCase alert type ("LeakedCredentials", "ImpossibleTravel") read as words. */
const spacedCamel = (text: string): string => text.replace(/([a-z])([A-Z])/g, '$1 $2');

export function siemKind(
  texts: Array<string | undefined>,
  tactics: string[] = [],
  fallback: FindingKind = 'compromise-indicator',
): FindingKind {
  // Each text as written and, where it has CamelCase words, spaced too (the rules match either).
  const text = texts
    .filter((t): t is string => !!t)
    .map((t) => t.slice(0, 500))
    .flatMap((t) => (spacedCamel(t) === t ? [t] : [t, spacedCamel(t)]))
    .join(' \n ');
  for (const [re, kind] of KIND_BY_WORDS) if (re.test(text)) return kind;
  const known = tactics.map(tacticKey).filter((t) => /^[a-z]+$/.test(t));
  const attack = known.filter((t) => ATTACK_TACTICS.has(t));
  if (attack.length && attack.every((t) => RECON_TACTICS.has(t))) return 'anomalous-use';
  if (attack.length) return 'compromise-indicator';
  return fallback;
}

const ATTACK_TACTICS = new Set([
  'reconnaissance',
  'resourcedevelopment',
  'initialaccess',
  'execution',
  'persistence',
  'privilegeescalation',
  'defenseevasion',
  'credentialaccess',
  'discovery',
  'lateralmovement',
  'collection',
  'commandandcontrol',
  'exfiltration',
  'impact',
  'preattack',
]);

/**
 * Formats with no timestamp at all (checkov, kube-bench JSON): the start of the UTC day the report was normalised.
 * Day precision keeps re-deliveries of one report identical (same findings, same output) while still saying when
 * we learnt of it; a receivedAt on the context, when the boundary provides one, wins.
 */
const UNKNOWN_TIME = '1970-01-01T00:00:00.000Z';

export function ingestionTime(ctx?: unknown): string {
  const given = isObject(ctx) && typeof ctx.receivedAt === 'string' ? ctx.receivedAt : undefined;
  if (given && !Number.isNaN(Date.parse(given))) return new Date(given).toISOString();
  // Adapters are pure: no clock. The epoch marks "unknown", the same convention as secret-common.ts.
  return UNKNOWN_TIME;
}

/**
 * Cut long prose so a reviewer sees the gist, never a dump. Only the head is scanned: the first `max` characters
 * and CLIP_MARGIN after them, redacted before the cut, so a credential the cut would split is still seen whole
 * (every shape but a PEM block or a JWT fits in the margin, and those two are recognised by their first part).
 * Scanning the whole value first made a 400 KB alert cost its whole length for 200 characters kept.
 */
export function clip(v: string | undefined, max = 200): string | undefined {
  if (v === undefined) return undefined;
  if (v.length <= max) return v;
  const safe = redactSecretShapes(v.slice(0, max + CLIP_MARGIN));
  return safe.length > max || v.length > max + CLIP_MARGIN ? `${safe.slice(0, max)}…` : safe;
}

const CLIP_MARGIN = 1024;

/** Drop undefined entries so evidence stays flat and small. */
export function evidenceOf(
  entries: Record<string, string | number | boolean | null | undefined>,
): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [k, v] of Object.entries(entries)) if (v !== undefined && v !== '') out[k] = v;
  return out;
}

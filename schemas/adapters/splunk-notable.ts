// splunk-notable: Splunk Enterprise Security notable events, as search results from `index=notable` (REST/export
// JSON: one result object per line, `{"result": …}` export lines, or `{"results": [...]}`). The notable's own
// fields (search_name, urgency, src, user, …) are often only inside `_raw`, a `key="value", …` string written by
// the `stash` sourcetype, so `_raw` is parsed; top-level fields (Splunk's extractions) win over `_raw` ones.
//
// Severity: urgency (what ES shows analysts), else severity, else the vendor's own severity carried in the notable
// (event.SeverityName, vendor_severity); informational/low/medium/high/critical → info/low/medium/high/critical
// (scores 10/30/50/75/95). No word at all → medium, so an alert is never silently downgraded.
// Kind: siemKind over the rule name and security domain (see siem-common.ts), e.g.
//   "Access - Excessive Failed Logins - Rule"          → anomalous-use
//   "Threat - Crowdstrike - Detection Found - Rule"   → compromise-indicator (a detection, nothing more specific)
// Status: ES status 4 (Resolved) / 5 (Closed), status_label Resolved/Closed or status_end=true → resolved.
// Time: `_time` (the notable's time, with its zone offset, e.g. +05:30), else `_indextime` (epoch seconds as a
// string), else the epoch that starts `_raw`, else orig_time.
// Identities: user, src_user, dest_user, UserName, event.UserName, userIdentity.* … — an ARN → AWS principal
// (sessions → role), an AKIA/ASIA id → access key (owned by the ARN named beside it), a GCP SA email → GCP service
// account, anything else a generic named principal (e.g. keval.sabhani). Account fields → cloud.account.
// Resources: dest (host), src/src_ip (ip-address), the file a detection names.
// Id: _bkt/_cd/_serial repeat across results of one search, so the notable's time and _raw are hashed in too.
import { z } from 'zod';
import type { Finding, Reference, Resource } from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import { awsAccessKeyIdentity, isAccessKeyId } from '../identity-keys.ts';
import { type Adapter, RecordError } from './adapter.ts';
import { buildFinding } from './build.ts';
import { clip, evidenceOf, identityFromName, siemKind, str, strs, techniqueRefs } from './siem-common.ts';
import { findingId, isObject, parseRecord, requireTime, severityFromLabel } from './util.ts';

const Value = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])),
]);

/** Fields we read at the top level; anything else is tolerated. */
const SplunkNotable = z.looseObject({
  _raw: z.string().optional(),
  _time: z.union([z.string(), z.number()]).optional(),
  _indextime: z.union([z.string(), z.number()]).optional(),
  _bkt: z.string().optional(),
  _cd: z.string().optional(),
  index: z.string().optional(),
  source: z.string().optional(),
  search_name: Value.optional(),
  rule_name: Value.optional(),
  rule_title: Value.optional(),
  urgency: Value.optional(),
  severity: Value.optional(),
  status: Value.optional(),
  event_id: Value.optional(),
  user: Value.optional(),
  src_user: Value.optional(),
});
type SplunkNotable = z.infer<typeof SplunkNotable>;

/** `key="value", key2=value2` pairs of a stash `_raw`; quoted values unescape \" and \\; repeated keys accumulate. */
export function parseStashRaw(raw: string): Map<string, string[]> {
  // A hand-written scanner: the equivalent regex costs several microseconds per notable.
  const out = new Map<string, string[]>();
  const n = raw.length;
  let i = 0;
  while (i < n) {
    const eq = raw.indexOf('=', i);
    if (eq < 0) break;
    let k = eq - 1;
    while (k >= i && isKeyChar(raw.charCodeAt(k))) k--;
    const before = k >= 0 ? raw.charCodeAt(k) : -1;
    const first = raw.charCodeAt(k + 1);
    const validKey =
      k + 1 < eq &&
      (before === -1 || before === 44 || before === 32 || before === 9 || before === 10 || before === 13) &&
      isKeyStart(first);
    let value: string;
    let end: number;
    if (raw.charCodeAt(eq + 1) === 34) {
      let j = eq + 2;
      while (j < n && raw.charCodeAt(j) !== 34) j += raw.charCodeAt(j) === 92 ? 2 : 1;
      if (j >= n) {
        // Unterminated quote: not a pair; go on after the '='.
        i = eq + 1;
        continue;
      }
      value = raw.slice(eq + 2, j);
      if (value.includes('\\')) value = value.replace(/\\(["\\])/g, '$1');
      end = j + 1;
    } else {
      let j = eq + 1;
      while (j < n) {
        const c = raw.charCodeAt(j);
        if (c === 44 || c === 32 || c === 9 || c === 10 || c === 13) break;
        j++;
      }
      value = raw.slice(eq + 1, j);
      end = j;
    }
    if (validKey) {
      const key = raw.slice(k + 1, eq);
      const list = out.get(key);
      if (list) list.push(value);
      else out.set(key, [value]);
      i = end;
    } else {
      i = eq + 1;
    }
  }
  return out;
}

/** [A-Za-z0-9_.:-] */
function isKeyChar(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 58) || c === 95 || c === 46 || c === 45
  );
}
/** [A-Za-z_] */
function isKeyStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}

// Fields that name who did it. ARNs and access key ids in them become AWS identities, GCP SA emails GCP ones, and
// anything else a generic named principal.
const USER_FIELDS = [
  'user',
  'src_user',
  'dest_user',
  'user_name',
  'username',
  'UserName',
  'userName',
  'event.UserName',
  'user_arn',
  'userIdentity.arn',
  'userIdentity.userName',
  'principal',
  'principal_email',
  'protoPayload.authenticationInfo.principalEmail',
];
const KEY_FIELDS = [
  'access_key_id',
  'accessKeyId',
  'AccessKeyId',
  'userIdentity.accessKeyId',
  'user_access_key',
  'aws_access_key_id',
];
const ACCOUNT_FIELDS = [
  'aws_account_id',
  'recipientAccountId',
  'userIdentity.accountId',
  'vendor_account',
  'account_id',
  'cloud.account.id',
];

const RESOLVED_STATUS = new Set(['4', '5', 'resolved', 'closed']);

function looksLikeNotable(doc: Record<string, unknown>): boolean {
  if (typeof doc._raw !== 'string' && !('search_name' in doc)) return false;
  if (doc.index === 'notable') return true;
  if (str(doc.search_name) || str(doc.rule_name)) return true;
  return (
    typeof doc._raw === 'string' &&
    /(?:^|[\s,])search_name=/.test(doc._raw) &&
    ('_time' in doc || '_indextime' in doc)
  );
}

function unwrap(doc: unknown): unknown[] {
  if (Array.isArray(doc)) return doc.flatMap(unwrap);
  if (isObject(doc)) {
    if (Array.isArray(doc.results) && !('_raw' in doc)) return doc.results;
    if (isObject(doc.result) && !('_raw' in doc)) return [doc.result];
  }
  return [doc];
}

/** The search API's answer when the search matched nothing: `{preview, init_offset, results: []}`. */
const isEmptySearchResults = (doc: unknown): boolean =>
  isObject(doc) &&
  Array.isArray(doc.results) &&
  doc.results.length === 0 &&
  'preview' in doc &&
  'init_offset' in doc;

function normalizeNotable(rec: SplunkNotable): Finding[] {
  const raw = rec._raw ? parseStashRaw(rec._raw) : new Map<string, string[]>();
  const top = rec as Record<string, unknown>;
  // Top-level extractions first, then _raw; a multi-value field gives all its values.
  const none: string[] = [];
  const all = (name: string): string[] => {
    const t = top[name];
    if (t !== undefined && t !== null) {
      const list = strs(t);
      if (list.length) return list;
    }
    const r = raw.get(name);
    if (!r) return none;
    return r.length === 1 ? (r[0]!.trim() ? [r[0]!.trim()] : none) : r.map((v) => v.trim()).filter(Boolean);
  };
  const get = (name: string): string | undefined => {
    const t = top[name];
    if (typeof t === 'string' && t.trim()) return t.trim();
    if (t !== undefined && t !== null && typeof t !== 'string') {
      const v = str(t);
      if (v) return v;
    }
    const r = raw.get(name);
    if (!r) return undefined;
    for (const v of r) if (v.trim()) return v.trim();
    return undefined;
  };
  const firstOf = (names: string[]): string | undefined => {
    for (const n of names) {
      const v = get(n);
      if (v) return v;
    }
    return undefined;
  };

  const rawEpoch = rec._raw ? /^\s*(\d{9,11}(?:\.\d+)?)\s*,/.exec(rec._raw)?.[1] : undefined;
  const time = requireTime(
    'splunk notable',
    rec._time,
    rec._indextime,
    rawEpoch,
    get('orig_time'),
    get('_time'),
  );

  const ruleName = firstOf(['rule_title', 'search_name', 'rule_name', 'source']) ?? 'Splunk notable event';
  const securityDomain = get('security_domain');
  const urgency = firstOf(['urgency', 'severity', 'event.SeverityName', 'SeverityName', 'vendor_severity']);
  const severity = severityFromLabel(
    urgency && urgency.toLowerCase() !== 'unknown' ? urgency : undefined,
    'medium',
  );

  const statusWords = [get('status'), get('status_label'), get('status_group')].map((s) => s?.toLowerCase());
  const resolved =
    statusWords.some((s) => s !== undefined && RESOLVED_STATUS.has(s)) || get('status_end') === 'true';

  // Identities.
  const account = firstOf(ACCOUNT_FIELDS);
  const issuerArn = get('userIdentity.sessionContext.sessionIssuer.arn');
  const uniqueId = get('userIdentity.principalId')?.split(':')[0];
  const people: IdentityRef[] = [];
  for (const f of USER_FIELDS) {
    for (const v of all(f)) {
      const id = identityFromName(v, {
        account,
        issuerArn,
        aliases: v.startsWith('arn:') && uniqueId ? [uniqueId] : undefined,
      });
      if (id) people.push(id);
    }
  }
  const owner = people.find((p) => p.type === 'aws-user' || p.type === 'aws-role' || p.type === 'aws-root');
  const keys = KEY_FIELDS.flatMap(all).filter(isAccessKeyId);
  const identities = [
    ...people.filter((p) => p.type !== 'aws-access-key'),
    ...[...new Set([...keys, ...people.filter((p) => p.type === 'aws-access-key').map((p) => p.name!)])].map(
      (k) => awsAccessKeyIdentity(k, owner, account),
    ),
  ];

  // Involved hosts: the destination, and the source address (CIM `src`: where the login/API call came from).
  const resources: Resource[] = [];
  for (const d of all('dest')) resources.push({ uid: d, type: 'host' });
  for (const src of [...all('src'), ...all('src_ip')]) resources.push({ uid: src, type: 'ip-address' });
  const file = get('file_path') ?? get('file_name');
  if (file) resources.push({ uid: file, type: 'file', name: get('file_name') });

  const references: Reference[] = [
    { kind: 'rule', id: ruleName },
    ...techniqueRefs([...all('annotations.mitre_attack.mitre_technique_id'), ...all('mitre_technique_id')]),
  ];

  const nativeId = get('event_id') ?? (rec._bkt && rec._cd ? `${rec._bkt}:${rec._cd}` : undefined);
  const status = resolved ? 'resolved' : 'open';
  // Names or ATT&CK ids (TA0006): ES writes both, a correlation search may carry only the ids.
  const tactics = [
    ...all('annotations.mitre_attack.mitre_tactic'),
    ...all('mitre_tactic'),
    ...all('annotations.mitre_attack.mitre_tactic_id'),
    ...all('mitre_tactic_id'),
  ];
  const firstSrc = get('src') ?? get('src_ip');

  return [
    buildFinding({
      // _bkt/_cd repeat across results of one search (the corpus has two notables with one _cd), so the notable's
      // time and _raw are part of the id too.
      id: findingId('splunk-notable', nativeId, rec._time, rec._raw, ruleName, status),
      source: { format: 'splunk-notable', product: 'Splunk Enterprise Security', vendor: 'Splunk', nativeId },
      // The saved search's name and domain, not the notable's description (drilldown text built from events).
      kind: siemKind([ruleName, securityDomain], tactics),
      status,
      title: ruleName,
      description: clip(get('rule_description') ?? get('description'), 1000),
      severity,
      time,
      identities,
      resources,
      cloud: account ? { provider: 'aws', account } : undefined,
      references,
      evidence: evidenceOf({
        rule: ruleName,
        securityDomain,
        severity: urgency,
        sourceIp: firstSrc,
        destination: get('dest'),
        action: get('action'),
        app: get('app'),
        count: get('count'),
        signature: clip(get('signature')),
        fileName: get('file_name'),
        fileHash: get('file_hash'),
        origTime: get('orig_time'),
        owner: get('owner'),
      }),
    }),
  ];
}

export const splunkNotableAdapter: Adapter = {
  format: 'splunk-notable',
  signature: 'Splunk ES notable search result: _raw with search_name=…, index "notable", _time/_indextime',
  detect(doc) {
    if (isEmptySearchResults(doc)) return true;
    const first = unwrap(doc)[0];
    return isObject(first) && looksLikeNotable(first);
  },
  records: unwrap,
  variant(doc) {
    if (Array.isArray(doc)) return 'list';
    if (isObject(doc) && !('_raw' in doc)) {
      if (Array.isArray(doc.results)) return 'search-results';
      // The export endpoint streams {preview, offset, result}; an alert webhook posts {sid, search_name, result}.
      if (isObject(doc.result)) return 'sid' in doc ? 'webhook' : 'search-export';
    }
    return 'notable';
  },
  normalize(record) {
    if (!isObject(record))
      throw new RecordError('not a valid splunk notable record: (record): expected an object');
    return normalizeNotable(parseRecord(SplunkNotable, record, 'splunk notable'));
  },
};

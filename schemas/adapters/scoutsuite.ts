// scoutsuite: NCC Group ScoutSuite results (scoutsuite-results/scoutsuite_results_<provider>-<account>.js; the
// `scoutsuite_results =` prefix is stripped by parse-input.ts). A results file holds every service's configuration
// and, per service, `findings.<rule>` = {description, level, items[], flagged_items, checked_items, compliance,
// references, …}. One record per rule that flagged something (a wrapper {scoutsuite_rule, service, finding,
// results}); rules with no flagged items are compliant and are not findings.
//
// Items are dotted paths into `services` (e.g. "iam.users.AIDA….AccessKeys.0"); each is resolved against the
// results: an IAM user/role (services.iam.users.<id>.arn, .roles.<id>.arn) or credential-report row becomes an AWS
// identity (unique id AIDA…/AROA… as alias), an access key under a user (…AccessKeys.<n>.AccessKeyId) an access
// key identity owned by that user, a GCP service account email or an Azure AD service principal/user the matching
// identity; anything else a resource (uid = its ARN, or the account-qualified path when it has none).
//
// Severity: level danger → high (75), warning → medium (50); anything else → medium.
// Kind (by rule id):
//   unused / not-used credentials (iam-unused-credentials-…, iam-user-unused-access-key-…)    → unused-credential
//   key rotation (iam-user-no-key-rotation, …-not-rotated)                                  → stale-credential
//   root account used recently                                                               → anomalous-use
//   secrets in user data / environment / templates                                           → exposed-secret
//   policies allowing all / full privileges / NotActions / PassRole / AssumeRole, admin
//     policies, root account with active keys or certs, owner/primitive roles               → excess-privilege
//   everything else                                                                          → misconfiguration
// Time: last_run.time ("2024-06-14 22:51:27+0000"); the ingestion day when absent.
import { z } from 'zod';
import type { Finding, FindingKind, Reference, Resource } from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import {
  awsAccessKeyIdentity,
  awsIdentityFromArn,
  azurePrincipalIdentity,
  gcpServiceAccountIdentity,
  isAccessKeyId,
} from '../identity-keys.ts';
import { type Adapter, type NormalizeContext, RecordError } from './adapter.ts';
import { buildFinding } from './build.ts';
import { clip, evidenceOf, GCP_SA_EMAIL, ingestionTime, str } from './siem-common.ts';
import { findingId, isObject, parseRecord, requireTime, severityFromLabel } from './util.ts';

const Str = z.string().nullish();

const Rule = z.looseObject({
  description: Str,
  rationale: Str,
  remediation: Str,
  level: Str,
  dashboard_name: Str,
  display_path: Str,
  path: Str,
  service: Str,
  items: z.array(z.string()),
  flagged_items: z.number().nullish(),
  checked_items: z.number().nullish(),
  compliance: z.array(z.looseObject({ name: Str, version: Str, reference: Str })).nullish(),
  references: z.array(z.string()).nullish(),
});

const RuleRecord = z.object({
  scoutsuite_rule: z.string(),
  service: z.string(),
  finding: Rule,
  results: z.looseObject({
    account_id: z.union([z.string(), z.number()]).nullish(),
    provider_code: Str,
    partition: Str,
    last_run: z.looseObject({ time: Str, version: Str, ruleset_name: Str }).nullish(),
    services: z.record(z.string(), z.unknown()),
  }),
});
type RuleRecord = z.infer<typeof RuleRecord>;

const KINDS: Array<[RegExp, FindingKind]> = [
  [
    /unused-(credentials|access-keys?|keys?)|(credentials|access-keys?)-(unused|not-used)/i,
    'unused-credential',
  ],
  [/rotat/i, 'stale-credential'],
  [/root-(account|credentials)-used-recently/i, 'anomalous-use'],
  [/secret|hard-?coded|credentials-in/i, 'exposed-secret'],
  [
    /allows-(all|full|not-?actions|iam-passrole|sts-assumerole|\*)|full-privileges|admin|privilege|root-account-with-(active-)?(keys|certs|access-keys)|wildcard|star|owner|primitive|impersonat|service-account-(user|admin)/i,
    'excess-privilege',
  ],
];

export function scoutsuiteKind(rule: string): FindingKind {
  for (const [re, kind] of KINDS) if (re.test(rule)) return kind;
  return 'misconfiguration';
}

interface Step {
  key: string;
  value: unknown;
}

/** Walk a dotted item path through `services`; keys may themselves contain dots (S3 bucket names), so when a
 * segment is missing the next segments are joined to it. Stops at the first segment that does not resolve. */
function walk(services: Record<string, unknown>, path: string): Step[] {
  const segs = path.split('.');
  const steps: Step[] = [];
  let cur: unknown = services;
  let i = 0;
  while (i < segs.length) {
    let matched = false;
    for (let j = i + 1; j <= Math.min(segs.length, i + 6); j++) {
      const key = segs.slice(i, j).join('.');
      let next: unknown;
      if (Array.isArray(cur) && /^\d+$/.test(key)) next = cur[Number(key)];
      else if (isObject(cur) && Object.hasOwn(cur, key)) next = cur[key];
      else continue;
      steps.push({ key, value: next });
      cur = next;
      i = j;
      matched = true;
      break;
    }
    if (!matched) break;
  }
  return steps;
}

interface Resolved {
  identities: IdentityRef[];
  resource?: Resource;
  /** The objects the item path went through, deepest last (for secret registration). */
  objects: Record<string, unknown>[];
}

const SECRET_KEYS = /secret|user_?data|password|credential|token|environment/i;

/** Every string under secret-looking keys of an object (ScoutSuite keeps user_data and user_data_secrets). */
function secretValues(obj: Record<string, unknown>, out: string[], depth = 0, inSecret = false): void {
  if (depth > 6) return;
  for (const [k, v] of Object.entries(obj)) {
    const secretish = inSecret || SECRET_KEYS.test(k);
    if (typeof v === 'string' && secretish) out.push(v);
    else if (Array.isArray(v)) {
      for (const x of v) {
        if (typeof x === 'string' && secretish) out.push(x);
        else if (isObject(x)) secretValues(x, out, depth + 1, secretish);
      }
    } else if (isObject(v)) secretValues(v, out, depth + 1, secretish);
  }
}

function resolveItem(
  item: string,
  services: Record<string, unknown>,
  account: string | undefined,
  provider: string | undefined,
): Resolved {
  const steps = walk(services, item);
  const keys = steps.map((s) => s.key);
  const identities: IdentityRef[] = [];
  const objects = steps.map((st) => st.value).filter(isObject);
  const region = keys.includes('regions') ? keys[keys.indexOf('regions') + 1] : undefined;

  // AWS IAM principals: iam.users.<id>, iam.roles.<id>, iam.credential_reports.<name>.
  if (
    keys[0] === 'iam' &&
    (keys[1] === 'users' || keys[1] === 'roles' || keys[1] === 'credential_reports') &&
    isObject(steps[2]?.value)
  ) {
    const obj = steps[2]!.value as Record<string, unknown>;
    const arn = str(obj.arn);
    const uniqueId = str(obj.id) ?? (keys[1] !== 'credential_reports' ? keys[2] : undefined);
    const principal = arn
      ? awsIdentityFromArn(arn, { aliases: uniqueId && /^(AIDA|AROA)/.test(uniqueId) ? [uniqueId] : [] })
      : undefined;
    if (principal) {
      if (keys[3] === 'AccessKeys' && isObject(steps[4]?.value)) {
        const keyId = str((steps[4]!.value as Record<string, unknown>).AccessKeyId);
        if (keyId && isAccessKeyId(keyId))
          identities.push(awsAccessKeyIdentity(keyId, principal, account ?? principal.account));
      }
      identities.push(principal);
      return { identities, objects };
    }
  }

  // Deepest object on the path: its ARN, email or id decides what it is.
  let objIndex = -1;
  for (let k = steps.length - 1; k >= 0; k--) {
    if (isObject(steps[k]!.value)) {
      objIndex = k;
      break;
    }
  }
  const obj = objIndex >= 0 ? (steps[objIndex]!.value as Record<string, unknown>) : undefined;
  const objPath = keys.slice(0, objIndex + 1).join('.') || item;
  const arn = obj ? str(obj.arn) : undefined;
  const aws = arn ? awsIdentityFromArn(arn) : undefined;
  if (aws) return { identities: [aws], objects };
  const email = obj ? (str(obj.email) ?? str(obj.name)) : undefined;
  if (email && GCP_SA_EMAIL.test(email)) return { identities: [gcpServiceAccountIdentity(email)], objects };
  if (
    keys[0] === 'aad' &&
    (keys[1] === 'service_principals' || keys[1] === 'users' || keys[1] === 'applications') &&
    keys[2]
  ) {
    const name = obj ? (str(obj.display_name) ?? str(obj.name)) : undefined;
    return {
      identities: [azurePrincipalIdentity(obj ? (str(obj.id) ?? keys[2]) : keys[2], { name })],
      objects,
    };
  }
  // An element of a collection (iam.policies.<id>) is typed by the collection; a singleton (iam.password_policy) by its path.
  const type =
    objIndex >= 2
      ? `${keys[0]}.${keys[objIndex - 1]}`
      : objIndex >= 0
        ? keys.slice(0, objIndex + 1).join('.')
        : undefined;
  return {
    identities: [],
    objects,
    resource: {
      uid: arn ?? `${provider ?? 'scoutsuite'}:${account ?? ''}:${objPath}`,
      type,
      name: obj ? (str(obj.name) ?? str(obj.id)) : undefined,
      region,
      account,
    },
  };
}

function normalizeRule(rec: RuleRecord, ctx: NormalizeContext): Finding[] {
  const { finding: rule, results } = rec;
  if (rule.items.length === 0 && !rule.flagged_items) return [];
  const account =
    results.account_id === undefined || results.account_id === null ? undefined : String(results.account_id);
  const provider = results.provider_code ?? undefined;
  const time = results.last_run?.time
    ? requireTime('scoutsuite last_run', results.last_run.time)
    : ingestionTime(ctx);

  const kind = scoutsuiteKind(rec.scoutsuite_rule);
  const identities: IdentityRef[] = [];
  const resources: Resource[] = [];
  for (const item of rule.items) {
    const r = resolveItem(item, results.services, account, provider);
    identities.push(...r.identities);
    if (r.resource) resources.push(r.resource);
    // A secret rule's object holds the secret (user_data, user_data_secrets): never copied, registered for scrubbing.
    const deepest = r.objects.at(-1);
    if (kind === 'exposed-secret' && deepest) {
      const found: string[] = [];
      secretValues(deepest, found);
      for (const v of found) ctx.secrets.add(v);
    }
  }

  const references: Reference[] = [{ kind: 'rule', id: rec.scoutsuite_rule }];
  for (const c of rule.compliance ?? []) {
    if (c.reference)
      references.push({ kind: 'control', id: [c.name, c.version, c.reference].filter(Boolean).join(' ') });
  }
  for (const url of rule.references ?? [])
    if (/^https?:\/\//.test(url)) references.push({ kind: 'url', id: url });

  const level = rule.level?.toLowerCase();
  const severity =
    level === 'danger'
      ? severityFromLabel('high')
      : level === 'warning'
        ? severityFromLabel('medium')
        : severityFromLabel(level, 'medium');
  return [
    buildFinding({
      id: findingId(
        'scoutsuite',
        provider,
        account,
        rec.service,
        rec.scoutsuite_rule,
        [...rule.items].sort().join('\n'),
      ),
      source: {
        format: 'scoutsuite',
        product: 'ScoutSuite',
        vendor: 'NCC Group',
        nativeId: `${rec.service}.${rec.scoutsuite_rule}`,
      },
      kind,
      status: 'open',
      title: rule.description ?? rec.scoutsuite_rule,
      description: clip(rule.rationale ?? undefined, 1000),
      severity,
      time,
      identities,
      resources,
      cloud: provider || account ? { provider: provider ?? 'unknown', account } : undefined,
      references,
      evidence: evidenceOf({
        rule: rec.scoutsuite_rule,
        service: rec.service,
        level: rule.level ?? undefined,
        flaggedItems: rule.flagged_items ?? rule.items.length,
        checkedItems: rule.checked_items ?? undefined,
        dashboard: rule.dashboard_name ?? undefined,
        ruleset: results.last_run?.ruleset_name ?? undefined,
        scoutVersion: results.last_run?.version ?? undefined,
        firstItem: clip(rule.items[0]),
      }),
    }),
  ];
}

const isResults = (v: unknown): v is Record<string, unknown> =>
  isObject(v) &&
  isObject(v.services) &&
  ('last_run' in v || 'provider_code' in v || 'service_list' in v) &&
  ('account_id' in v || 'provider_code' in v);
const isRuleRecord = (v: unknown): boolean =>
  isObject(v) && typeof v.scoutsuite_rule === 'string' && isObject(v.finding) && isObject(v.results);

function unwrap(doc: unknown): unknown[] {
  if (!isResults(doc)) return [doc];
  const out: unknown[] = [];
  for (const [service, config] of Object.entries(doc.services as Record<string, unknown>)) {
    if (!isObject(config) || !isObject(config.findings)) continue;
    for (const [rule, finding] of Object.entries(config.findings)) {
      const flagged =
        isObject(finding) &&
        ((Array.isArray(finding.items) && finding.items.length > 0) ||
          (typeof finding.flagged_items === 'number' && finding.flagged_items > 0));
      // A rule with items that are not a list still goes through, to be rejected with a reason.
      if (flagged || (isObject(finding) && 'items' in finding && !Array.isArray(finding.items))) {
        out.push({ scoutsuite_rule: rule, service, finding, results: doc });
      }
    }
  }
  return out;
}

export const scoutsuiteAdapter: Adapter = {
  format: 'scoutsuite',
  signature:
    'ScoutSuite results: {account_id, provider_code, last_run, services: {<svc>: {findings: {<rule>: {items, flagged_items, level}}}}}',
  detect: (doc) => isResults(doc) || isRuleRecord(doc),
  records: unwrap,
  variant: (doc) => (isResults(doc) ? 'results' : 'rule'),
  normalize(record, ctx) {
    if (!isObject(record))
      throw new RecordError('not a valid scoutsuite record: (record): expected an object');
    if (!isRuleRecord(record))
      throw new RecordError(
        'not a valid scoutsuite record: expected a results file {account_id, last_run, services}',
      );
    return normalizeRule(parseRecord(RuleRecord, record, 'scoutsuite rule'), ctx);
  },
};

// google-scc: Google Security Command Center findings — ListFindings results (`{finding, resource, stateChange}`, one
// per line as exported, or a whole `{listFindingsResults: [...], readTime, totalSize}` response, which may be
// empty: zero findings, no rejection), Pub/Sub notifications (`{notificationConfigName, finding, resource?}`),
// `gcloud scc findings list --format=json` arrays of those, and bare Finding objects.
//
// Severity: CRITICAL/HIGH/MEDIUM/LOW → critical/high/medium/low (95/75/50/30); SEVERITY_UNSPECIFIED or absent →
// medium.
// Kind (category first, then findingClass):
//   SERVICE_ACCOUNT_KEY_NOT_ROTATED, API_KEY_NOT_ROTATED, *_NOT_ROTATED on keys      → stale-credential
//   ADMIN_SERVICE_ACCOUNT, OVER_PRIVILEGED_SERVICE_ACCOUNT_USER, OVER_PRIVILEGED_ACCOUNT, FULL_API_ACCESS,
//   PRIMITIVE_ROLES_USED, SERVICE_ACCOUNT_ROLE_SEPARATION, KMS_ROLE_SEPARATION, DEFAULT_SERVICE_ACCOUNT_USED,
//   KMS_PROJECT_HAS_OWNER, REDIS_ROLE_USED_ON_ORG, IAM_ROLE_HAS_EXCESSIVE_PERMISSIONS, UNUSED_IAM_ROLE,
//   SERVICE_AGENT_GRANTED_BASIC_ROLE, SERVICE_AGENT_ROLE_REPLACED_WITH_BASIC_ROLE, OVER_PRIVILEGED_SCOPES → excess-privilege
//   account_has_leaked_credentials, *LEAKED*, SECRETS_IN_ENVIRONMENT_VARIABLES             → exposed-secret
//   findingClass THREAT (or an Event Threat Detection "Tactic: Technique" category): anomaly words (Anomalous,
//     New Geography, New User Agent, Dormant, Anonymizing Proxy, Self-Investigation, Unusual) → anomalous-use,
//     otherwise compromise-indicator
//   VULNERABILITY, MISCONFIGURATION, POSTURE_VIOLATION, OBSERVATION, anything else                → misconfiguration
// Status: state INACTIVE → resolved; mute MUTED → suppressed (muteInitiator as the reason: closed for scoring and
//   action, the reviewer sees who muted it); anything else open. The id keeps its pre-suppressed form.
// Time: eventTime (last detection), else createTime.
// Identities: access.principalEmail (and the delegation chain), access.serviceAccountKeyName, iamBindings members,
//   service accounts in resourceName (//iam.googleapis.com/projects/p/serviceAccounts/sa@…[/keys/k]) and any SA
//   email in sourceProperties; SA emails → gcp service accounts, other emails → gcp principals.
// muteInitiator ("Unmuted by john@gmail.com") names the person who (un)muted the finding, not what it is about: it
//   is kept as a resource of type "scc-mute-initiator" (uid = the email) and as evidence, never as an identity.
// Project → cloud.account; the parent organization → a resource "organizations/<n>".
import { z } from 'zod';
import type { Finding, FindingKind, Reference, Resource } from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import { gcpServiceAccountIdentity } from '../identity-keys.ts';
import { type Adapter, RecordError } from './adapter.ts';
import { buildFinding } from './build.ts';
import { clip, evidenceOf, GCP_SA_EMAIL, gcpPrincipalIdentity, gcpServiceAccountsIn } from './siem-common.ts';
import { findingId, isObject, parseRecord, requireTime, severityFromLabel } from './util.ts';

const Str = z.string().nullish();

const SccFinding = z.object({
  name: z.string(),
  canonicalName: Str,
  parent: Str,
  resourceName: Str,
  state: Str,
  category: Str,
  findingClass: Str,
  severity: Str,
  description: Str,
  externalUri: Str,
  eventTime: Str,
  createTime: Str,
  mute: Str,
  muteInitiator: Str,
  sourceProperties: z.record(z.string(), z.unknown()).nullish(),
  access: z
    .object({
      principalEmail: Str,
      callerIp: Str,
      methodName: Str,
      serviceName: Str,
      serviceAccountKeyName: Str,
      userAgentFamily: Str,
      serviceAccountDelegationInfo: z.array(z.object({ principalEmail: Str })).nullish(),
    })
    .nullish(),
  iamBindings: z.array(z.object({ action: Str, role: Str, member: Str })).nullish(),
  compliances: z
    .array(z.object({ standard: Str, version: Str, ids: z.array(z.string()).nullish() }))
    .nullish(),
  mitreAttack: z
    .object({
      primaryTactic: Str,
      primaryTechniques: z.array(z.string()).nullish(),
      additionalTechniques: z.array(z.string()).nullish(),
    })
    .nullish(),
  vulnerability: z.object({ cve: z.object({ id: Str }).nullish() }).nullish(),
});

const SccResource = z.object({
  name: Str,
  type: Str,
  displayName: Str,
  projectName: Str,
  projectDisplayName: Str,
  parentName: Str,
  organization: Str,
  location: Str,
  gcpMetadata: z.object({ project: Str, organization: Str }).nullish(),
});

const SccRecord = z.object({
  finding: SccFinding,
  resource: SccResource.nullish(),
  notificationConfigName: Str,
});

const FINDING_NAME =
  /^(organizations|projects|folders)\/[^/]+\/sources\/[^/]+(\/locations\/[^/]+)?\/findings\/[^/]+$/;

const EXCESS_PRIVILEGE = new Set([
  'ADMIN_SERVICE_ACCOUNT',
  'OVER_PRIVILEGED_SERVICE_ACCOUNT_USER',
  'OVER_PRIVILEGED_ACCOUNT',
  'OVER_PRIVILEGED_SCOPES',
  'FULL_API_ACCESS',
  'PRIMITIVE_ROLES_USED',
  'SERVICE_ACCOUNT_ROLE_SEPARATION',
  'KMS_ROLE_SEPARATION',
  'DEFAULT_SERVICE_ACCOUNT_USED',
  'KMS_PROJECT_HAS_OWNER',
  'REDIS_ROLE_USED_ON_ORG',
  'IAM_ROLE_HAS_EXCESSIVE_PERMISSIONS',
  'UNUSED_IAM_ROLE',
  'SERVICE_AGENT_GRANTED_BASIC_ROLE',
  'SERVICE_AGENT_ROLE_REPLACED_WITH_BASIC_ROLE',
]);
const STALE = new Set(['SERVICE_ACCOUNT_KEY_NOT_ROTATED', 'API_KEY_NOT_ROTATED']);
const EXPOSED = new Set(['ACCOUNT_HAS_LEAKED_CREDENTIALS', 'SECRETS_IN_ENVIRONMENT_VARIABLES']);
const THREAT_ANOMALY =
  /anomal|new geography|new user agent|dormant|anonymizing proxy|self-investigation|unusual/i;

export function sccKind(category: string | undefined, findingClass: string | undefined): FindingKind {
  const cat = (category ?? '').trim();
  const key = cat.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
  if (STALE.has(key) || /(SERVICE_ACCOUNT|API)_KEY.*NOT_ROTATED/.test(key)) return 'stale-credential';
  if (EXPOSED.has(key) || /LEAKED/.test(key)) return 'exposed-secret';
  if (EXCESS_PRIVILEGE.has(key)) return 'excess-privilege';
  const cls = (findingClass ?? '').toUpperCase();
  // Event Threat Detection categories read "Tactic: Technique"; older exports carry no findingClass.
  if (cls === 'THREAT' || (!cls && /^[A-Za-z ]+: /.test(cat)))
    return THREAT_ANOMALY.test(cat) ? 'anomalous-use' : 'compromise-indicator';
  return 'misconfiguration';
}

/** //iam.googleapis.com/projects/p/serviceAccounts/<email>[/keys/<id>] → email. */
function serviceAccountOf(resourceName: string | undefined): string | undefined {
  const m = resourceName ? /\/serviceAccounts\/([^/]+)/.exec(resourceName) : null;
  return m && GCP_SA_EMAIL.test(m[1]!) ? m[1] : undefined;
}

function projectOf(...names: Array<string | null | undefined>): string | undefined {
  for (const n of names) {
    const m = n ? /(?:^|\/)projects\/([^/]+)/.exec(n) : null;
    if (m) return m[1];
  }
  return undefined;
}

function emailIdentity(email: string): IdentityRef {
  return GCP_SA_EMAIL.test(email) ? gcpServiceAccountIdentity(email) : gcpPrincipalIdentity(email);
}

const SEVERITIES = new Set(['critical', 'high', 'medium', 'low']);

function normalizeScc(rec: z.infer<typeof SccRecord>): Finding[] {
  const f = rec.finding;
  const r = rec.resource ?? undefined;
  const resourceName = f.resourceName ?? r?.name ?? undefined;
  const time = requireTime('google scc finding', f.eventTime, f.createTime);
  const muted = f.mute?.toUpperCase() === 'MUTED';
  const status = f.state?.toUpperCase() === 'INACTIVE' ? 'resolved' : muted ? 'suppressed' : 'open';
  const statusReason = muted ? (f.muteInitiator ? `muted: ${f.muteInitiator}` : 'muted') : undefined;
  const category = f.category ?? 'SCC finding';

  // Identities.
  const identities: IdentityRef[] = [];
  const access = f.access ?? undefined;
  if (access?.principalEmail) identities.push(emailIdentity(access.principalEmail));
  for (const d of access?.serviceAccountDelegationInfo ?? [])
    if (d.principalEmail) identities.push(emailIdentity(d.principalEmail));
  const keySa = serviceAccountOf(access?.serviceAccountKeyName ?? undefined);
  if (keySa) identities.push(gcpServiceAccountIdentity(keySa));
  for (const b of f.iamBindings ?? []) {
    const m = b.member ? /^(serviceAccount|user):(.+)$/.exec(b.member) : null;
    if (m)
      identities.push(
        m[1] === 'serviceAccount' ? gcpServiceAccountIdentity(m[2]!) : gcpPrincipalIdentity(m[2]!),
      );
  }
  const resourceSa = serviceAccountOf(resourceName);
  if (resourceSa) identities.push(gcpServiceAccountIdentity(resourceSa));
  if (f.sourceProperties && Object.keys(f.sourceProperties).length) {
    const text = JSON.stringify(f.sourceProperties);
    for (const email of gcpServiceAccountsIn(text.length > 100_000 ? text.slice(0, 100_000) : text))
      identities.push(gcpServiceAccountIdentity(email));
  }

  // Resources: the affected resource, the organization, the person who (un)muted it.
  const project = projectOf(r?.gcpMetadata?.project, r?.projectName, resourceName, f.parent, f.name);
  const resources: Resource[] = [];
  if (resourceName) {
    resources.push({
      uid: resourceName,
      type: r?.type ?? undefined,
      name: r?.displayName ?? undefined,
      region: r?.location ?? undefined,
      account: project,
    });
  }
  const org =
    /^(organizations\/\d+)/.exec(f.parent ?? f.name)?.[1] ??
    r?.gcpMetadata?.organization ??
    r?.organization ??
    undefined;
  if (org)
    resources.push({
      uid: org.startsWith('organizations/') ? org : `organizations/${org}`,
      type: 'gcp-organization',
    });
  const muter = f.muteInitiator ? /[\w.+-]+@[\w-]+(\.[\w-]+)+/.exec(f.muteInitiator)?.[0] : undefined;
  if (muter) resources.push({ uid: muter, type: 'scc-mute-initiator' });
  if (access?.serviceAccountKeyName)
    resources.push({ uid: access.serviceAccountKeyName, type: 'google.iam.ServiceAccountKey' });

  const references: Reference[] = [{ kind: 'rule', id: category }];
  for (const c of f.compliances ?? []) {
    const std = (c.standard ?? '').toUpperCase();
    for (const id of c.ids ?? [])
      references.push({ kind: 'control', id: [std, c.version, id].filter(Boolean).join(' ') });
  }
  for (const t of [
    ...(f.mitreAttack?.primaryTechniques ?? []),
    ...(f.mitreAttack?.additionalTechniques ?? []),
  ])
    references.push({ kind: 'technique', id: t });
  if (f.vulnerability?.cve?.id) references.push({ kind: 'cve', id: f.vulnerability.cve.id });
  if (f.externalUri) references.push({ kind: 'url', id: f.externalUri });

  const sev = f.severity?.toLowerCase();
  return [
    buildFinding({
      // The id predates suppressed: a mute alone does not make a new finding id.
      id: findingId('google-scc', f.canonicalName ?? f.name, status === 'resolved' ? 'resolved' : 'open'),
      source: {
        format: 'google-scc',
        product: 'Security Command Center',
        vendor: 'Google',
        nativeId: f.canonicalName ?? f.name,
      },
      kind: sccKind(category, f.findingClass ?? undefined),
      status,
      ...(statusReason ? { statusReason } : {}),
      title: category,
      description: clip(f.description ?? undefined, 1000),
      severity: severityFromLabel(sev && SEVERITIES.has(sev) ? sev : undefined, 'medium'),
      time,
      identities,
      resources,
      cloud: { provider: 'gcp', account: project },
      references,
      evidence: evidenceOf({
        category,
        findingClass: f.findingClass ?? undefined,
        state: f.state ?? undefined,
        mute: f.mute ?? undefined,
        muteInitiator: f.muteInitiator ?? undefined,
        createTime: f.createTime ?? undefined,
        callerIp: access?.callerIp ?? undefined,
        methodName: access?.methodName ?? undefined,
        serviceName: access?.serviceName ?? undefined,
        userAgentFamily: access?.userAgentFamily ?? undefined,
        tactic: f.mitreAttack?.primaryTactic ?? undefined,
        grantedRoles:
          (f.iamBindings ?? [])
            .map((b) => b.role)
            .filter(Boolean)
            .join(', ') || undefined,
        notificationConfig: rec.notificationConfigName ?? undefined,
      }),
    }),
  ];
}

const isFindingObject = (v: unknown): v is Record<string, unknown> =>
  isObject(v) && typeof v.name === 'string' && FINDING_NAME.test(v.name);

// The Python client's `Finding.to_dict()`, protobuf JSON with field names preserved and BigQuery exports write
// snake_case (event_time, finding_class, resource_name); the REST API and Pub/Sub write camelCase.
const SNAKE_MARKERS = ['event_time', 'create_time', 'finding_class', 'resource_name', 'canonical_name'];
const isSnakeCase = (v: unknown): v is Record<string, unknown> =>
  isObject(v) && SNAKE_MARKERS.some((k) => k in v);

/** snake_case keys → camelCase, except inside source_properties and marks, whose keys are the detector's own. */
function camelKeys(value: unknown, depth = 0): unknown {
  if (depth > 32 || !isObject(value)) {
    return Array.isArray(value) && depth <= 32 ? value.map((v) => camelKeys(v, depth + 1)) : value;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const key = k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
    out[key] = k === 'source_properties' || k === 'marks' ? v : camelKeys(v, depth + 1);
  }
  return out;
}

/** A record in the REST API's camelCase, whichever spelling it came in. */
function camelRecord(record: Record<string, unknown>): Record<string, unknown> {
  const snake = isSnakeCase(record) || isSnakeCase((record as { finding?: unknown }).finding);
  return snake ? (camelKeys(record) as Record<string, unknown>) : record;
}

function unwrap(doc: unknown): unknown[] {
  if (Array.isArray(doc)) return doc.flatMap(unwrap);
  if (isObject(doc) && Array.isArray(doc.listFindingsResults)) return doc.listFindingsResults;
  if (isObject(doc) && Array.isArray(doc.findings) && !('finding' in doc)) return doc.findings;
  return [doc];
}

function looksLikeScc(doc: unknown): boolean {
  if (!isObject(doc)) return false;
  if (
    Array.isArray(doc.listFindingsResults) &&
    ('readTime' in doc || 'totalSize' in doc || doc.listFindingsResults.length > 0)
  ) {
    return doc.listFindingsResults.length === 0 || looksLikeScc(doc.listFindingsResults[0]);
  }
  if (isObject(doc.finding)) return isFindingObject(doc.finding) || 'notificationConfigName' in doc;
  return isFindingObject(doc);
}

export const googleSccAdapter: Adapter = {
  format: 'google-scc',
  signature:
    'Google SCC: {finding: {name: …/sources/…/findings/…}, resource} results, {listFindingsResults: [...]}, or {notificationConfigName, finding}',
  detect(doc) {
    if (Array.isArray(doc)) return doc.length > 0 && looksLikeScc(doc[0]);
    return looksLikeScc(doc);
  },
  records: unwrap,
  variant(doc) {
    const shape = Array.isArray(doc)
      ? 'list'
      : !isObject(doc)
        ? 'finding'
        : Array.isArray(doc.listFindingsResults)
          ? 'list-findings'
          : Array.isArray(doc.findings)
            ? 'findings'
            : 'notificationConfigName' in doc
              ? 'notification'
              : 'finding' in doc
                ? 'result'
                : 'finding';
    // v2 names findings by location: organizations/…/sources/…/locations/…/findings/….
    const first = unwrap(doc)[0];
    const finding = isObject(first) && isObject(first.finding) ? first.finding : first;
    const v2 = isObject(finding) && typeof finding.name === 'string' && finding.name.includes('/locations/');
    return `${shape}${v2 ? '-v2' : ''}${isSnakeCase(finding) ? '-snake-case' : ''}`;
  },
  normalize(record) {
    if (!isObject(record))
      throw new RecordError('not a valid google scc record: (record): expected an object');
    // A bare Finding (no {finding, resource} wrapper) is read as its own finding.
    const camel = camelRecord(record);
    const wrapped = 'finding' in camel ? camel : { finding: camel };
    return normalizeScc(parseRecord(SccRecord, wrapped, 'google scc'));
  },
};

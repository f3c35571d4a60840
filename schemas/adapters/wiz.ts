// wiz: Wiz issues — GraphQL `issues`/`issuesV2` nodes (one per line as exported, a list, or a whole
// `{data: {issues: {nodes: [...]}}}` response) and Issue webhook payloads (`{trigger, issue, resource, control}`,
// mapped onto the node shape). Also read, mapped onto the same shape: cloud configuration findings
// (`{id, name, result, rule, resource, analyzedAt}` — result FAIL is a finding, PASS is the rule holding on the
// resource: a finding with status passed that closes the FAIL of the same rule on the same resource by check key;
// other results, IN_PROGRESS, ERROR, NOT_ASSESSED, are no verdict and are skipped) and vulnerability findings (`{id, name: CVE-…, vulnerableAsset, …}`, misconfiguration
// with the CVE as reference). Wiz Defend detections (webhook and GraphQL `detections` nodes) are mapped onto the
// same shape and Wiz audit log entries refused by name: see wiz-defend.ts.
//
// Severity: CRITICAL/HIGH/MEDIUM/LOW/INFORMATIONAL → critical/high/medium/low/info (95/75/50/30/10).
// Kind: a CloudEventRule (Wiz Defend threat detection) → compromise-indicator, or anomalous-use when its name
//   speaks of anomalous/unusual use. Controls and cloud-configuration rules by their words, first match wins:
//   (not) rotated / rotation / older than N days                             → stale-credential
//   unused / not used / inactive / dormant                                   → unused-credential
//   secret / cleartext / plaintext / hard-coded / exposed or leaked key      → exposed-secret
//   admin / privilege / escalate / impersonate / bind / wildcard / over-permissive / owner role,
//     root account access keys                                             → excess-privilege
//   anything else (issue type THREAT_DETECTION without words above → compromise-indicator) → misconfiguration
// Status: result PASS → passed; else RESOLVED → resolved; REJECTED (won't fix, false positive) → suppressed;
//   OPEN and IN_PROGRESS → open.
// Time: updatedAt (Wiz's latest evaluation; analyzedAt / lastDetectedAt for configuration and vulnerability
//   findings), else statusChangedAt, else createdAt; Wiz writes microseconds.
// Identities: the entitySnapshot when it is an identity — an AWS principal ARN, an access key id, a GCP service
//   account, an Azure service principal, a Kubernetes ServiceAccount, ClusterRole or Role (cluster from the
//   providerId k8s/<kind>/<cluster>/…); other entities are resources. subscriptionExternalId → cloud.account.
// Note authors (notes[].user, notes[].serviceAccount — the Wiz user or Wiz API service account that commented
//   on the issue) are who worked the issue, not what it is about: kept as resources of type "wiz-note-author",
//   never as identities.
import { z } from 'zod';
import type { Finding, FindingKind, Reference, Resource } from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import {
  awsAccessKeyIdentity,
  awsIdentityFromArn,
  azurePrincipalIdentity,
  gcpServiceAccountIdentity,
  isAccessKeyId,
  k8sServiceAccountIdentity,
} from '../identity-keys.ts';
import { quoteRedacted } from '../secret-shapes.ts';
import { type Adapter, RecordError } from './adapter.ts';
import { buildFinding } from './build.ts';
import { clip, evidenceOf, GCP_SA_EMAIL, k8sRoleIdentity } from './siem-common.ts';
import { findingId, isObject, parseRecord, requireTime, severityFromLabel, slug } from './util.ts';
import { isWizCliRecord, isWizCliScan, normalizeWizCli, wizCliRecords } from './wiz-cli.ts';
import {
  detectionAsIssue,
  isWizAuditLog,
  isWizDetection,
  isWizDetectionWebhook,
  wizAuditLogRefusal,
} from './wiz-defend.ts';

const Str = z.string().nullish();

const Entity = z.looseObject({
  id: Str,
  type: Str,
  nativeType: Str,
  name: Str,
  cloudPlatform: Str,
  providerId: Str,
  externalId: Str,
  region: Str,
  subscriptionExternalId: Str,
  subscriptionName: Str,
  resourceGroupExternalId: Str,
});

const WizIssue = z.looseObject({
  id: z.string(),
  type: Str,
  status: Str,
  severity: Str,
  createdAt: Str,
  updatedAt: Str,
  statusChangedAt: Str,
  resolvedAt: Str,
  dueAt: Str,
  sourceRule: z
    .looseObject({
      __typename: Str,
      id: Str,
      name: Str,
      description: Str,
      controlDescription: Str,
      cloudEventRuleDescription: Str,
      cloudConfigurationRuleDescription: Str,
      securitySubCategories: z
        .array(
          z.looseObject({
            title: Str,
            category: z
              .looseObject({ name: Str, framework: z.looseObject({ name: Str }).nullish() })
              .nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
  entitySnapshot: Entity.nullish(),
  projects: z.array(z.looseObject({ name: Str })).nullish(),
  serviceTickets: z.array(z.looseObject({ name: Str, url: Str })).nullish(),
  findingTitle: Str,
  result: Str,
  link: Str,
  notes: z
    .array(
      z.looseObject({
        user: z.looseObject({ name: Str, email: Str }).nullish(),
        serviceAccount: z.looseObject({ name: Str }).nullish(),
      }),
    )
    .nullish(),
});
type WizIssue = z.infer<typeof WizIssue>;

const PLATFORMS: Record<string, string> = {
  aws: 'aws',
  gcp: 'gcp',
  azure: 'azure',
  kubernetes: 'kubernetes',
  eks: 'kubernetes',
  aks: 'kubernetes',
  gke: 'kubernetes',
  openshift: 'kubernetes',
};

const ANOMALY = /anomal|unusual|suspicious|first[- ]time|new (country|location|geo)/i;
const WORDS: Array<[RegExp, FindingKind]> = [
  [/\brotated\b|\brotation\b|\bolder than \d+ days\b/i, 'stale-credential'],
  [/\bunused\b|\bnot (been )?used\b|\binactive\b|\bdormant\b/i, 'unused-credential'],
  [
    /\bsecrets?\b|\bclear-?text\b|\bplain-?text\b|\bhard-?coded\b|\b(exposed|leaked) (access )?(keys?|credentials?|tokens?)\b/i,
    'exposed-secret',
  ],
  [
    /\badmin|\bprivilege|\bescalat|\bimpersonat|\bbind\b|\bwildcard\b|\bover-?permissive\b|\bexcessive permissions?\b|\bfull access\b|\bowner (role|permissions?|access)\b|\broot (account|user)\b.*\bkeys?\b/i,
    'excess-privilege',
  ],
];

export function wizKind(issue: WizIssue): FindingKind {
  const rule = issue.sourceRule;
  const name = [issue.findingTitle, rule?.name].filter(Boolean).join(' \n ');
  if (rule?.__typename === 'Vulnerability') return 'misconfiguration';
  if (rule?.__typename === 'CloudEventRule')
    return ANOMALY.test(name) ? 'anomalous-use' : 'compromise-indicator';
  for (const [re, kind] of WORDS) if (re.test(name)) return kind;
  return issue.type === 'THREAT_DETECTION' ? 'compromise-indicator' : 'misconfiguration';
}

/** k8s/<kind>/<cluster>/<namespace?>/<name>/<generation> → parts. */
function k8sParts(
  providerId: string | undefined,
): { kind: string; cluster: string; rest: string[] } | undefined {
  const parts = providerId?.split('/') ?? [];
  if (parts[0] !== 'k8s' || parts.length < 4) return undefined;
  const rest = parts.slice(3);
  if (rest.length > 1 && /^\d+$/.test(rest.at(-1)!)) rest.pop();
  return { kind: parts[1]!.toLowerCase(), cluster: parts[2]!, rest };
}

function entityIdentity(e: z.infer<typeof Entity>): IdentityRef | undefined {
  const name = e.name ?? undefined;
  const ids = [e.providerId, e.externalId, name].filter((x): x is string => !!x);
  for (const id of ids) {
    if (!id.startsWith('arn:')) continue;
    const key = /^(arn:[^:]+:iam::\d{12}:user\/.+?)\/accesskey\/([A-Z0-9]+)$/i.exec(id);
    if (key && isAccessKeyId(key[2]!)) return awsAccessKeyIdentity(key[2]!, awsIdentityFromArn(key[1]!));
    const aws = awsIdentityFromArn(id);
    if (aws) return aws;
  }
  const keyId = ids.find(isAccessKeyId);
  if (keyId) return awsAccessKeyIdentity(keyId, undefined, e.subscriptionExternalId ?? undefined);
  const platform = (e.cloudPlatform ?? '').toLowerCase();
  const native = (e.nativeType ?? '').toLowerCase().replace(/[\s_-]/g, '');
  const k8s = k8sParts(e.providerId ?? undefined) ?? k8sParts(e.externalId ?? undefined);
  if (k8s || PLATFORMS[platform] === 'kubernetes') {
    const kind = k8s?.kind ?? native;
    const cluster = k8s?.cluster;
    if (kind === 'clusterrole')
      return k8sRoleIdentity('ClusterRole', name ?? k8s?.rest.join('/') ?? '', undefined, cluster);
    if (kind === 'role' && name)
      return k8sRoleIdentity('Role', name, k8s && k8s.rest.length > 1 ? k8s.rest[0] : undefined, cluster);
    if (kind === 'serviceaccount' && name) {
      const namespace = k8s && k8s.rest.length > 1 ? k8s.rest[0]! : 'default';
      return k8sServiceAccountIdentity(namespace, name, cluster);
    }
    return undefined;
  }
  const email = ids.map((i) => i.split('/').at(-1)!).find((i) => GCP_SA_EMAIL.test(i));
  if (email) return gcpServiceAccountIdentity(email);
  if (
    platform === 'azure' &&
    (e.type === 'SERVICE_ACCOUNT' || native === 'serviceprincipal' || native.endsWith('managedidentity'))
  ) {
    const guid = ids.find((i) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(i));
    if (guid) return azurePrincipalIdentity(guid, { name });
  }
  return undefined;
}

function normalizeIssue(issue: WizIssue): Finding[] {
  // A configuration finding not assessed (IN_PROGRESS, ERROR, NOT_ASSESSED) says nothing either way.
  const result = issue.result?.toUpperCase();
  if (result && result !== 'FAIL' && result !== 'PASS') return [];
  const status: Finding['status'] =
    result === 'PASS'
      ? 'passed'
      : issue.status === 'RESOLVED'
        ? 'resolved'
        : issue.status === 'REJECTED'
          ? 'suppressed'
          : 'open';
  const time = requireTime('wiz issue', issue.updatedAt, issue.statusChangedAt, issue.createdAt);
  const e = issue.entitySnapshot ?? undefined;
  const platform = PLATFORMS[(e?.cloudPlatform ?? '').toLowerCase()] ?? e?.cloudPlatform?.toLowerCase();
  const account = e?.subscriptionExternalId ?? undefined;

  const identities: IdentityRef[] = [];
  const resources: Resource[] = [];
  const identity = e ? entityIdentity(e) : undefined;
  if (identity) identities.push(identity);
  else if (e) {
    const uid = e.providerId || e.externalId || e.id || e.name;
    if (uid)
      resources.push({
        uid,
        type: e.nativeType ?? e.type ?? undefined,
        name: e.name ?? undefined,
        region: e.region ?? undefined,
        account,
      });
  }
  for (const n of issue.notes ?? []) {
    if (n.user?.email || n.user?.name)
      resources.push({
        uid: (n.user.email ?? n.user.name)!,
        type: 'wiz-note-author',
        name: n.user.name ?? undefined,
      });
    if (n.serviceAccount?.name)
      resources.push({
        uid: `wiz:service-account:${n.serviceAccount.name}`,
        type: 'wiz-note-author',
        name: n.serviceAccount.name,
      });
  }

  const rule = issue.sourceRule ?? undefined;
  const references: Reference[] = [];
  if (rule?.__typename === 'Vulnerability' && rule.id && /^CVE-\d{4}-\d+$/i.test(rule.id))
    references.push({ kind: 'cve', id: rule.id.toUpperCase() });
  else if (rule?.id) references.push({ kind: 'rule', id: rule.id });
  if (issue.link) references.push({ kind: 'url', id: issue.link });
  for (const sub of rule?.securitySubCategories ?? []) {
    const number = sub.title ? /^(\d+(?:\.\d+)+)\s/.exec(sub.title)?.[1] : undefined;
    const framework = sub.category?.framework?.name;
    if (number && framework) references.push({ kind: 'control', id: `${framework} ${number}` });
  }

  return [
    buildFinding({
      // The id predates suppressed: a rejected issue keeps the id it had as "resolved". A PASS is its own record.
      id: findingId(
        'wiz',
        issue.id,
        status === 'open' ? 'open' : status === 'passed' ? 'passed' : 'resolved',
      ),
      source: { format: 'wiz', product: 'Wiz', vendor: 'Wiz', nativeId: issue.id },
      kind: wizKind(issue),
      status,
      title: issue.findingTitle ?? rule?.name ?? 'Wiz issue',
      description: clip(
        rule?.controlDescription ??
          rule?.cloudEventRuleDescription ??
          rule?.cloudConfigurationRuleDescription ??
          rule?.description ??
          undefined,
        1000,
      ),
      severity: severityFromLabel(issue.severity, 'medium'),
      time,
      identities,
      resources,
      cloud:
        platform || account
          ? { provider: platform ?? 'unknown', account, region: e?.region ?? undefined }
          : undefined,
      references,
      evidence: evidenceOf({
        status: issue.status ?? undefined,
        result: issue.result ?? undefined,
        issueType: issue.type ?? undefined,
        ruleType: rule?.__typename ?? undefined,
        // Wiz's own id of the entity: the same in its PASS and FAIL results even when one lacks the providerId
        // (the real sample's root user), so the check key (check-key.ts) stands on it.
        entityId: e?.id ?? undefined,
        entityType: e?.type ?? undefined,
        nativeType: e?.nativeType ?? undefined,
        entityName: e?.name ?? undefined,
        subscriptionName: e?.subscriptionName ?? undefined,
        createdAt: issue.createdAt ?? undefined,
        dueAt: issue.dueAt ?? undefined,
        resolvedAt: issue.resolvedAt ?? undefined,
        projects:
          (issue.projects ?? [])
            .map((p) => p.name)
            .filter(Boolean)
            .join(', ') || undefined,
        tickets:
          (issue.serviceTickets ?? [])
            .map((t) => t.name)
            .filter(Boolean)
            .join(', ') || undefined,
      }),
    }),
  ];
}

/** An Issue webhook payload → the GraphQL node shape. */
function fromWebhook(doc: Record<string, unknown>): Record<string, unknown> {
  const issue = isObject(doc.issue) ? doc.issue : {};
  const resource = isObject(doc.resource) ? doc.resource : undefined;
  const control = isObject(doc.control) ? doc.control : undefined;
  return {
    ...issue,
    createdAt: issue.createdAt ?? issue.created,
    updatedAt: issue.updatedAt ?? issue.updated,
    sourceRule: issue.sourceRule ?? (control ? { __typename: 'Control', ...control } : undefined),
    entitySnapshot:
      issue.entitySnapshot ??
      (resource
        ? { ...resource, subscriptionExternalId: resource.subscriptionExternalId ?? resource.subscriptionId }
        : undefined),
  };
}

/** A cloud configuration finding → the node shape. */
function fromConfigFinding(doc: Record<string, unknown>): Record<string, unknown> {
  const rule = isObject(doc.rule) ? doc.rule : {};
  const resource = isObject(doc.resource) ? doc.resource : {};
  const sub = isObject(resource.subscription) ? resource.subscription : {};
  return {
    id: doc.id,
    type: 'CLOUD_CONFIGURATION',
    status: doc.status,
    severity: doc.severity,
    result: doc.result,
    createdAt: doc.firstSeenAt,
    updatedAt: doc.analyzedAt,
    findingTitle: doc.name,
    sourceRule: {
      __typename: 'CloudConfigurationRule',
      id: rule.shortId ?? rule.id,
      name: rule.name,
      cloudConfigurationRuleDescription: rule.description,
      securitySubCategories: doc.securitySubCategories ?? rule.securitySubCategories,
    },
    entitySnapshot: {
      id: resource.id,
      type: resource.type,
      nativeType: resource.nativeType,
      name: resource.name,
      region: resource.region,
      providerId: resource.providerId || doc.targetExternalId,
      externalId: doc.targetExternalId,
      // The subscription's provider says which cloud; cloudPlatform can be the service (EKS) the object serves.
      cloudPlatform: sub.cloudProvider ?? resource.cloudPlatform,
      subscriptionExternalId: sub.externalId,
      subscriptionName: sub.name,
    },
    projects: Array.isArray(resource.projects) ? resource.projects : undefined,
  };
}

/** A vulnerability finding → the node shape. */
function fromVulnerability(doc: Record<string, unknown>): Record<string, unknown> {
  const asset = isObject(doc.vulnerableAsset) ? doc.vulnerableAsset : {};
  const pkg =
    typeof doc.detailedName === 'string'
      ? ` in ${doc.detailedName}${typeof doc.version === 'string' ? ` ${doc.version}` : ''}`
      : '';
  return {
    id: doc.id,
    type: 'VULNERABILITY',
    status: doc.status,
    severity: doc.vendorSeverity ?? doc.CVSSSeverity ?? doc.severity,
    createdAt: doc.firstDetectedAt,
    updatedAt: doc.lastDetectedAt,
    resolvedAt: doc.resolvedAt,
    findingTitle: typeof doc.name === 'string' ? `${doc.name}${pkg}` : undefined,
    link: doc.link,
    sourceRule: {
      __typename: 'Vulnerability',
      id: doc.name,
      name: doc.name,
      description: doc.CVEDescription ?? doc.description,
    },
    entitySnapshot: {
      id: asset.id,
      type: asset.type,
      name: asset.name,
      region: asset.region,
      providerId: asset.providerUniqueId,
      externalId: asset.externalId,
      cloudPlatform: asset.cloudPlatform,
      subscriptionExternalId: asset.subscriptionExternalId,
      subscriptionName: asset.subscriptionName,
    },
    projects: doc.projects,
  };
}

const isConfigFinding = (doc: Record<string, unknown>) =>
  typeof doc.id === 'string' &&
  isObject(doc.rule) &&
  isObject(doc.resource) &&
  typeof doc.result === 'string';
const isVulnerability = (doc: Record<string, unknown>) =>
  typeof doc.id === 'string' && isObject(doc.vulnerableAsset) && typeof doc.name === 'string';

const isWebhook = (doc: Record<string, unknown>) =>
  isObject(doc.issue) && (isObject(doc.trigger) || isObject(doc.control) || isObject(doc.resource));
const isNode = (doc: unknown): boolean =>
  isObject(doc) &&
  typeof doc.id === 'string' &&
  (isObject(doc.sourceRule) || isObject(doc.entitySnapshot)) &&
  ('severity' in doc || 'status' in doc) &&
  ('createdAt' in doc || 'updatedAt' in doc || 'statusChangedAt' in doc);

function unwrap(doc: unknown): unknown[] {
  if (Array.isArray(doc)) return doc.flatMap(unwrap);
  if (isObject(doc)) {
    const data = isObject(doc.data) ? doc.data : undefined;
    const conn =
      data &&
      [
        data.issues,
        data.issuesV2,
        data.configurationFindings,
        data.vulnerabilityFindings,
        data.detections,
      ].find((c): c is Record<string, unknown> => isObject(c) && Array.isArray(c.nodes));
    if (conn && Array.isArray(conn.nodes)) return conn.nodes;
    if (Array.isArray(doc.nodes) && !('id' in doc)) return doc.nodes;
  }
  return [doc];
}

// What `wizcli` scanned, by the scan's origin: `wizcli dir scan`, `wizcli iac scan`, `wizcli docker scan`.
const CLI_ORIGINS: Record<string, string> = {
  CICDScanOriginDirectory: 'cli-dir',
  CICDScanOriginIAC: 'cli-iac',
  CICDScanOriginContainerImage: 'cli-image',
};

function wizCliMode(doc: Record<string, unknown>): string {
  const origin = isObject(doc.scanOriginResource) ? doc.scanOriginResource.__typename : undefined;
  return (typeof origin === 'string' && CLI_ORIGINS[origin]) || 'cli-scan';
}

export const wizAdapter: Adapter = {
  format: 'wiz',
  signature:
    'Wiz: issue node {id, sourceRule, entitySnapshot, severity, status, createdAt}, issue webhook {trigger, issue, resource, control}, configuration finding {rule, resource, result}, vulnerability finding {name, vulnerableAsset}, Wiz Defend detection {ruleMatch | trigger.source DETECTIONS, primaryActor, primaryResource} or Wiz CLI scan {result:{ruleMatches, secrets}}',
  detect(doc) {
    if (isWizCliScan(doc)) return true;
    const first = unwrap(doc)[0];
    return (
      isObject(first) &&
      (isNode(first) ||
        isWebhook(first) ||
        isConfigFinding(first) ||
        isVulnerability(first) ||
        isWizDetection(first) ||
        isWizAuditLog(first))
    );
  },
  records: (doc) => (isWizCliScan(doc) ? wizCliRecords(doc) : unwrap(doc)),
  variant(doc) {
    if (isWizCliScan(doc)) return wizCliMode(doc);
    if (Array.isArray(doc)) return 'list';
    const data = isObject(doc) && isObject(doc.data) ? doc.data : undefined;
    if (data) {
      const names = [
        'issues',
        'issuesV2',
        'configurationFindings',
        'vulnerabilityFindings',
        'detections',
      ] as const;
      const name = names.find((n) => isObject(data[n]));
      if (name) return `graphql-${slug(name.replace(/[A-Z]/g, (c) => `-${c}`))}`;
    }
    if (isObject(doc) && Array.isArray(doc.nodes) && !('id' in doc)) return 'nodes';
    if (!isObject(doc)) return 'issue';
    if (isWizDetectionWebhook(doc)) return 'defend-detection-webhook';
    if (isWizDetection(doc)) return 'defend-detection';
    if (isWizAuditLog(doc)) return 'audit-log';
    if (isWebhook(doc)) return 'webhook';
    if (isConfigFinding(doc)) return 'configuration-finding';
    if (isVulnerability(doc)) return 'vulnerability-finding';
    return 'issue';
  },
  normalize(record, ctx) {
    if (!isObject(record))
      throw new RecordError('not a valid wiz issue record: (record): expected an object');
    if (isWizCliRecord(record)) return normalizeWizCli(record, ctx);
    if (isWizAuditLog(record)) throw new RecordError(wizAuditLogRefusal(record, quoteRedacted));
    const node = isWizDetection(record)
      ? detectionAsIssue(record, (e) => entityIdentity(Entity.parse(e)) !== undefined)
      : isWebhook(record)
        ? fromWebhook(record)
        : isConfigFinding(record)
          ? fromConfigFinding(record)
          : isVulnerability(record)
            ? fromVulnerability(record)
            : record;
    return normalizeIssue(parseRecord(WizIssue, node, 'wiz issue'));
  },
};

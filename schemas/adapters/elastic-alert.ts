// elastic-alert: Elastic Security (Kibana) detection alerts as documents of .alerts-security.alerts-* — bare
// `_source` documents, search hits (`{_index, _id, _source}`) or whole search responses (`{hits: {hits: [...]}}`).
// Alert fields come flattened (`"kibana.alert.rule.name": …`), nested (`kibana: {alert: {…}}`) or mixed; the
// ECS fields of the source event sit beside them. Pre-8.0 "signals" (.siem-signals-*) carry the same facts under
// `signal.*` (signal.rule.name, signal.status, signal.original_time), and are read the same way.
//
// Severity: kibana.alert.severity / signal.rule.severity (low/medium/high/critical) gives the label, and the 0–100
// kibana.alert.risk_score / signal.rule.risk_score is kept as the score (Elastic's defaults 21/47/73/99 agree with
// our thresholds); with only a risk score, label = severityFromScore(score); with neither, medium.
// Kind: siemKind over the rule name and the rule's description (never the alert's reason, which an attacker can
// write) plus the rule's ATT&CK tactics (threat[].tactic.name and "Tactic: …" tags); machine-learning and new-terms rules with nothing more specific → anomalous-use; any other
// detection → compromise-indicator.
// Status: workflow_status / signal.status "closed" → resolved (acknowledged stays open).
// Time: @timestamp (when the alert was created), else kibana.alert.start, else the source event's original_time.
// Identities: aws.cloudtrail.user_identity.arn (sessions → role, issuer ARN honoured, user.id AIDA/AROA as alias),
// aws.cloudtrail.user_identity.access_key_id (owned by that ARN), user.name / user.target.name / user.email and
// gcp principal emails (ARNs, key ids and SA emails become typed identities, the rest named principals of the
// cloud.provider); cloud.account.id → identity account and cloud.account.
import { z } from 'zod';
import type { Finding, Reference, Resource } from '../finding.ts';
import type { IdentityRef, Provider } from '../identity.ts';
import {
  awsAccessKeyIdentity,
  awsIdentityFromArn,
  gcpServiceAccountIdentity,
  isAccessKeyId,
} from '../identity-keys.ts';
import { type Adapter, RecordError } from './adapter.ts';
import { buildFinding } from './build.ts';
import {
  clip,
  evidenceOf,
  GCP_SA_EMAIL,
  gcpPrincipalIdentity,
  identityFromName,
  one,
  PathPicker,
  siemKind,
  str,
  strs,
  techniqueRefs,
} from './siem-common.ts';
import {
  findingId,
  isObject,
  parseRecord,
  requireTime,
  severityFromLabel,
  severityFromScore,
} from './util.ts';

const Text = z.union([z.string(), z.number()]).nullish();
const Texts = z.union([z.string(), z.array(z.union([z.string(), z.number(), z.null()]))]).nullish();
const Score = z.union([z.number(), z.string().regex(/^\s*\d+(\.\d+)?\s*$/, 'expected a number')]).nullish();
const Threat = z
  .array(
    z.looseObject({
      tactic: z.looseObject({ id: Text, name: Text }).nullish(),
      technique: z
        .array(z.looseObject({ id: Text, subtechnique: z.array(z.looseObject({ id: Text })).nullish() }))
        .nullish(),
    }),
  )
  .nullish();

/** Every path we read, flat, exactly as the alert's own field names; validated once per alert. */
const AlertView = z.object({
  '@timestamp': Text,
  'kibana.alert.uuid': Text,
  'kibana.alert.start': Text,
  'kibana.alert.original_time': Text,
  'kibana.alert.rule.name': Text,
  'kibana.alert.rule.uuid': Text,
  'kibana.alert.rule.rule_id': Text,
  'kibana.alert.rule.description': Text,
  'kibana.alert.rule.type': Text,
  'kibana.alert.rule.tags': Texts,
  'kibana.alert.rule.threat': Threat,
  'kibana.alert.rule.parameters.threat': Threat,
  'kibana.alert.severity': Text,
  'kibana.alert.rule.severity': Text,
  'kibana.alert.risk_score': Score,
  'kibana.alert.rule.risk_score': Score,
  'kibana.alert.workflow_status': Text,
  'kibana.alert.reason': Text,
  'signal.rule.name': Text,
  'signal.rule.id': Text,
  'signal.rule.rule_id': Text,
  'signal.rule.description': Text,
  'signal.rule.type': Text,
  'signal.rule.tags': Texts,
  'signal.rule.threat': Threat,
  'signal.rule.severity': Text,
  'signal.rule.risk_score': Score,
  'signal.status': Text,
  'signal.original_time': Text,
  'signal.reason': Text,
  'signal.parent.id': Text,
  'user.name': Texts,
  'user.id': Texts,
  'user.email': Texts,
  'user.target.name': Texts,
  'source.ip': Texts,
  'host.name': Texts,
  'event.action': Texts,
  'event.provider': Texts,
  'event.dataset': Texts,
  'cloud.provider': Texts,
  'cloud.account.id': Texts,
  'cloud.project.id': Texts,
  'cloud.region': Texts,
  'aws.cloudtrail.user_identity.arn': Texts,
  'aws.cloudtrail.user_identity.type': Texts,
  'aws.cloudtrail.user_identity.access_key_id': Texts,
  'aws.cloudtrail.user_identity.session_context.session_issuer.arn': Texts,
  'gcp.audit.authentication_info.principal_email': Texts,
  'client.user.email': Texts,
});
type AlertView = z.infer<typeof AlertView>;
const VIEW_PATHS = Object.keys(AlertView.shape) as Array<keyof AlertView>;

// Multi-valued ECS fields keep their arrays; alert fields are single values (the `fields` API wraps every value in a
// list, so single-valued paths are unwrapped).
const MULTI = new Set<string>([
  'kibana.alert.rule.tags',
  'signal.rule.tags',
  'kibana.alert.rule.threat',
  'kibana.alert.rule.parameters.threat',
  'signal.rule.threat',
]);

const PICKER = new PathPicker(VIEW_PATHS);
const KEEP_LISTS = new Set<string>(
  VIEW_PATHS.filter((p) => MULTI.has(p) || p.startsWith('user.') || p.startsWith('aws.')),
);

function viewOf(doc: Record<string, unknown>): Record<string, unknown> {
  const view = PICKER.pick(doc);
  for (const path of Object.keys(view)) if (!KEEP_LISTS.has(path)) view[path] = one(view[path]);
  return view;
}

const DETECT = new PathPicker([
  'kibana.alert.rule.name',
  'kibana.alert.rule.uuid',
  'signal.rule.name',
  'signal.rule.id',
  'signal.status',
]);

function isAlertDoc(doc: unknown): boolean {
  if (!isObject(doc)) return false;
  // Cheap rejection first: an alert has a kibana/signal key at the top, flat or nested.
  let candidate = false;
  for (const k in doc) {
    if (k.startsWith('kibana') || k.startsWith('signal')) {
      candidate = true;
      break;
    }
  }
  if (!candidate) return false;
  const v = DETECT.pick(doc);
  return (
    typeof one(v['kibana.alert.rule.name']) === 'string' ||
    typeof one(v['kibana.alert.rule.uuid']) === 'string' ||
    typeof one(v['signal.rule.name']) === 'string' ||
    (typeof one(v['signal.rule.id']) === 'string' && v['signal.status'] !== undefined)
  );
}

/** A _search response that matched nothing: `{took, timed_out, hits: {hits: []}}`, aimed at an alerts index. */
function isEmptySearch(doc: unknown): boolean {
  if (!isObject(doc) || !isObject(doc.hits) || !Array.isArray(doc.hits.hits)) return false;
  return doc.hits.hits.length === 0 && 'took' in doc && 'timed_out' in doc;
}

/** Written by 8.x's alerting framework (kibana.alert.*), not 7.x's detection engine (signal.*). */
function hasKibanaAlert(doc: Record<string, unknown>): boolean {
  const v = DETECT.pick(doc);
  return v['kibana.alert.rule.name'] !== undefined || v['kibana.alert.rule.uuid'] !== undefined;
}

/** A search hit's document: `_source`, else the `fields` section. */
function sourceOf(doc: Record<string, unknown>): Record<string, unknown> | undefined {
  if (isObject(doc._source)) return doc._source;
  if (isObject(doc.fields) && ('_id' in doc || '_index' in doc)) return doc.fields;
  return undefined;
}

function unwrap(doc: unknown): unknown[] {
  if (Array.isArray(doc)) return doc.flatMap(unwrap);
  if (isObject(doc) && isObject(doc.hits) && Array.isArray(doc.hits.hits)) return doc.hits.hits;
  return [doc];
}

const PROVIDERS: Record<string, Provider> = {
  aws: 'aws',
  gcp: 'gcp',
  azure: 'azure',
  kubernetes: 'kubernetes',
};

function normalizeAlert(doc: Record<string, unknown>, hitId: string | undefined): Finding[] {
  const v = parseRecord(AlertView, viewOf(doc), 'elastic alert');
  const s = (k: keyof AlertView): string | undefined => str(v[k]);
  const legacy = s('kibana.alert.rule.name') === undefined && s('signal.rule.name') !== undefined;
  const ruleName = s('kibana.alert.rule.name') ?? s('signal.rule.name');
  if (!ruleName)
    throw new RecordError(
      'not a valid elastic alert record: kibana.alert.rule.name (or signal.rule.name): required',
    );

  const time = requireTime(
    'elastic alert',
    v['@timestamp'],
    v['kibana.alert.start'],
    v['kibana.alert.original_time'],
    v['signal.original_time'],
  );

  // Severity.
  const word = s('kibana.alert.severity') ?? s('kibana.alert.rule.severity') ?? s('signal.rule.severity');
  const rawScore =
    v['kibana.alert.risk_score'] ?? v['kibana.alert.rule.risk_score'] ?? v['signal.rule.risk_score'];
  const score =
    rawScore === undefined || rawScore === null ? undefined : Math.max(0, Math.min(100, Number(rawScore)));
  const severity = word
    ? { label: severityFromLabel(word).label, score: score ?? severityFromLabel(word).score }
    : score !== undefined
      ? severityFromScore(score)
      : severityFromLabel(undefined);

  // ATT&CK.
  const threat = [
    ...(v['kibana.alert.rule.threat'] ?? v['kibana.alert.rule.parameters.threat'] ?? []),
    ...(v['signal.rule.threat'] ?? []),
  ];
  const tags = [...strs(v['kibana.alert.rule.tags']), ...strs(v['signal.rule.tags'])];
  const tactics = [
    ...threat.map((t) => str(t.tactic?.name) ?? str(t.tactic?.id)).filter((x): x is string => !!x),
    ...tags.map((t) => /^Tactic:\s*(.+)$/i.exec(t)?.[1]).filter((x): x is string => !!x),
  ];
  const techniqueIds = threat.flatMap((t) =>
    (t.technique ?? []).flatMap((tech) => [
      str(tech.id),
      ...(tech.subtechnique ?? []).map((st) => str(st.id)),
    ]),
  );
  const ruleType = s('kibana.alert.rule.type') ?? s('signal.rule.type');
  const description = s('kibana.alert.rule.description') ?? s('signal.rule.description');
  const reason = s('kibana.alert.reason') ?? s('signal.reason');
  // The kind comes from the rule (its name, its author's description, its type and tactics), never from the
  // alert's reason: that text is built from event fields an attacker can write.
  const kind = siemKind(
    [ruleName, description],
    tactics,
    ruleType === 'machine_learning' || ruleType === 'new_terms' ? 'anomalous-use' : 'compromise-indicator',
  );

  // Identities.
  const cloudProvider = s('cloud.provider')?.toLowerCase();
  const dataset = s('event.dataset') ?? '';
  // Named principals belong to the system that logged them (the dataset), not to the cloud the host runs in: a
  // Windows logon on a GCP VM is not a GCP principal.
  const datasetProvider = dataset.split('.')[0]!;
  const provider: Provider =
    PROVIDERS[datasetProvider] ??
    (datasetProvider === 'okta' ? 'okta' : datasetProvider === 'github' ? 'github' : 'generic');
  const account = s('cloud.account.id') ?? s('cloud.project.id');
  const nameAccount = provider === cloudProvider ? account : undefined;
  const identities: IdentityRef[] = [];
  const arn = s('aws.cloudtrail.user_identity.arn');
  const uniqueIds = strs(v['user.id'])
    .filter((u) => /^(AIDA|AROA)[A-Z0-9]{12,}/.test(u))
    .map((u) => u.split(':')[0]!);
  const principal = arn
    ? awsIdentityFromArn(arn, {
        issuerArn: s('aws.cloudtrail.user_identity.session_context.session_issuer.arn'),
        aliases: uniqueIds,
      })
    : undefined;
  if (principal) identities.push(principal);
  for (const key of strs(v['aws.cloudtrail.user_identity.access_key_id']).filter(isAccessKeyId)) {
    identities.push(awsAccessKeyIdentity(key, principal, account ?? principal?.account));
  }
  const sessionName = arn?.split('/').at(-1);
  for (const name of strs(v['user.name'])) {
    if (principal && (name === principal.name || name === sessionName || name === arn)) continue;
    const id = identityFromName(name, { provider, account: nameAccount });
    if (id) identities.push(id);
  }
  for (const name of strs(v['user.target.name'])) {
    const id = identityFromName(name, { provider, account: nameAccount });
    if (id) identities.push(id);
  }
  for (const email of [
    ...strs(v['user.email']),
    ...strs(v['gcp.audit.authentication_info.principal_email']),
    ...strs(v['client.user.email']),
  ]) {
    if (GCP_SA_EMAIL.test(email)) identities.push(gcpServiceAccountIdentity(email));
    else if (provider === 'gcp') identities.push(gcpPrincipalIdentity(email));
    else {
      const id = identityFromName(email, { provider, account: nameAccount });
      if (id) identities.push(id);
    }
  }

  const resources: Resource[] = [
    ...strs(v['host.name']).map((h) => ({ uid: h, type: 'host', name: h })),
    ...strs(v['source.ip']).map((ip) => ({ uid: ip, type: 'ip-address' })),
  ];
  const ruleId = s('kibana.alert.rule.rule_id') ?? s('signal.rule.rule_id');
  const references: Reference[] = [
    ...(ruleId ? [{ kind: 'rule' as const, id: ruleId }] : []),
    ...techniqueRefs(techniqueIds.filter((x): x is string => !!x)),
  ];

  const workflow = (s('kibana.alert.workflow_status') ?? s('signal.status'))?.toLowerCase();
  const status = workflow === 'closed' ? 'resolved' : 'open';
  const nativeId = s('kibana.alert.uuid') ?? hitId;
  const originalTime = s('kibana.alert.original_time') ?? s('signal.original_time');

  return [
    buildFinding({
      id: findingId(
        'elastic-alert',
        nativeId,
        s('kibana.alert.rule.uuid') ?? s('signal.rule.id'),
        originalTime,
        s('@timestamp'),
        s('signal.parent.id'),
        strs(v['user.name']).join(','),
        strs(v['host.name']).join(','),
        status,
      ),
      source: {
        format: 'elastic-alert',
        product: legacy ? 'Elastic SIEM signal' : 'Elastic Security',
        vendor: 'Elastic',
        nativeId,
      },
      kind,
      status,
      title: ruleName,
      description: clip(reason ?? description, 1000),
      severity,
      time,
      identities,
      resources,
      cloud:
        cloudProvider || account
          ? { provider: cloudProvider ?? provider, account, region: s('cloud.region') }
          : undefined,
      references,
      evidence: evidenceOf({
        rule: ruleName,
        ruleType,
        riskScore: score,
        workflowStatus: workflow,
        sourceIp: s('source.ip'),
        action: s('event.action'),
        eventProvider: s('event.provider'),
        dataset: dataset || undefined,
        identityType: s('aws.cloudtrail.user_identity.type'),
        originalTime,
        tactics: [...new Set(tactics)].join(', ') || undefined,
      }),
    }),
  ];
}

export const elasticAlertAdapter: Adapter = {
  format: 'elastic-alert',
  signature:
    'Elastic Security alert: kibana.alert.rule.* (flat or nested) or legacy signal.rule.*, bare or as search hits',
  detect(doc) {
    if (isEmptySearch(doc)) return true;
    const first = unwrap(doc)[0];
    if (!isObject(first)) return false;
    return isAlertDoc(sourceOf(first) ?? first);
  },
  records: unwrap,
  variant(doc) {
    if (Array.isArray(doc)) return 'list';
    if (isObject(doc) && isObject(doc.hits) && Array.isArray(doc.hits.hits)) return 'search-hits';
    if (!isObject(doc)) return 'alert';
    const source = sourceOf(doc);
    // 7.x's detection engine wrote signal.* fields; 8.x writes kibana.alert.*.
    const legacy = !hasKibanaAlert(source ?? doc);
    return `${source ? 'hit' : 'alert'}${legacy ? '-legacy-signal' : ''}`;
  },
  normalize(record) {
    if (!isObject(record))
      throw new RecordError('not a valid elastic alert record: (record): expected an object');
    const source = sourceOf(record);
    const hitId = source ? str(record._id) : undefined;
    return normalizeAlert(source ?? record, hitId);
  },
};

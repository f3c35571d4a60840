// sentinel: Microsoft Sentinel incidents and alerts, in the shapes they leave Azure:
//   - ARM resources from the SecurityInsights REST API (one per line, or `{"value": [...]}` list responses):
//     incidents (type Microsoft.SecurityInsights/incidents, everything under `properties`) and alert entities
//     (type Microsoft.SecurityInsights/Entities, kind SecurityAlert);
//   - Logic App playbook triggers of the Microsoft Sentinel connector: the incident trigger (`{"object": <ARM
//     incident>, "workspaceId": …}`, automation rules on create and update) and the alert trigger (the alert's own
//     fields, `{SystemAlertId, AlertDisplayName, Severity, Intent, Entities: [...], StartTimeUtc, …}`, read as a
//     SecurityAlert row). The entity trigger (`{Entity, EntityType, IncidentArmId, …}`: one entity a playbook was
//     run on by hand) carries no alert or verdict: refused naming it;
//   - Log Analytics rows of the SecurityAlert and SecurityIncident tables (`Type` column, `Entities` as a JSON string).
//
// Severity: High/Medium/Low/Informational → high/medium/low/info (scores 75/50/30/10).
// Kind: siemKind over title, description and alert type, then the ATT&CK tactics (see siem-common.ts); e.g. an
//   Identity Protection "Leaked credentials" alert → exposed-secret, InitialAccess/Persistence → compromise-indicator.
// Status: incident Closed, alert Resolved → resolved; alert Dismissed → suppressed (classification as the reason).
// Time: when Sentinel generated it — alert timeGenerated/TimeGenerated, incident createdTimeUtc/CreatedTime
//   (7-digit fractional seconds are cut to milliseconds by toIsoTime).
// Identities: entities of kind Account (AadUserId → azure principal, UPN as alias; otherwise ARN/access key/GCP SA/
//   named principal by what the name holds) and CloudApplication (named Azure principal, app id as alias). Other
//   entities: AzureResource, Host and Ip → resources (the first Ip also as evidence.sourceIp).
// Incident owner: the analyst the incident is assigned to is not who the incident is about, so the owner is kept
//   as a resource of type "sentinel-incident-owner" (uid = UPN, name = email) and never as an identity: scoring
//   or remediating the SOC analyst for the incident they triage would be wrong.
// Subscription → cloud.account; the Log Analytics workspace → a resource.
import { z } from 'zod';
import type { Finding, Reference, Resource } from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import { azurePrincipalIdentity, principalIdentity } from '../identity-keys.ts';
import { quoteRedacted } from '../secret-shapes.ts';
import { type Adapter, RecordError } from './adapter.ts';
import { buildFinding } from './build.ts';
import { clip, evidenceOf, identityFromName, siemKind, str, strs, techniqueRefs } from './siem-common.ts';
import { findingId, isObject, parseRecord, requireTime, severityFromLabel } from './util.ts';

const Str = z.string().nullish();
const StrList = z.array(z.string()).nullish();
const Entity = z.looseObject({});
const Owner = z.looseObject({ objectId: Str, email: Str, userPrincipalName: Str, assignedTo: Str });

const ArmIncident = z.looseObject({
  id: z.string(),
  name: Str,
  type: z.string(),
  properties: z.looseObject({
    title: z.string(),
    description: Str,
    severity: Str,
    status: Str,
    classification: Str,
    classificationReason: Str,
    owner: Owner.nullish(),
    createdTimeUtc: Str,
    lastModifiedTimeUtc: Str,
    firstActivityTimeUtc: Str,
    lastActivityTimeUtc: Str,
    incidentNumber: z.union([z.number(), z.string()]).nullish(),
    incidentUrl: Str,
    providerName: Str,
    relatedAnalyticRuleIds: StrList,
    additionalData: z
      .looseObject({ tactics: StrList, techniques: StrList, alertProductNames: StrList })
      .nullish(),
    relatedEntities: z.array(Entity).nullish(),
  }),
});

const ResourceIdentifier = z.looseObject({
  type: Str,
  workspaceId: Str,
  subscriptionId: Str,
  resourceGroup: Str,
  azureResourceId: Str,
  resourceId: Str,
});

const ArmAlert = z.looseObject({
  id: z.string(),
  name: Str,
  type: z.string(),
  kind: Str,
  properties: z.looseObject({
    systemAlertId: Str,
    alertDisplayName: Str,
    friendlyName: Str,
    alertType: Str,
    description: Str,
    severity: Str,
    status: Str,
    tactics: StrList,
    techniques: StrList,
    timeGenerated: Str,
    startTimeUtc: Str,
    endTimeUtc: Str,
    processingEndTime: Str,
    confidenceLevel: Str,
    confidenceScore: z.number().nullish(),
    compromisedEntity: Str,
    productName: Str,
    vendorName: Str,
    alertLink: Str,
    resourceIdentifiers: z.array(ResourceIdentifier).nullish(),
    entities: z.array(Entity).nullish(),
    relatedEntities: z.array(Entity).nullish(),
  }),
});

const JsonOr = <T extends z.ZodType>(s: T) => z.union([z.string(), s]).nullish();

const LaAlert = z.looseObject({
  Type: z.literal('SecurityAlert'),
  TimeGenerated: z.string(),
  AlertName: Str,
  DisplayName: Str,
  AlertType: Str,
  Description: Str,
  AlertSeverity: Str,
  Status: Str,
  SystemAlertId: Str,
  ProviderName: Str,
  ProductName: Str,
  VendorName: Str,
  StartTime: Str,
  CompromisedEntity: Str,
  ConfidenceScore: z.union([z.number(), z.string()]).nullish(),
  Tactics: Str,
  Techniques: JsonOr(z.array(z.string())),
  Entities: JsonOr(z.array(Entity)),
  WorkspaceSubscriptionId: Str,
  _Internal_WorkspaceResourceId: Str,
  TenantId: Str,
});

const LaIncident = z.looseObject({
  Type: z.literal('SecurityIncident'),
  TimeGenerated: z.string(),
  IncidentName: Str,
  IncidentNumber: z.union([z.number(), z.string()]).nullish(),
  Title: z.string(),
  Description: Str,
  Severity: Str,
  Status: Str,
  Classification: Str,
  Owner: JsonOr(Owner),
  CreatedTime: Str,
  IncidentUrl: Str,
  ProviderName: Str,
  RelatedAnalyticRuleIds: JsonOr(z.array(z.string())),
  AdditionalData: JsonOr(z.looseObject({ tactics: StrList, techniques: StrList })),
  _ResourceId: Str,
  TenantId: Str,
});

/** What every shape is reduced to before mapping. */
interface View {
  what: 'incident' | 'alert';
  nativeId: string;
  armId?: string;
  title: string;
  description?: string;
  severity?: string;
  status?: string;
  time: string;
  tactics: string[];
  techniques: string[];
  ruleIds: string[];
  owner?: z.infer<typeof Owner>;
  entities: unknown[];
  subscription?: string;
  workspaceResources: Resource[];
  evidence: Record<string, string | number | boolean | null | undefined>;
  confidence?: number;
  tenant?: string;
}

const ARM_WORKSPACE =
  /^(\/subscriptions\/([^/]+)\/resourcegroups\/[^/]+\/providers\/microsoft\.operationalinsights\/workspaces\/([^/]+))/i;

function workspaceFromArmId(id: string | undefined): { subscription?: string; resource?: Resource } {
  const m = id ? ARM_WORKSPACE.exec(id) : null;
  if (!m) {
    const sub = id ? /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] : undefined;
    return { subscription: sub };
  }
  return {
    subscription: m[2],
    resource: { uid: m[1]!, type: 'log-analytics-workspace', name: m[3], account: m[2] },
  };
}

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

const isArmType = (t: unknown, suffix: RegExp) => typeof t === 'string' && suffix.test(t);
const INCIDENT_TYPE = /^microsoft\.securityinsights\/incidents$/i;
const ENTITY_TYPE = /^microsoft\.securityinsights\/(entities|alerts)$/i;

function fromArmIncident(rec: z.infer<typeof ArmIncident>): View {
  const p = rec.properties;
  const ws = workspaceFromArmId(rec.id);
  return {
    what: 'incident',
    nativeId: rec.name ?? rec.id,
    armId: rec.id,
    title: p.title,
    description: p.description ?? undefined,
    severity: p.severity ?? undefined,
    status: p.status ?? undefined,
    time: requireTime('sentinel incident', p.createdTimeUtc, p.firstActivityTimeUtc, p.lastModifiedTimeUtc),
    tactics: p.additionalData?.tactics ?? [],
    techniques: p.additionalData?.techniques ?? [],
    ruleIds: p.relatedAnalyticRuleIds ?? [],
    owner: p.owner ?? undefined,
    entities: p.relatedEntities ?? [],
    subscription: ws.subscription,
    workspaceResources: ws.resource ? [ws.resource] : [],
    evidence: {
      incidentNumber: p.incidentNumber ?? undefined,
      classification: p.classification ?? undefined,
      classificationReason: p.classificationReason ?? undefined,
      provider: p.providerName ?? undefined,
      products: p.additionalData?.alertProductNames?.join(', ') || undefined,
      lastActivity: p.lastActivityTimeUtc ?? undefined,
      url: p.incidentUrl ?? undefined,
    },
  };
}

function fromArmAlert(rec: z.infer<typeof ArmAlert>): View {
  const p = rec.properties;
  const ws = workspaceFromArmId(rec.id);
  const workspaceResources: Resource[] = ws.resource ? [ws.resource] : [];
  let subscription: string | undefined;
  for (const r of p.resourceIdentifiers ?? []) {
    subscription ??= r.subscriptionId ?? undefined;
    if (r.workspaceId)
      workspaceResources.push({
        uid: r.workspaceId,
        type: 'log-analytics-workspace',
        account: r.subscriptionId ?? undefined,
      });
    const azureId = r.azureResourceId ?? r.resourceId;
    if (azureId)
      workspaceResources.push({
        uid: azureId,
        type: 'azure-resource',
        account: workspaceFromArmId(azureId).subscription,
      });
  }
  return {
    what: 'alert',
    nativeId: p.systemAlertId ?? rec.name ?? rec.id,
    armId: rec.id,
    title: p.alertDisplayName ?? p.friendlyName ?? p.alertType ?? 'Sentinel alert',
    description: p.description ?? undefined,
    severity: p.severity ?? undefined,
    status: p.status ?? undefined,
    time: requireTime('sentinel alert', p.timeGenerated, p.startTimeUtc, p.processingEndTime),
    tactics: p.tactics ?? [],
    techniques: p.techniques ?? [],
    ruleIds: [],
    entities: [...(p.entities ?? []), ...(p.relatedEntities ?? [])],
    subscription: subscription ?? ws.subscription,
    workspaceResources,
    confidence: typeof p.confidenceScore === 'number' ? p.confidenceScore : undefined,
    evidence: {
      alertType: p.alertType ?? undefined,
      product: p.productName ?? undefined,
      vendor: p.vendorName ?? undefined,
      confidenceLevel: p.confidenceLevel ?? undefined,
      compromisedEntity: p.compromisedEntity ?? undefined,
      startTime: p.startTimeUtc ?? undefined,
      endTime: p.endTimeUtc ?? undefined,
      url: p.alertLink ?? undefined,
    },
  };
}

function fromLaAlert(rec: z.infer<typeof LaAlert>): View {
  const ws = workspaceFromArmId(rec._Internal_WorkspaceResourceId ?? undefined);
  const entities = parseJson(rec.Entities);
  const techniques = parseJson(rec.Techniques);
  const score = typeof rec.ConfidenceScore === 'string' ? Number(rec.ConfidenceScore) : rec.ConfidenceScore;
  return {
    what: 'alert',
    nativeId: rec.SystemAlertId ?? `${rec.AlertName}@${rec.TimeGenerated}`,
    title: rec.AlertName ?? rec.DisplayName ?? rec.AlertType ?? 'Sentinel alert',
    description: rec.Description ?? undefined,
    severity: rec.AlertSeverity ?? undefined,
    status: rec.Status ?? undefined,
    time: requireTime('sentinel SecurityAlert row', rec.TimeGenerated, rec.StartTime),
    tactics: (rec.Tactics ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter((t) => t && t !== 'Unknown'),
    techniques: Array.isArray(techniques) ? strs(techniques) : [],
    ruleIds: [],
    entities: Array.isArray(entities) ? entities : [],
    subscription: rec.WorkspaceSubscriptionId ?? ws.subscription,
    workspaceResources: ws.resource ? [ws.resource] : [],
    confidence: typeof score === 'number' && Number.isFinite(score) ? score : undefined,
    tenant: rec.TenantId ?? undefined,
    evidence: {
      alertType: rec.AlertType ?? undefined,
      provider: rec.ProviderName ?? undefined,
      product: rec.ProductName ?? undefined,
      vendor: rec.VendorName ?? undefined,
      compromisedEntity: rec.CompromisedEntity ?? undefined,
      entitiesUnreadable: rec.Entities && !Array.isArray(entities) ? true : undefined,
    },
  };
}

function fromLaIncident(rec: z.infer<typeof LaIncident>): View {
  const owner = parseJson(rec.Owner);
  const data = parseJson(rec.AdditionalData);
  const rules = parseJson(rec.RelatedAnalyticRuleIds);
  const ws = workspaceFromArmId(rec._ResourceId ?? undefined);
  const parsedOwner = Owner.safeParse(owner);
  const parsedData = isObject(data) ? data : {};
  return {
    what: 'incident',
    nativeId: rec.IncidentName ?? `${rec.IncidentNumber}`,
    title: rec.Title,
    description: rec.Description ?? undefined,
    severity: rec.Severity ?? undefined,
    status: rec.Status ?? undefined,
    time: requireTime('sentinel SecurityIncident row', rec.CreatedTime, rec.TimeGenerated),
    tactics: strs(parsedData.tactics),
    techniques: strs(parsedData.techniques),
    ruleIds: Array.isArray(rules) ? strs(rules) : [],
    owner: parsedOwner.success ? parsedOwner.data : undefined,
    entities: [],
    subscription: ws.subscription,
    workspaceResources: ws.resource ? [ws.resource] : [],
    tenant: rec.TenantId ?? undefined,
    evidence: {
      incidentNumber: rec.IncidentNumber ?? undefined,
      classification: rec.Classification ?? undefined,
      provider: rec.ProviderName ?? undefined,
      url: rec.IncidentUrl ?? undefined,
    },
  };
}

/** Entity property by its ARM (camelCase) or Log Analytics (PascalCase, "UPNSuffix") name: case-insensitive. */
function prop(e: Record<string, unknown>, name: string): string | undefined {
  if (Object.hasOwn(e, name)) return str(e[name]);
  const lower = name.toLowerCase();
  for (const k of Object.keys(e)) if (k.toLowerCase() === lower) return str(e[k]);
  return undefined;
}

function fromEntities(entities: unknown[], tenantDefault?: string) {
  const identities: IdentityRef[] = [];
  const resources: Resource[] = [];
  const ips: string[] = [];
  for (const raw of entities) {
    if (!isObject(raw)) continue;
    const props = isObject(raw.properties) ? raw.properties : raw;
    const kind = (str(raw.kind) ?? str(raw.Type) ?? str(raw.type) ?? '').toLowerCase().replace(/[-_\s]/g, '');
    if (kind === 'account') {
      const name = prop(props, 'accountName') ?? prop(props, 'name');
      const suffix = prop(props, 'upnSuffix');
      const upn = prop(props, 'userPrincipalName') ?? (name && suffix ? `${name}@${suffix}` : undefined);
      const aad = prop(props, 'aadUserId');
      const tenant = prop(props, 'aadTenantId') ?? tenantDefault;
      const aliases = [upn, prop(props, 'sid'), prop(props, 'objectGuid')].filter((x): x is string => !!x);
      if (aad) identities.push({ ...azurePrincipalIdentity(aad, { name: upn ?? name, tenant }), aliases });
      else {
        const id = identityFromName(upn ?? name, { provider: suffix || tenant ? 'azure' : 'generic' });
        if (id) identities.push(id);
      }
    } else if (kind === 'cloudapplication') {
      const appName = prop(props, 'appName') ?? prop(props, 'name');
      const appId = prop(props, 'appId');
      const label = appName ?? appId;
      if (label)
        identities.push({
          ...principalIdentity('azure', label),
          aliases: appId && appId !== label ? [appId] : [],
        });
    } else if (kind === 'azureresource') {
      const rid = prop(props, 'resourceId');
      if (rid)
        resources.push({ uid: rid, type: 'azure-resource', account: workspaceFromArmId(rid).subscription });
    } else if (kind === 'host') {
      const host = prop(props, 'hostName') ?? prop(props, 'netBiosName') ?? prop(props, 'dnsDomain');
      if (host) resources.push({ uid: host, type: 'host', name: host });
    } else if (kind === 'ip') {
      const ip = prop(props, 'address');
      if (ip) {
        ips.push(ip);
        resources.push({ uid: ip, type: 'ip-address' });
      }
    }
  }
  // An access key named beside exactly one AWS user/role in the same alert belongs to it.
  const owners = identities.filter((i) => i.type === 'aws-user' || i.type === 'aws-role');
  const linked = identities.map((i) =>
    i.type === 'aws-access-key' && !i.owner && owners.length === 1
      ? { ...i, owner: owners[0]!.key, account: i.account ?? owners[0]!.account }
      : i,
  );
  return { identities: linked, resources, ips };
}

const RESOLVED = new Set(['closed', 'resolved']);

/** Incident Closed / alert Resolved → resolved; alert Dismissed → suppressed; the classification is the reason. */
function statusOf(v: View): { status: Finding['status']; statusReason?: string } {
  const said = v.status?.toLowerCase() ?? '';
  const status = RESOLVED.has(said) ? 'resolved' : said === 'dismissed' ? 'suppressed' : 'open';
  if (status === 'open') return { status };
  const why = [v.evidence.classification, v.evidence.classificationReason].filter(
    (x): x is string => typeof x === 'string' && x !== '',
  );
  return why.length ? { status, statusReason: why.join(': ') } : { status };
}

function toFinding(v: View): Finding {
  const { identities, resources, ips } = fromEntities(v.entities, v.tenant);
  const ownerResources: Resource[] = [];
  if (v.owner) {
    const upn = v.owner.userPrincipalName ?? v.owner.email ?? v.owner.objectId ?? undefined;
    if (upn) {
      const name = v.owner.email && v.owner.email !== upn ? v.owner.email : (v.owner.assignedTo ?? undefined);
      ownerResources.push({ uid: upn, type: 'sentinel-incident-owner', name });
    }
  }
  const { status, statusReason } = statusOf(v);
  const references: Reference[] = [
    ...v.ruleIds.map((r) => ({ kind: 'rule' as const, id: r.split('/').at(-1) || r })),
    ...techniqueRefs(v.techniques),
  ];
  const alertType = typeof v.evidence.alertType === 'string' ? v.evidence.alertType : undefined;
  if (alertType) references.push({ kind: 'rule', id: alertType });
  const confidence =
    v.confidence === undefined
      ? undefined
      : Math.max(0, Math.min(100, v.confidence <= 1 ? v.confidence * 100 : v.confidence));
  return buildFinding({
    // The id predates suppressed: an alert dismissed keeps the id it had as "resolved".
    id: findingId('sentinel', v.what, v.armId ?? v.nativeId, status === 'open' ? 'open' : 'resolved'),
    source: {
      format: 'sentinel',
      product: v.what === 'incident' ? 'Microsoft Sentinel incident' : 'Microsoft Sentinel alert',
      vendor: 'Microsoft',
      nativeId: v.nativeId,
    },
    // Not the description: an alert's description may interpolate event fields an attacker can write.
    kind: siemKind([v.title, alertType], v.tactics),
    status,
    ...(statusReason ? { statusReason } : {}),
    title: v.title,
    description: clip(v.description, 1000),
    severity: severityFromLabel(v.severity, 'medium'),
    confidence,
    time: v.time,
    identities,
    resources: [...v.workspaceResources, ...resources, ...ownerResources],
    cloud: v.subscription ? { provider: 'azure', account: v.subscription } : undefined,
    references,
    evidence: evidenceOf({
      ...v.evidence,
      status: v.status,
      tactics: v.tactics.join(', ') || undefined,
      sourceIp: ips[0],
      owner: v.owner?.assignedTo ?? undefined,
    }),
  });
}

/** The Logic App alert trigger's body: the alert's fields without a Log Analytics `Type` column. */
const isAlertTrigger = (doc: Record<string, unknown>) =>
  doc.Type === undefined &&
  typeof doc.SystemAlertId === 'string' &&
  (typeof doc.AlertDisplayName === 'string' || typeof doc.AlertType === 'string') &&
  ('StartTimeUtc' in doc || 'TimeGenerated' in doc);

/** The Logic App entity trigger's body: one entity a playbook was run on, no alert. */
const isEntityTrigger = (doc: Record<string, unknown>) =>
  isObject(doc.Entity) &&
  ('EntityType' in doc || 'IncidentArmId' in doc || 'WorkspaceInfo' in doc || 'WorkspaceId' in doc);

/** The alert trigger's fields under the SecurityAlert row's names (Intent holds the tactics). */
function alertTriggerAsRow(doc: Record<string, unknown>): Record<string, unknown> {
  return {
    ...doc,
    Type: 'SecurityAlert',
    TimeGenerated: doc.TimeGenerated ?? doc.StartTimeUtc,
    AlertName: doc.AlertDisplayName,
    AlertSeverity: doc.Severity ?? doc.AlertSeverity,
    StartTime: doc.StartTimeUtc,
    Tactics: doc.Tactics ?? doc.Intent,
  };
}

function shapeOf(
  doc: Record<string, unknown>,
):
  | 'arm-incident'
  | 'arm-alert'
  | 'la-alert'
  | 'la-incident'
  | 'alert-trigger'
  | 'entity-trigger'
  | undefined {
  if (isArmType(doc.type, INCIDENT_TYPE)) return 'arm-incident';
  if (isArmType(doc.type, ENTITY_TYPE) && (doc.kind === undefined || doc.kind === 'SecurityAlert'))
    return 'arm-alert';
  if (doc.Type === 'SecurityAlert' && 'TimeGenerated' in doc) return 'la-alert';
  if (doc.Type === 'SecurityIncident' && 'TimeGenerated' in doc) return 'la-incident';
  if (isAlertTrigger(doc)) return 'alert-trigger';
  if (isEntityTrigger(doc)) return 'entity-trigger';
  return undefined;
}

function unwrap(doc: unknown): unknown[] {
  if (Array.isArray(doc)) return doc.flatMap(unwrap);
  if (isObject(doc)) {
    if (Array.isArray(doc.value) && !('type' in doc) && !('Type' in doc)) return doc.value;
    // Logic App / automation trigger payload: the incident is under `object`.
    if (isObject(doc.object) && ('workspaceId' in doc || 'incidentArmId' in doc || 'workspaceInfo' in doc))
      return [doc.object];
  }
  return [doc];
}

export const sentinelAdapter: Adapter = {
  format: 'sentinel',
  signature:
    'Microsoft Sentinel: ARM type Microsoft.SecurityInsights/incidents or Entities kind SecurityAlert, a SecurityAlert/SecurityIncident Log Analytics row, or a Logic App incident/alert trigger body',
  detect(doc) {
    const first = unwrap(doc)[0];
    return isObject(first) && shapeOf(first) !== undefined;
  },
  records: unwrap,
  variant(doc) {
    if (Array.isArray(doc)) return 'list';
    if (isObject(doc) && Array.isArray(doc.value) && !('type' in doc) && !('Type' in doc)) return 'rest-list';
    const first = unwrap(doc)[0];
    if (first !== doc) return 'automation-trigger';
    return (isObject(first) && shapeOf(first)) || 'record';
  },
  normalize(record) {
    if (!isObject(record)) throw new RecordError('not a valid sentinel record: (record): expected an object');
    switch (shapeOf(record)) {
      case 'arm-incident':
        return [toFinding(fromArmIncident(parseRecord(ArmIncident, record, 'sentinel incident')))];
      case 'arm-alert':
        return [toFinding(fromArmAlert(parseRecord(ArmAlert, record, 'sentinel alert')))];
      case 'la-alert':
        return [toFinding(fromLaAlert(parseRecord(LaAlert, record, 'sentinel SecurityAlert row')))];
      case 'la-incident':
        return [toFinding(fromLaIncident(parseRecord(LaIncident, record, 'sentinel SecurityIncident row')))];
      case 'alert-trigger':
        return [
          toFinding(fromLaAlert(parseRecord(LaAlert, alertTriggerAsRow(record), 'sentinel alert trigger'))),
        ];
      case 'entity-trigger': {
        const entity = record.Entity as Record<string, unknown>;
        const kind = record.EntityType ?? entity.kind ?? entity.Type ?? null;
        throw new RecordError(
          `sentinel: a Logic App entity trigger (entity ${quoteRedacted(kind, 40)}): one entity a playbook was run on, with no alert or incident: not read; send the incident or alert trigger`,
        );
      }
      default:
        throw new RecordError(
          `not a sentinel incident or alert: type ${quoteRedacted(record.type ?? record.Type ?? null, 80)} (expected Microsoft.SecurityInsights/incidents, an Entities SecurityAlert, or a SecurityAlert/SecurityIncident row)`,
        );
    }
  },
};

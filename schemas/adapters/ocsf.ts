// OCSF events → canonical findings. Findings category (2xxx): Detection Finding 2004 (Prowler 1.4, the OCSF
// project's Security Hub/GuardDuty and Okta mappings), Compliance Finding 2003, Vulnerability 2002, Incident
// 2005, Data Security 2006, Application Security Posture 2007, IAM Analysis 2008 and the legacy Security Finding
// 2001. The Identity & Access Management classes (Authentication 3002, Account Change 3001, …) and API Activity 6003
// (Security Lake's CloudTrail) are read as 'activity'. Every other OCSF class (Network Activity 4001, Process
// Activity 1007, Device Inventory Info 5001, …) is refused naming it: ocsf-classes.ts lists them all.
//
// Shapes read: one event object, an array of events (Prowler's file), JSON lines.
// Time: `time` (epoch; OCSF says milliseconds, Prowler writes seconds — told apart by size), then time_dt.
// Prowler's *_dt strings carry no zone and are local time, so the epoch wins.
//
// Prowler's MANUAL results are skipped (no finding emitted): "could not be checked automatically" asserts nothing
// about the resource, so there is nothing to score or enforce; a reviewer sees it in Prowler, not as a risk here.
// Status: status_code PASS, compliance.status Pass (status_id 1) → passed; status Suppressed (status_id 3) →
// suppressed; Resolved/Archived/Deleted (status_id 4/5/6) → resolved (status_detail as the reason): a passing check is the tool saying the failure it reported for that check and resource is gone, and
// it carries the same finding_info.uid (and the same check key), so it closes that failure. New, In Progress → open.
//
// Severity (severity_id): 0 Unknown and 1 Informational → info, 2 Low → low, 3 Medium → medium, 4 High → high,
// 5 Critical → critical, 6 Fatal → critical (score 100), 99 Other / absent → the `severity` caption's word.
// Scores are util.severityFromLabel's defaults (info 10, low 30, medium 50, high 75, critical 95).
//
// Kind (first match wins):
// | input                                                              | kind                            |
// |--------------------------------------------------------------------|---------------------------------|
// | not a finding class (category 2)                                   | activity                        |
// | Prowler check id (metadata.event_code): *secret* (not secretsmanager_*) → exposed-secret; rotate → stale-credential; unused → unused-credential; admin/full-access/wildcard/privilege-escalation/cluster-admin/root key → excess-privilege | per rule, else misconfiguration |
// | a GuardDuty type in finding_info.types (Security Hub mapping)      | aws-common guardDutyKind        |
// | compliance.control (IAM.3, CIS …)                                  | aws-common controlKind          |
// | words of finding_info.title                                        | aws-common kindFromText         |
// | Detection 2004 / Incident 2005 (a detector fired)                  | anomalous-use                   |
// | other finding classes                                              | misconfiguration                |
//
// Identities: actor.user / evidences[].actor.user (uid or uuid ARN, uid_alt/uid principal id, name + type +
// account, session.issuer, credential_uid = the access key, owned by the user); resources[] whose uid is a
// principal ARN, an "AWS::IAM::AccessKey:…" id (owner from the resource's data, an object or the Security Hub
// mapping's JSON string), a GCP service account e-mail, or a Kubernetes ServiceAccount; an Okta actor kept
// under unmapped.actor when it is a user or app (an IP address actor is evidence only). Other resources stay
// resources, and so do GuardDuty affectedResources the Security Hub mapping leaves under unmapped.
import { z } from 'zod';
import type { Finding, FindingKind, Reference, Resource, Severity } from '../finding.ts';
import type { IdentityRef, Provider } from '../identity.ts';
import {
  awsAccessKeyIdentity,
  awsIdentityFromArn,
  azurePrincipalIdentity,
  gcpServiceAccountIdentity,
  k8sServiceAccountIdentity,
  principalIdentity,
} from '../identity-keys.ts';
import { type Adapter, RecordError } from './adapter.ts';
import {
  accessKeyIdFromResourceId,
  accessKeyWithOwner,
  awsPrincipal,
  controlKind,
  definedFacts,
  eventBridgeDetailType,
  guardDutyKind,
  guardDutyTypeFromTaxonomy,
  kindFromText,
  optNumber,
  optString,
  resourceFromArn,
} from './aws-common.ts';
import { buildFinding } from './build.ts';
import { ocsfClassRefusal } from './ocsf-classes.ts';
import { clip } from './siem-common.ts';
import { compact, findingId, isObject, parseRecord, requireTime, severityFromLabel } from './util.ts';

const str = optString;
const time = z.union([z.number(), z.string()]).nullish();

const User = z
  .object({
    uid: str,
    uuid: str,
    uid_alt: str,
    name: str,
    type: str,
    email_addr: str,
    credential_uid: str,
    account_uid: str,
    account: z.object({ uid: str }).nullish(),
  })
  .nullish();

const Actor = z
  .object({
    user: User,
    session: z.object({ issuer: str, is_mfa: z.boolean().nullish() }).nullish(),
    invoked_by: str,
  })
  .nullish();

const Api = z.object({ operation: str, service: z.object({ name: str }).nullish() }).nullish();
const Endpoint = z.object({ ip: str }).nullish();

const OcsfResource = z.object({
  uid: str,
  name: str,
  type: str,
  region: str,
  namespace: str,
  cloud_partition: str,
  account_uid: str,
  data: z.unknown().nullish(),
});
type OcsfResource = z.infer<typeof OcsfResource>;

const Attack = z.object({ technique: z.object({ uid: str }).nullish() });

const OcsfEvent = z.object({
  class_uid: z.number(),
  class_name: str,
  category_uid: optNumber,
  time,
  time_dt: str,
  message: str,
  severity_id: optNumber,
  severity: str,
  status: str,
  status_id: optNumber,
  status_code: str,
  status_detail: str,
  action: str,
  disposition: str,
  confidence_score: optNumber,
  metadata: z
    .object({
      uid: str,
      event_code: str,
      product: z.object({ name: str, vendor_name: str, uid: str }).nullish(),
    })
    .nullish(),
  finding_info: z
    .object({
      uid: str,
      title: str,
      desc: str,
      types: z.array(z.string()).nullish(),
      created_time: time,
      created_time_dt: str,
      modified_time: time,
      modified_time_dt: str,
      analytic: z.object({ uid: str, name: str }).nullish(),
      attacks: z.array(Attack).nullish(),
    })
    .nullish(),
  cloud: z
    .object({ provider: str, region: str, project_uid: str, account: z.object({ uid: str }).nullish() })
    .nullish(),
  actor: Actor,
  api: Api,
  src_endpoint: Endpoint,
  evidences: z.array(z.object({ actor: Actor, api: Api, src_endpoint: Endpoint })).nullish(),
  resources: z.array(OcsfResource).nullish(),
  resource: OcsfResource.nullish(),
  compliance: z
    .object({
      control: str,
      status: str,
      status_id: optNumber,
      requirements: z.array(z.string()).nullish(),
    })
    .nullish(),
  attacks: z.array(Attack).nullish(),
  vulnerabilities: z
    .array(z.object({ cve: z.object({ uid: str }).nullish(), cwe: z.object({ uid: str }).nullish() }))
    .nullish(),
  unmapped: z.unknown().nullish(),
});
type OcsfEvent = z.infer<typeof OcsfEvent>;

// --- shapes --------------------------------------------------------------------------------------------------

/** An OCSF event: a numeric class_uid with OCSF's metadata object and a category, type or activity id. */
function isEvent(doc: unknown): boolean {
  return (
    isObject(doc) &&
    typeof doc.class_uid === 'number' &&
    isObject(doc.metadata) &&
    (typeof doc.category_uid === 'number' ||
      typeof doc.type_uid === 'number' ||
      typeof doc.activity_id === 'number')
  );
}

// --- severity, status, kind --------------------------------------------------------------------------------------

const SEVERITY_IDS: Record<number, Severity> = {
  0: severityFromLabel('info'),
  1: severityFromLabel('info'),
  2: severityFromLabel('low'),
  3: severityFromLabel('medium'),
  4: severityFromLabel('high'),
  5: severityFromLabel('critical'),
  6: { label: 'critical', score: 100 },
};

const severityOf = (e: OcsfEvent): Severity =>
  (e.severity_id !== undefined ? SEVERITY_IDS[e.severity_id] : undefined) ?? severityFromLabel(e.severity);

const isFindingClass = (e: OcsfEvent) => e.category_uid === 2 || (e.class_uid >= 2000 && e.class_uid < 3000);
const isProwler = (e: OcsfEvent) => /prowler/i.test(e.metadata?.product?.name ?? '');

/** A (Prowler) MANUAL result asserts nothing: not a finding. */
const isNotAFinding = (e: OcsfEvent): boolean => e.status_code?.toUpperCase() === 'MANUAL' && isProwler(e);

/** PASS or compliant: the check holds now. */
function passed(e: OcsfEvent): boolean {
  if (e.status_code?.toUpperCase() === 'PASS') return true;
  const c = e.compliance;
  return c?.status_id === 1 || /^pass/i.test(c?.status ?? '');
}

/** OCSF status_id: 1 New, 2 In Progress, 3 Suppressed, 4 Resolved, 5 Archived, 6 Deleted. */
const STATUS_IDS: Record<number, string> = { 3: 'suppressed', 4: 'resolved', 5: 'archived', 6: 'deleted' };

/**
 * The caption wins over the id when both are written: Prowler 4.2 writes status "New" with status_id 3, which
 * would read as Suppressed.
 */
function statusOf(e: OcsfEvent): { status: Finding['status']; statusReason?: string } {
  if (passed(e)) return { status: 'passed' };
  const said = (
    e.status?.trim() ||
    (e.status_id !== undefined ? STATUS_IDS[e.status_id] : '') ||
    ''
  ).toLowerCase();
  const reason = e.status_detail?.trim() ? { statusReason: e.status_detail.trim() } : {};
  if (said === 'suppressed') return { status: 'suppressed', ...reason };
  if (/^(resolved|archived|closed|deleted)$/.test(said)) return { status: 'resolved', ...reason };
  return { status: 'open' };
}

function prowlerKind(check: string): FindingKind {
  if (/secret/.test(check) && !/^secretsmanager_/.test(check)) return 'exposed-secret';
  return kindFromText(check) ?? 'misconfiguration';
}

function kindOf(e: OcsfEvent, guardDutyType: string | undefined): FindingKind {
  if (!isFindingClass(e)) return 'activity';
  if (isProwler(e) && e.metadata?.event_code) return prowlerKind(e.metadata.event_code);
  if (guardDutyType) return guardDutyKind(guardDutyType);
  const control = controlKind(e.compliance?.control);
  if (control) return control;
  const fromText = kindFromText(e.finding_info?.title ?? '');
  if (fromText) return fromText;
  return e.class_uid === 2004 || e.class_uid === 2005 ? 'anomalous-use' : 'misconfiguration';
}

// --- identities and resources --------------------------------------------------------------------------------

interface Scope {
  provider?: string;
  account?: string;
  region?: string;
  vendor?: string;
}

const GCP_SA = /^[^@\s]+@[^@\s]+\.gserviceaccount\.com$/i;
const AZURE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function providerOf(scope: Scope): Provider {
  const p = (scope.provider ?? '').toLowerCase();
  if (p === 'aws' || p === 'gcp' || p === 'azure' || p === 'kubernetes' || p === 'github' || p === 'okta')
    return p;
  if (/okta/i.test(scope.vendor ?? '')) return 'okta';
  return 'generic';
}

function actorIdentities(actor: z.infer<typeof Actor>, scope: Scope): IdentityRef[] {
  const user = actor?.user;
  if (!user) return [];
  const ids = [user.uid, user.uuid, user.uid_alt];
  const arn = ids.find((v) => v?.startsWith('arn:'));
  const plainId = ids.find((v) => v && !v.startsWith('arn:'));
  const account = user.account?.uid ?? user.account_uid ?? scope.account;
  const cred = user.credential_uid;
  const provider = providerOf(scope);
  const aws =
    provider === 'aws' ||
    arn !== undefined ||
    /^(AKIA|ASIA)/.test(cred ?? '') ||
    actor?.session?.issuer?.startsWith('arn:');
  let principal: IdentityRef | undefined;
  if (aws) {
    principal = awsPrincipal({
      type: user.type,
      arn,
      name: user.name,
      principalId: plainId,
      account,
      issuerArn: actor?.session?.issuer,
      service: actor?.invoked_by,
    });
  } else {
    const email = [user.email_addr, user.uid, user.name].find((v) => v && GCP_SA.test(v));
    const name = user.name ?? user.email_addr ?? user.uid;
    if (email) principal = gcpServiceAccountIdentity(email);
    else if (provider === 'azure' && user.uid && AZURE_ID.test(user.uid))
      principal = azurePrincipalIdentity(user.uid, { name: user.name });
    else if (name) principal = principalIdentity(provider, name, account);
  }
  const key = cred && aws ? awsAccessKeyIdentity(cred, principal, account) : undefined;
  return compact([principal, key]);
}

/** A resource's data: an object (Prowler) or the Security Hub mapping's JSON string of ASFF Details. */
function dataOf(res: OcsfResource): Record<string, unknown> {
  if (isObject(res.data)) return res.data;
  if (typeof res.data === 'string' && res.data.startsWith('{') && res.data.length < 100_000) {
    try {
      const parsed: unknown = JSON.parse(res.data);
      return isObject(parsed) ? parsed : {};
    } catch {
      return {};
    }
  }
  return {};
}

const s = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

function resourceIdentities(res: OcsfResource, scope: Scope): Array<IdentityRef | undefined> {
  const data = dataOf(res);
  const keyDetails = isObject(data.AwsIamAccessKey) ? data.AwsIamAccessKey : undefined;
  const keyId = s(keyDetails?.AccessKeyId) ?? accessKeyIdFromResourceId(res.uid);
  const account = res.account_uid ?? scope.account;
  if (res.type === 'AwsIamAccessKey' || keyDetails || keyId) {
    const issuer = isObject(keyDetails?.SessionContext) ? keyDetails.SessionContext.SessionIssuer : undefined;
    const { key, owner } = accessKeyWithOwner(keyId, {
      type: s(keyDetails?.PrincipalType) ?? (s(keyDetails?.UserName) ? 'IAMUser' : undefined),
      name: s(keyDetails?.PrincipalName) ?? s(keyDetails?.UserName),
      principalId: s(keyDetails?.PrincipalId),
      account: s(keyDetails?.AccountId) ?? account,
      partition: res.cloud_partition,
      issuerArn: isObject(issuer) ? s(issuer.Arn) : undefined,
    });
    return [owner, key];
  }
  if (res.uid?.startsWith('arn:')) {
    const details = isObject(data.AwsIamUser)
      ? data.AwsIamUser
      : isObject(data.AwsIamRole)
        ? data.AwsIamRole
        : {};
    const alias = s(details.UserId) ?? s(details.RoleId);
    const id = awsIdentityFromArn(res.uid, { aliases: alias ? [alias] : [] });
    if (id) return [id];
  }
  const email = [res.uid, res.name].find((v) => v && GCP_SA.test(v));
  if (email) return [gcpServiceAccountIdentity(email)];
  if (/serviceaccount/i.test(res.type ?? '') && res.namespace && res.name) {
    return [k8sServiceAccountIdentity(res.namespace, res.name)];
  }
  return [];
}

function toResource(res: OcsfResource, scope: Scope): Resource | undefined {
  const uid = res.uid || res.name;
  if (!uid) return undefined;
  const fromArn = uid.startsWith('arn:') ? resourceFromArn(uid) : undefined;
  const region = res.region ?? fromArn?.region ?? scope.region;
  const account = res.account_uid ?? fromArn?.account ?? scope.account;
  return {
    uid,
    ...(res.type ? { type: res.type } : {}),
    ...(res.name && res.name !== uid ? { name: res.name } : {}),
    ...(region ? { region } : {}),
    ...(account ? { account } : {}),
  };
}

/** Security Hub mapping: GuardDuty's affectedResources survive only as unmapped "ProductFields.…" keys. */
function unmappedProductFields(unmapped: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(unmapped)) {
    if (k.startsWith('ProductFields.') && typeof v === 'string') out[k.slice('ProductFields.'.length)] = v;
  }
  return out;
}

/** Okta's actor (kept under unmapped by the OCSF mapping): a user or app is an identity, an IP is not. */
function oktaActor(unmapped: Record<string, unknown>, scope: Scope): IdentityRef | undefined {
  const actor = unmapped.actor;
  if (!isObject(actor)) return undefined;
  const type = s(actor.type) ?? '';
  if (!/^(user|publicclientapp|systemprincipal|app.*|client)$/i.test(type)) return undefined;
  const name = s(actor.alternateId) !== 'unknown' ? (s(actor.alternateId) ?? s(actor.id)) : s(actor.id);
  return name ? principalIdentity(providerOf(scope), name) : undefined;
}

// --- references and evidence -----------------------------------------------------------------------------------

function referencesOf(
  e: OcsfEvent,
  unmapped: Record<string, unknown>,
  guardDutyType: string | undefined,
): Reference[] {
  const refs: Reference[] = [];
  if (e.metadata?.event_code) refs.push({ kind: 'rule', id: e.metadata.event_code });
  if (e.finding_info?.analytic?.uid ?? e.finding_info?.analytic?.name) {
    refs.push({ kind: 'rule', id: (e.finding_info.analytic.uid ?? e.finding_info.analytic.name)! });
  }
  if (guardDutyType) refs.push({ kind: 'rule', id: guardDutyType });
  if (e.compliance?.control) refs.push({ kind: 'control', id: e.compliance.control });
  for (const req of e.compliance?.requirements ?? []) refs.push({ kind: 'control', id: req });
  // Prowler: unmapped.compliance = { "CIS-2.0": ["1.20"], "MITRE-ATTACK": ["T1190"], … }
  if (isObject(unmapped.compliance)) {
    for (const [framework, ids] of Object.entries(unmapped.compliance)) {
      if (!Array.isArray(ids)) continue;
      for (const id of ids) {
        if (typeof id !== 'string' || !id || /\s/.test(id) || id.length > 40) continue;
        refs.push(
          /^T\d{4}/.test(id) ? { kind: 'technique', id } : { kind: 'control', id: `${framework} ${id}` },
        );
      }
    }
  }
  for (const a of [...(e.finding_info?.attacks ?? []), ...(e.attacks ?? [])]) {
    if (a.technique?.uid) refs.push({ kind: 'technique', id: a.technique.uid });
  }
  for (const v of e.vulnerabilities ?? []) {
    if (v.cve?.uid) refs.push({ kind: 'cve', id: v.cve.uid });
    if (v.cwe?.uid) refs.push({ kind: 'cwe', id: v.cwe.uid });
  }
  const url = s(unmapped.related_url);
  if (url) refs.push({ kind: 'url', id: url });
  return refs;
}

type Evidence = Record<string, string | number | boolean | null>;

function evidenceOf(
  e: OcsfEvent,
  unmapped: Record<string, unknown>,
  pf: Record<string, string>,
  guardDutyType?: string,
): Evidence {
  const ev0 = e.evidences?.find((x) => x.api || x.src_endpoint);
  const api = ev0?.api ?? e.api;
  const g = (path: string) => pf[`aws/guardduty/service/action/${path}`];
  const oktaActor = isObject(unmapped.actor) ? unmapped.actor : undefined;
  const ev: Record<string, string | number | boolean | undefined> = {
    eventCode: e.metadata?.event_code,
    statusCode: e.status_code,
    // Redacted before the cut: a cut through a credential would leave a piece no pattern recognises.
    statusDetail: clip(e.status_detail ?? undefined, 300),
    findingStatus: e.status,
    complianceStatus: e.compliance?.status,
    findingType: guardDutyType,
    api: api?.operation,
    apiService: api?.service?.name,
    srcIp: ev0?.src_endpoint?.ip ?? e.src_endpoint?.ip,
    callerType: g('awsApiCallAction/callerType'),
    asn: g('awsApiCallAction/remoteIpDetails/organization/asn'),
    asnOrg: g('awsApiCallAction/remoteIpDetails/organization/asnOrg'),
    action: e.action,
    disposition: e.disposition,
    namespace: [...(e.resources ?? []), e.resource].find((r) => r?.namespace)?.namespace,
    actorType: oktaActor ? s(oktaActor.type) : undefined,
    actorId: oktaActor && /ip/i.test(s(oktaActor.type) ?? '') ? s(oktaActor.id) : undefined,
  };
  return definedFacts(ev);
}

/** Title of a non-finding event (API Activity): "secretsmanager:GetSecretValue (API Activity)". */
function activityTitle(e: OcsfEvent): string {
  const api = e.api ?? e.evidences?.find((x) => x.api)?.api;
  const what = e.class_name ?? `OCSF class ${e.class_uid}`;
  if (!api?.operation) return what;
  const service = api.service?.name?.replace(/\.amazonaws\.com$/, '');
  return `${service ? `${service}:` : ''}${api.operation} (${what})`;
}

// --- the adapter ---------------------------------------------------------------------------------------------

function normalizeEvent(e: OcsfEvent) {
  const unmapped = isObject(e.unmapped) ? e.unmapped : {};
  const pf = unmappedProductFields(unmapped);
  const scope: Scope = {
    provider: e.cloud?.provider,
    account: e.cloud?.account?.uid || e.cloud?.project_uid || undefined,
    region: e.cloud?.region,
    vendor: e.metadata?.product?.vendor_name,
  };
  const guardDutyType = (e.finding_info?.types ?? [])
    .map(guardDutyTypeFromTaxonomy)
    .find((t) => t !== undefined);

  const identities: Array<IdentityRef | undefined> = [...actorIdentities(e.actor, scope)];
  for (const x of e.evidences ?? []) identities.push(...actorIdentities(x.actor, scope));
  identities.push(oktaActor(unmapped, scope));
  const resources: Resource[] = [];
  for (const res of compact([...(e.resources ?? []), e.resource])) {
    const found = compact(resourceIdentities(res, scope));
    if (found.length) identities.push(...found);
    else if (res.type !== 'AwsIamAccessKey') {
      const r = toResource(res, scope);
      if (r) resources.push(r);
    }
  }
  for (const [key, value] of Object.entries(pf)) {
    const type = /affectedResources\/(.+)$/.exec(key)?.[1];
    if (type && value)
      resources.push(value.startsWith('arn:') ? resourceFromArn(value, type) : { uid: value, type });
  }

  const fi = e.finding_info;
  const product = e.metadata?.product;
  const nativeId = fi?.uid ?? e.metadata?.uid;
  const provider = scope.provider?.toLowerCase();
  return buildFinding({
    id: findingId(
      'ocsf',
      product?.name,
      nativeId,
      e.class_uid,
      e.metadata?.event_code,
      ...(e.resources ?? []).map((r) => r.uid ?? r.name),
      // Without a native id only the time and title tell two events apart.
      ...(nativeId ? [] : [String(e.time ?? e.time_dt), fi?.title]),
    ),
    source: {
      format: 'ocsf',
      product: product?.name ?? 'unknown',
      vendor: product?.vendor_name ?? 'unknown',
      ...(nativeId ? { nativeId } : {}),
    },
    kind: kindOf(e, guardDutyType),
    ...statusOf(e),
    title: fi?.title ?? e.message ?? activityTitle(e),
    description: e.message && e.message !== fi?.title ? e.message : fi?.desc,
    severity: severityOf(e),
    ...(e.confidence_score !== undefined && e.confidence_score >= 0 && e.confidence_score <= 100
      ? { confidence: e.confidence_score }
      : {}),
    time: requireTime(
      'OCSF event',
      e.time,
      e.time_dt,
      fi?.created_time,
      fi?.created_time_dt,
      fi?.modified_time,
      fi?.modified_time_dt,
    ),
    identities: compact(identities),
    resources,
    ...(provider
      ? {
          cloud: {
            provider,
            ...(scope.account ? { account: scope.account } : {}),
            ...(scope.region ? { region: scope.region } : {}),
          },
        }
      : {}),
    references: referencesOf(e, unmapped, guardDutyType),
    evidence: evidenceOf(e, unmapped, pf, guardDutyType),
  });
}

/**
 * Security Hub's "Findings Imported V2" EventBridge event (the Security Hub of 2025, whose findings are OCSF):
 * the findings under detail.findings, one per event.
 */
function securityHubV2Findings(doc: unknown): unknown[] | undefined {
  if (eventBridgeDetailType(doc) !== 'Findings Imported V2') return undefined;
  if ((doc as { source?: unknown }).source !== 'aws.securityhub') return undefined;
  const list = (doc as { detail: Record<string, unknown> }).detail.findings;
  return Array.isArray(list) ? list : undefined;
}

export const ocsfAdapter: Adapter = {
  format: 'ocsf',
  signature:
    'OCSF event {class_uid, category_uid/type_uid, metadata} (Detection/Compliance Finding, …), one or an array',
  detect(doc) {
    if (Array.isArray(doc)) return doc.length > 0 && isEvent(doc[0]);
    const v2 = securityHubV2Findings(doc);
    if (v2) return v2.length === 0 || isEvent(v2[0]);
    return isEvent(doc);
  },
  records: (doc) => (Array.isArray(doc) ? doc : (securityHubV2Findings(doc) ?? [doc])),
  variant: (doc) =>
    Array.isArray(doc) ? 'list' : securityHubV2Findings(doc) ? 'eventbridge-security-hub-v2' : 'event',
  normalize(record) {
    const e = parseRecord(OcsfEvent, record, 'OCSF');
    const refusal = e.category_uid === 2 ? undefined : ocsfClassRefusal(e.class_uid, e.class_name);
    if (refusal) throw new RecordError(refusal);
    if (isNotAFinding(e)) return [];
    return [normalizeEvent(e)];
  },
};

// AWS Security Finding Format (Security Hub, and every product that writes ASFF: GuardDuty via Security Hub,
// Trivy's ASFF template, Prowler, …) → canonical findings.
//
// Shapes read: a bare finding, {"Findings": [...]} (BatchImportFindings / Trivy), {"findings": [...]}
// (GetFindings exports), top-level arrays, and EventBridge "Security Hub Findings - Imported / Custom Action"
// events (findings under detail.findings; the envelope's account and time are not the findings').
//
// Severity: Severity.Label (Security Hub's current value, which includes analysts' updates), else
// FindingProviderFields.Severity.Label, else Severity.Normalized. ASFF's bands: 0 informational, 1–39 low,
// 40–69 medium, 70–89 high, 90–100 critical. The score is Normalized when it lies in the label's band, else our
// default score for the label (the GuardDuty sample says Label LOW with Normalized 40: the label wins).
//
// Kind (first match wins):
// | input                                                                  | kind                       |
// |------------------------------------------------------------------------|----------------------------|
// | Types "Sensitive Data Identifications/…" (PII/Financial excepted)      | exposed-secret             |
// | a GuardDuty type in Types ("TTPs/…/Stealth:IAMUser-…")                 | aws-common guardDutyKind   |
// | control id (Compliance.SecurityControlId, ProductFields ControlId/RuleId, GeneratorId): IAM.3 → stale-credential, IAM.8/IAM.22 → unused-credential, IAM.1/IAM.4/IAM.21 → excess-privilege, CIS by benchmark version (aws-common controlKind) | per table |
// | words of the title (rotated keys, unused credentials, admin/wildcard policies, hard-coded secrets) | aws-common kindFromText |
// | Types "TTPs/…" or "Unusual Behaviors/…"                                | anomalous-use              |
// | anything else (posture checks, vulnerabilities)                         | misconfiguration           |
//
// Status: RecordState ARCHIVED, Workflow.Status (or legacy WorkflowState) RESOLVED → resolved; SUPPRESSED →
// suppressed (Note.Text as the reason); NEW and NOTIFIED → open. Compliance.Status PASSED → passed: Security Hub updates a control finding in place (same Id, so the same finding id
// here) from FAILED to PASSED when the problem is fixed, so a PASSED record is the tool saying "gone".
//
// Identities: Resources of type AwsIamUser / AwsIamRole (ARN Id, UserId/RoleId as aliases), any resource whose
// Id is a principal ARN, AwsIamAccessKey ("AWS::IAM::AccessKey:AKIA…" or Details.AccessKeyId) owned by the
// principal its details name (PrincipalType/PrincipalName/PrincipalId, SessionContext.SessionIssuer, or the
// deprecated UserName). Other resources, and GuardDuty's affectedResources in ProductFields, are resources.
// Secret findings (Trivy) carry no secret value: the fingerprint is HMAC(detector + file + account).
import { z } from 'zod';
import type {
  Finding,
  FindingKind,
  Location,
  Reference,
  Resource,
  SecretRef,
  Severity,
  SeverityLabel,
} from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import { awsIdentityFromArn, secretIdentity } from '../identity-keys.ts';
import { fingerprint } from '../redaction.ts';
import { type Adapter, RecordSkipped } from './adapter.ts';
import {
  accessKeyIdFromResourceId,
  accessKeyWithOwner,
  controlKind,
  definedFacts,
  eventBridgeDetailType,
  guardDutyKind,
  guardDutyTypeFromTaxonomy,
  jsonObject,
  kindFromText,
  optNumber,
  optString,
  resourceFromArn,
} from './aws-common.ts';
import { buildFinding } from './build.ts';
import {
  compact,
  findingId,
  isObject,
  parseRecord,
  requireTime,
  severityFromLabel,
  severityFromScore,
} from './util.ts';

const str = optString;
const time = z.union([z.string(), z.number()]).nullish();

const AccessKeyDetails = z.object({
  AccessKeyId: str,
  UserName: str,
  PrincipalId: str,
  PrincipalName: str,
  PrincipalType: str,
  AccountId: str,
  SessionContext: z
    .object({
      SessionIssuer: z.object({ Arn: str, UserName: str, PrincipalId: str, Type: str }).nullish(),
    })
    .nullish(),
});

const AsffResource = z.object({
  Type: str,
  Id: z.string(),
  Partition: str,
  Region: str,
  Details: z
    .object({
      AwsIamAccessKey: AccessKeyDetails.nullish(),
      AwsIamUser: z
        .object({
          UserId: str,
          UserName: str,
          AttachedManagedPolicies: z.array(z.object({ PolicyName: str })).nullish(),
        })
        .nullish(),
      AwsIamRole: z.object({ RoleId: str, RoleName: str }).nullish(),
      Other: jsonObject.nullish(),
    })
    .nullish(),
});
type AsffResource = z.infer<typeof AsffResource>;

const SeverityFields = z.object({ Label: str, Normalized: optNumber, Original: str }).nullish();

const RemoteIp = z
  .object({
    IpAddressV4: str,
    Organization: z.object({ Asn: z.union([z.number(), z.string()]).nullish(), AsnOrg: str }).nullish(),
    Country: z.object({ CountryName: str }).nullish(),
  })
  .nullish();

const AsffFinding = z.object({
  SchemaVersion: str,
  Id: z.string().min(1),
  ProductArn: str,
  ProductName: str,
  CompanyName: str,
  GeneratorId: str,
  AwsAccountId: str,
  Region: str,
  Types: z.array(z.string()).nullish(),
  FirstObservedAt: time,
  LastObservedAt: time,
  CreatedAt: time,
  UpdatedAt: time,
  Severity: SeverityFields,
  Confidence: optNumber,
  Title: str,
  Description: str,
  ProductFields: jsonObject.nullish(),
  Resources: z.array(AsffResource).nullish(),
  Compliance: z
    .object({
      Status: str,
      SecurityControlId: str,
      RelatedRequirements: z.array(z.string()).nullish(),
      StatusReasons: z.array(z.object({ ReasonCode: str })).nullish(),
    })
    .nullish(),
  Workflow: z.object({ Status: str }).nullish(),
  Note: z.object({ Text: str }).nullish(),
  WorkflowState: str,
  RecordState: str,
  FindingProviderFields: z
    .object({ Severity: SeverityFields, Types: z.array(z.string()).nullish() })
    .nullish(),
  Remediation: z.object({ Recommendation: z.object({ Url: str }).nullish() }).nullish(),
  Vulnerabilities: z.array(z.object({ Id: str })).nullish(),
  Action: z
    .object({
      ActionType: str,
      AwsApiCallAction: z
        .object({ Api: str, ServiceName: str, CallerType: str, RemoteIpDetails: RemoteIp })
        .nullish(),
    })
    .nullish(),
  Sample: z.boolean().nullish(),
});
type AsffFinding = z.infer<typeof AsffFinding>;

// --- shapes --------------------------------------------------------------------------------------------------

/** An ASFF finding: SchemaVersion is a date ("2018-10-08"), or a ProductArn with an account or generator. */
function isFinding(doc: unknown): boolean {
  if (!isObject(doc)) return false;
  if (typeof doc.SchemaVersion === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(doc.SchemaVersion)) return true;
  return (
    typeof doc.ProductArn === 'string' &&
    doc.ProductArn.startsWith('arn:') &&
    ('AwsAccountId' in doc || 'GeneratorId' in doc)
  );
}

function envelopeFindings(doc: unknown): unknown[] | undefined {
  const dt = eventBridgeDetailType(doc);
  if (!dt || (doc as { source?: unknown }).source !== 'aws.securityhub') return undefined;
  const list = (doc as { detail: Record<string, unknown> }).detail.findings;
  return Array.isArray(list) ? list : undefined;
}

/**
 * Security Hub's `Security Hub Insight Results` event (a custom action run on an insight): counts per grouping
 * value (`{"<resource>": 5}`), no finding. Read as zero findings and named, not refused.
 */
function isInsightResults(doc: unknown): boolean {
  return (
    eventBridgeDetailType(doc) === 'Security Hub Insight Results' &&
    (doc as { source?: unknown }).source === 'aws.securityhub'
  );
}

function insightResultsSkipped(doc: unknown): RecordSkipped {
  const detail = (doc as { detail: Record<string, unknown> }).detail;
  const by = typeof detail.resultType === 'string' ? ` per ${detail.resultType.slice(0, 60)}` : '';
  return new RecordSkipped(
    `asff: Security Hub Insight Results event (an insight's counts${by}, no findings): skipped`,
  );
}

function listOf(doc: unknown): unknown[] | undefined {
  if (Array.isArray(doc)) return doc;
  if (!isObject(doc) || isFinding(doc)) return undefined;
  const list = envelopeFindings(doc) ?? doc.Findings ?? doc.findings;
  return Array.isArray(list) ? list : undefined;
}

// --- severity, kind, references ----------------------------------------------------------------------------

const BANDS: Record<SeverityLabel, [number, number]> = {
  info: [0, 0],
  low: [1, 39],
  medium: [40, 69],
  high: [70, 89],
  critical: [90, 100],
};

function severityOf(f: AsffFinding): Severity {
  const label = f.Severity?.Label ?? f.FindingProviderFields?.Severity?.Label;
  const normalized = f.Severity?.Normalized;
  if (label) {
    const s = severityFromLabel(label);
    const [lo, hi] = BANDS[s.label];
    return normalized !== undefined && normalized >= lo && normalized <= hi
      ? { label: s.label, score: normalized }
      : s;
  }
  if (normalized !== undefined) return severityFromScore(normalized);
  return severityFromLabel(f.Severity?.Original ?? f.FindingProviderFields?.Severity?.Original);
}

const pf = (f: AsffFinding, key: string): string | undefined => {
  const v = f.ProductFields?.[key];
  return typeof v === 'string' && v ? v : undefined;
};

interface Control {
  id: string;
  cisVersion?: string;
  cis: boolean;
}

/** Control ids of a standards finding: Security Hub's ("IAM.3") and the CIS rule ("1.4", by version). */
function controlsOf(f: AsffFinding): Control[] {
  const out: Control[] = [];
  const standard = `${f.GeneratorId ?? ''} ${pf(f, 'StandardsGuideArn') ?? ''} ${pf(f, 'StandardsArn') ?? ''} ${pf(f, 'StandardsControlArn') ?? ''}`;
  const cis = /cis-aws-foundations-benchmark/.test(standard);
  const cisVersion = /cis-aws-foundations-benchmark\/v\/([\d.]+)/.exec(standard)?.[1];
  const securityControl = f.Compliance?.SecurityControlId;
  if (securityControl) out.push({ id: securityControl, cis: false });
  const generated = /(?:\/|^)([A-Za-z0-9]+\.\d+|\d+\.\d+)$/.exec(f.GeneratorId ?? '')?.[1];
  const own = pf(f, 'ControlId') ?? pf(f, 'RuleId') ?? generated;
  if (own && own !== securityControl) out.push({ id: own, cis: cis && /^\d+\.\d+$/.test(own), cisVersion });
  return out;
}

function typesOf(f: AsffFinding): string[] {
  return [...(f.Types ?? []), ...(f.FindingProviderFields?.Types ?? [])];
}

const isSecretType = (t: string) =>
  /^Sensitive Data Identifications/.test(t) && !/PII|Financial|Personal/i.test(t);

function kindOf(
  f: AsffFinding,
  types: string[],
  guardDutyType: string | undefined,
  controls: Control[],
): FindingKind {
  if (types.some(isSecretType)) return 'exposed-secret';
  if (guardDutyType) return guardDutyKind(guardDutyType);
  for (const c of controls) {
    const k = controlKind(c.id, c.cis ? c.cisVersion : undefined);
    if (k && (c.cis || /^[A-Za-z]/.test(c.id))) return k;
  }
  const fromText = kindFromText(f.Title ?? '');
  if (fromText) return fromText;
  if (types.some((t) => /^(TTPs|Unusual Behaviors)\//.test(t))) return 'anomalous-use';
  return 'misconfiguration';
}

function referencesOf(f: AsffFinding, controls: Control[], guardDutyType: string | undefined): Reference[] {
  const refs: Reference[] = controls.map((c) => ({ kind: 'control', id: c.cis ? `CIS ${c.id}` : c.id }));
  for (const req of f.Compliance?.RelatedRequirements ?? []) refs.push({ kind: 'control', id: req });
  if (guardDutyType) refs.push({ kind: 'rule', id: guardDutyType });
  const cves = new Set<string>();
  for (const v of f.Vulnerabilities ?? []) if (v.Id) cves.add(v.Id);
  const text = `${f.Title ?? ''} ${f.Id}`;
  if (text.includes('CVE-')) for (const m of text.matchAll(/CVE-\d{4}-\d{4,}/g)) cves.add(m[0]);
  for (const cve of cves) refs.push({ kind: /^CVE-/.test(cve) ? 'cve' : 'rule', id: cve });
  const url = f.Remediation?.Recommendation?.Url;
  if (url) refs.push({ kind: 'url', id: url });
  return refs;
}

// --- identities and resources --------------------------------------------------------------------------------

function identityFromResource(res: AsffResource, f: AsffFinding): Array<IdentityRef | undefined> {
  const account = f.AwsAccountId;
  const d = res.Details;
  const keyDetails = d?.AwsIamAccessKey;
  const keyId = keyDetails?.AccessKeyId ?? accessKeyIdFromResourceId(res.Id);
  if (res.Type === 'AwsIamAccessKey' || keyDetails || keyId) {
    const issuer = keyDetails?.SessionContext?.SessionIssuer;
    const { key, owner } = accessKeyWithOwner(keyId, {
      type: keyDetails?.PrincipalType ?? (keyDetails?.UserName ? 'IAMUser' : undefined),
      name: keyDetails?.PrincipalName ?? keyDetails?.UserName,
      principalId: keyDetails?.PrincipalId,
      account: keyDetails?.AccountId ?? account,
      partition: res.Partition,
      issuerArn: issuer?.Arn,
      issuerName: issuer?.UserName,
    });
    return [owner, key];
  }
  const alias = d?.AwsIamUser?.UserId ?? d?.AwsIamRole?.RoleId;
  return [awsIdentityFromArn(res.Id, { aliases: alias ? [alias] : [] })];
}

/** Where GuardDuty's action facts sit in ProductFields ("aws/guardduty/service/action/…", older "action/…"). */
function guardDutyPrefix(f: AsffFinding): string | undefined {
  const fields = f.ProductFields;
  if (!fields) return undefined;
  if ('aws/guardduty/service/action/actionType' in fields) return 'aws/guardduty/service/action/';
  if ('action/actionType' in fields) return 'action/';
  return undefined;
}

/** GuardDuty-sourced ASFF: "…/action/awsApiCallAction/affectedResources/AWS::CloudTrail::Trail" → resource. */
function affectedResources(f: AsffFinding): Resource[] {
  const out: Resource[] = [];
  if (!guardDutyPrefix(f)) return out;
  for (const [key, value] of Object.entries(f.ProductFields ?? {})) {
    const type = /affectedResources\/(.+)$/.exec(key)?.[1];
    if (!type || typeof value !== 'string' || !value) continue;
    out.push(
      value.startsWith('arn:') ? resourceFromArn(value, type) : { uid: value, type, account: f.AwsAccountId },
    );
  }
  return out;
}

function splitResources(f: AsffFinding): { identities: IdentityRef[]; resources: Resource[] } {
  const identities: Array<IdentityRef | undefined> = [];
  const resources: Resource[] = [];
  for (const res of f.Resources ?? []) {
    const found = compact(identityFromResource(res, f));
    if (found.length) {
      identities.push(...found);
      continue;
    }
    if (res.Type === 'AwsIamAccessKey') continue; // a key resource naming neither key nor owner ("…:null")
    const fromArn = res.Id.startsWith('arn:') ? resourceFromArn(res.Id) : undefined;
    const filename = res.Details?.Other?.Filename;
    resources.push({
      uid: res.Id,
      ...(res.Type ? { type: res.Type } : {}),
      ...(typeof filename === 'string' && filename !== res.Id ? { name: filename } : {}),
      ...((res.Region ?? fromArn?.region) ? { region: res.Region ?? fromArn?.region } : {}),
      ...((fromArn?.account ?? f.AwsAccountId) ? { account: fromArn?.account ?? f.AwsAccountId } : {}),
    });
  }
  return { identities: compact(identities), resources: [...resources, ...affectedResources(f)] };
}

// --- secrets ------------------------------------------------------------------------------------------------

function secretOf(
  f: AsffFinding,
  key: string,
): { secret: SecretRef; identity: IdentityRef; location: Location } {
  const title = f.Title ?? '';
  const detector =
    (title.includes(': ') ? title.slice(title.lastIndexOf(': ') + 2) : f.GeneratorId) || 'secret';
  const other = f.Resources?.[0]?.Details?.Other;
  const file = (typeof other?.Filename === 'string' && other.Filename) || f.Resources?.[0]?.Id || f.Id;
  const fp = fingerprint(`${detector}\u0000${file}\u0000${f.AwsAccountId ?? ''}`, key);
  const provider = /\baws\b/i.test(detector) ? 'aws' : /github/i.test(detector) ? 'github' : 'generic';
  return {
    secret: { detector, fingerprint: fp, hint: '(value not reported)' },
    identity: secretIdentity(detector, fp, provider),
    location: { file },
  };
}

// --- evidence ------------------------------------------------------------------------------------------------

type Evidence = Record<string, string | number | boolean | null>;

function evidenceOf(f: AsffFinding, guardDutyType: string | undefined, controls: Control[]): Evidence {
  // GuardDuty's action, from ProductFields ("aws/guardduty/service/action/…" or the older "action/…") or Action.
  const prefix = guardDutyPrefix(f);
  const g = (path: string) => (prefix ? pf(f, `${prefix}${path}`) : undefined);
  const api = f.Action?.AwsApiCallAction;
  const remote = api?.RemoteIpDetails;
  const sample = f.Sample === true || pf(f, 'aws/guardduty/service/additionalInfo/sample') === 'true';
  const policies = f.Resources?.flatMap((r) => r.Details?.AwsIamUser?.AttachedManagedPolicies ?? []).map(
    (p) => p.PolicyName,
  );
  const ev: Record<string, string | number | boolean | null | undefined> = {
    generatorId: f.GeneratorId,
    control: controls[0]?.id,
    complianceStatus: f.Compliance?.Status,
    complianceReason: f.Compliance?.StatusReasons?.[0]?.ReasonCode,
    workflowStatus: f.Workflow?.Status ?? f.WorkflowState,
    recordState: f.RecordState,
    findingType: guardDutyType,
    actionType: f.Action?.ActionType ?? g('actionType'),
    api: api?.Api ?? g('awsApiCallAction/api'),
    apiService: api?.ServiceName ?? g('awsApiCallAction/serviceName'),
    callerType: api?.CallerType ?? g('awsApiCallAction/callerType'),
    remoteIp: remote?.IpAddressV4 ?? g('awsApiCallAction/remoteIpDetails/ipAddressV4'),
    asn:
      remote?.Organization?.Asn !== undefined
        ? String(remote.Organization.Asn)
        : g('awsApiCallAction/remoteIpDetails/organization/asn'),
    asnOrg: remote?.Organization?.AsnOrg ?? g('awsApiCallAction/remoteIpDetails/organization/asnOrg'),
    country: remote?.Country?.CountryName ?? g('awsApiCallAction/remoteIpDetails/country/countryName'),
    attachedPolicies: policies?.length ? compact(policies).slice(0, 5).join(', ') : undefined,
    sample: sample || undefined,
  };
  return definedFacts(ev);
}

// --- the adapter ---------------------------------------------------------------------------------------------

function productOf(f: AsffFinding): { product: string; vendor: string } {
  const [, company, name] = /:product\/([^/]+)\/([^/]+)$/.exec(f.ProductArn ?? '') ?? [];
  return {
    product:
      f.ProductName ?? pf(f, 'aws/securityhub/ProductName') ?? pf(f, 'Product Name') ?? name ?? 'unknown',
    vendor: f.CompanyName ?? pf(f, 'aws/securityhub/CompanyName') ?? company ?? 'unknown',
  };
}

function statusOf(f: AsffFinding): { status: Finding['status']; statusReason?: string } {
  const workflow = (f.Workflow?.Status ?? f.WorkflowState)?.toUpperCase();
  const note = f.Note?.Text?.trim() ? { statusReason: f.Note.Text.trim() } : {};
  if (f.RecordState?.toUpperCase() === 'ARCHIVED') return { status: 'resolved', ...note };
  if (workflow === 'RESOLVED') return { status: 'resolved', ...note };
  if (workflow === 'SUPPRESSED') return { status: 'suppressed', ...note };
  if (f.Compliance?.Status?.toUpperCase() === 'PASSED') return { status: 'passed' };
  return { status: 'open' };
}

export const asffAdapter: Adapter = {
  format: 'asff',
  signature:
    'ASFF finding {SchemaVersion "2018-10-08", Id, ProductArn, …} bare, in Findings[]/findings[], an array, or EventBridge "Security Hub Findings" detail.findings',
  detect(doc) {
    if (isFinding(doc) || isInsightResults(doc)) return true;
    const list = listOf(doc);
    if (!list) return false;
    if (list.length === 0)
      return envelopeFindings(doc) !== undefined || (isObject(doc) && Array.isArray(doc.Findings));
    return isFinding(list[0]);
  },
  records(doc) {
    if (isInsightResults(doc)) return [doc];
    const list = listOf(doc);
    if (!list) return [doc];
    // An array of envelopes or of Findings wrappers (one per export page) unwraps one level further.
    return list.flatMap((item) => (!isFinding(item) && listOf(item)) || [item]);
  },
  variant(doc) {
    if (isFinding(doc)) return 'finding';
    if (isInsightResults(doc)) return 'eventbridge-insight-results';
    if (envelopeFindings(doc)) {
      const custom = eventBridgeDetailType(doc) === 'Security Hub Findings - Custom Action';
      return custom ? 'eventbridge-custom-action' : 'eventbridge';
    }
    if (Array.isArray(doc)) return doc.some((item) => !isFinding(item) && listOf(item)) ? 'pages' : 'list';
    if (!isObject(doc) || !Array.isArray(doc.Findings)) return 'findings-list';
    // A GetFindings page says NextToken, or carries the ProcessedAt Security Hub stamps on what it stores; without
    // either, a last page and a BatchImportFindings request look the same.
    const first = doc.Findings[0];
    const stored = 'NextToken' in doc || (isObject(first) && 'ProcessedAt' in first);
    return stored ? 'get-findings' : 'findings';
  },
  normalize(record, ctx) {
    if (isInsightResults(record)) throw insightResultsSkipped(record);
    const f = parseRecord(AsffFinding, record, 'ASFF');
    const types = typesOf(f);
    const guardDutyType = types.map(guardDutyTypeFromTaxonomy).find((t) => t !== undefined);
    const controls = controlsOf(f);
    const kind = kindOf(f, types, guardDutyType, controls);
    const { identities, resources } = splitResources(f);
    const region = f.Region ?? f.Resources?.find((r) => r.Region)?.Region;
    const secret = kind === 'exposed-secret' ? secretOf(f, ctx.fingerprintKey) : undefined;
    // Security Hub and GuardDuty ids are ARNs, unique per finding; other producers reuse ids (Trivy writes the
    // scanned file's name for every secret in it), so then the generator, title and resources are added.
    const unique = /^arn:/.test(f.Id);
    const id = unique
      ? findingId('asff', f.ProductArn, f.Id)
      : findingId(
          'asff',
          f.ProductArn,
          f.Id,
          f.GeneratorId,
          f.Title,
          f.AwsAccountId,
          ...(f.Resources ?? []).map((r) => r.Id),
        );
    return [
      buildFinding({
        id,
        source: { format: 'asff', ...productOf(f), nativeId: f.Id },
        kind,
        ...statusOf(f),
        title: f.Title ?? f.GeneratorId ?? f.Id,
        description: f.Description,
        severity: severityOf(f),
        ...(f.Confidence !== undefined && f.Confidence >= 0 && f.Confidence <= 100
          ? { confidence: f.Confidence }
          : {}),
        time: requireTime('ASFF finding', f.LastObservedAt, f.UpdatedAt, f.CreatedAt, f.FirstObservedAt),
        identities: secret ? [...identities, secret.identity] : identities,
        resources,
        cloud: {
          provider: 'aws',
          ...(f.AwsAccountId ? { account: f.AwsAccountId } : {}),
          ...(region ? { region } : {}),
        },
        references: referencesOf(f, controls, guardDutyType),
        ...(secret ? { secret: secret.secret, location: secret.location } : {}),
        evidence: evidenceOf(f, guardDutyType, controls),
      }),
    ];
  },
};

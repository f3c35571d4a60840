// Amazon GuardDuty findings: the native finding (camelCase, as EventBridge "GuardDuty Finding" events and S3
// exports carry it; PascalCase as `aws guardduty get-findings` prints it) → canonical findings.
//
// Shapes read: a bare finding, an EventBridge envelope (finding under `detail`), {"Findings"|"findings": [...]}
// and arrays of any of these. The envelope's own `time` and `account` are ignored: Cloud Custodian's samples
// carry time 1970-01-01 and an account other than the finding's (in a multi-account setup the envelope is the
// administrator's event bus); the finding's own updatedAt and accountId are the truth. A differing envelope
// account is kept as evidence (eventBridgeAccount).
//
// Severity: GuardDuty's 0–10 float, see aws-common guardDutySeverity (score = severity × 10).
// Kind: the finding type's threat purpose, see aws-common guardDutyKind.
// Status: service.archived true → suppressed, reason "archived in GuardDuty" (an archive is a person or a
// suppression rule dismissing it, not a fix; Security Hub shows it as RecordState ARCHIVED); otherwise open.
// Identities: resource.accessKeyDetails → the access key (aws:access-key:…) owned by its principal
// (IAMUser → arn:…:user/<userName>, AssumedRole → the role <userName> with the session as alias, Root →
// account root); EKS: kubernetesUserDetails (service accounts → k8s keys, IAM ARNs → AWS identities).
// Affected instances, buckets, clusters, functions and the action's affectedResources → resources.
import { z } from 'zod';
import type { Resource } from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import { awsIdentityFromArn, k8sServiceAccountIdentity, principalIdentity } from '../identity-keys.ts';
import { type Adapter, RecordError, RecordSkipped } from './adapter.ts';
import {
  accessKeyWithOwner,
  definedFacts,
  eventBridgeDetailType,
  guardDutyKind,
  guardDutySeverity,
  jsonObject,
  optNumber,
  optString,
  resourceFromArn,
} from './aws-common.ts';
import { buildFinding } from './build.ts';
import { compact, findingId, isObject, parseRecord, requireTime, slug } from './util.ts';

const str = optString;
const num = z.union([z.number(), z.string()]).nullish();

const RemoteIp = z
  .object({
    ipAddressV4: str,
    ipAddressV6: str,
    organization: z.object({ asn: num, asnOrg: str, isp: str }).nullish(),
    country: z.object({ countryName: str }).nullish(),
  })
  .nullish();

const Action = z
  .object({
    actionType: str,
    awsApiCallAction: z
      .object({
        api: str,
        serviceName: str,
        callerType: str,
        errorCode: str,
        remoteIpDetails: RemoteIp,
        remoteAccountDetails: z.object({ accountId: str }).nullish(),
        affectedResources: jsonObject.nullish(),
      })
      .nullish(),
    networkConnectionAction: z
      .object({ connectionDirection: str, protocol: str, remoteIpDetails: RemoteIp })
      .nullish(),
    dnsRequestAction: z.object({ domain: str, protocol: str }).nullish(),
    kubernetesApiCallAction: z
      .object({
        requestUri: str,
        verb: str,
        sourceIps: z.array(z.string()).nullish(),
        remoteIpDetails: RemoteIp,
      })
      .nullish(),
    portProbeAction: z
      .object({ portProbeDetails: z.array(z.object({ remoteIpDetails: RemoteIp })).nullish() })
      .nullish(),
  })
  .nullish();

const Named = z.object({ arn: str, name: str }).nullish();

const GuardDutyFinding = z.object({
  id: str,
  arn: str,
  accountId: str,
  region: str,
  partition: str,
  type: z.string().min(1),
  title: str,
  description: str,
  severity: z.union([z.number(), z.string()]),
  confidence: optNumber,
  createdAt: z.union([z.string(), z.number()]).nullish(),
  updatedAt: z.union([z.string(), z.number()]).nullish(),
  resource: z
    .object({
      resourceType: str,
      accessKeyDetails: z
        .object({ accessKeyId: str, principalId: str, userName: str, userType: str })
        .nullish(),
      instanceDetails: z
        .object({ instanceId: str, iamInstanceProfile: z.object({ arn: str, id: str }).nullish() })
        .nullish(),
      s3BucketDetails: z.array(z.object({ arn: str, name: str })).nullish(),
      eksClusterDetails: Named,
      ecsClusterDetails: Named,
      lambdaDetails: z.object({ functionArn: str, functionName: str }).nullish(),
      rdsDbInstanceDetails: z.object({ dbInstanceArn: str, dbInstanceIdentifier: str }).nullish(),
      kubernetesDetails: z
        .object({
          kubernetesUserDetails: z.object({ username: str, uid: str }).nullish(),
        })
        .nullish(),
    })
    .nullish(),
  service: z
    .object({
      archived: z.union([z.boolean(), z.string()]).nullish(),
      count: num,
      eventFirstSeen: str,
      eventLastSeen: str,
      detectorId: str,
      action: Action,
      additionalInfo: z.object({ sample: z.union([z.boolean(), z.string()]).nullish() }).nullish(),
    })
    .nullish(),
});
type GuardDutyFinding = z.infer<typeof GuardDutyFinding>;

// --- shapes --------------------------------------------------------------------------------------------------

const isEnvelope = (doc: unknown): doc is { detail: unknown; account?: unknown } => {
  const dt = eventBridgeDetailType(doc);
  return (
    dt === 'GuardDuty Finding' ||
    (dt !== undefined && (doc as { source?: unknown }).source === 'aws.guardduty')
  );
};

/**
 * GuardDuty's other EventBridge events (its user guide): Malware Protection for S3 "GuardDuty Malware Protection
 * Object Scan Result", "… Post Scan Action Failed" and "… Resource Status"; Malware Protection for EC2 and Backup
 * scan results; Runtime Monitoring coverage. They report a scan or an agent, never a finding (a malicious object
 * is also a `Object:S3/MaliciousFile` finding, sent as "GuardDuty Finding"): zero findings, named.
 */
function otherEventType(doc: unknown): string | undefined {
  const dt = eventBridgeDetailType(doc);
  return dt !== undefined &&
    dt !== 'GuardDuty Finding' &&
    (doc as { source?: unknown }).source === 'aws.guardduty'
    ? dt
    : undefined;
}

/** A GuardDuty finding in either spelling: a type "Purpose:Resource/Name", a service and a resource object. */
function isNativeFinding(doc: unknown): boolean {
  if (!isObject(doc)) return false;
  if ('ProductArn' in doc || 'SchemaVersion' in doc) {
    // ASFF also has SchemaVersion; GuardDuty's PascalCase export has "2.0" and a singular Type.
    if (doc.SchemaVersion !== '2.0' && !('Type' in doc)) return false;
    if ('ProductArn' in doc) return false;
  }
  const type = doc.type ?? doc.Type;
  const service = doc.service ?? doc.Service;
  const resource = doc.resource ?? doc.Resource;
  return typeof type === 'string' && type.includes(':') && isObject(service) && isObject(resource);
}

const listOf = (doc: unknown): unknown[] | undefined => {
  if (Array.isArray(doc)) return doc;
  if (isObject(doc) && !isNativeFinding(doc)) {
    const list = doc.Findings ?? doc.findings;
    if (Array.isArray(list)) return list;
  }
  return undefined;
};

/** A ListFindings response (`aws guardduty list-findings`): finding ids only, `{FindingIds: [], NextToken?}`. */
const isIdList = (doc: unknown): doc is { FindingIds: unknown[] } =>
  isObject(doc) &&
  Array.isArray(doc.FindingIds) &&
  Object.keys(doc).every((k) => k === 'FindingIds' || k === 'NextToken');

const isRecord = (doc: unknown): boolean => isEnvelope(doc) || isNativeFinding(doc);

/** PascalCase (AWS CLI/SDK) → the camelCase the console, EventBridge and S3 exports use. */
function camelKeys(value: unknown, depth = 0): unknown {
  if (depth > 32) return value;
  if (Array.isArray(value)) return value.map((v) => camelKeys(v, depth + 1));
  if (!isObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // affectedResources keys are CloudFormation types ("AWS::EC2::Instance"): keep them as they are.
    const key = k.startsWith('AWS::') ? k : k.charAt(0).toLowerCase() + k.slice(1);
    out[key] = camelKeys(v, depth + 1);
  }
  return out;
}

// --- mapping -------------------------------------------------------------------------------------------------

function identitiesOf(f: GuardDutyFinding): IdentityRef[] {
  const r = f.resource;
  const out: Array<IdentityRef | undefined> = [];
  const akd = r?.accessKeyDetails;
  if (akd) {
    const { key, owner } = accessKeyWithOwner(akd.accessKeyId, {
      type: akd.userType,
      name: akd.userName,
      principalId: akd.principalId,
      account: f.accountId,
      partition: f.partition,
    });
    out.push(owner, key);
  }
  const k8sUser = r?.kubernetesDetails?.kubernetesUserDetails?.username;
  if (k8sUser) {
    const cluster = r?.eksClusterDetails?.name;
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(k8sUser);
    out.push(
      sa
        ? k8sServiceAccountIdentity(sa[1]!, sa[2]!, cluster)
        : (awsIdentityFromArn(k8sUser) ?? principalIdentity('kubernetes', k8sUser, cluster)),
    );
  }
  return compact(out);
}

function resourcesOf(f: GuardDutyFinding): Resource[] {
  const r = f.resource;
  const account = f.accountId;
  const region = f.region;
  const partition = f.partition ?? 'aws';
  const out: Resource[] = [];
  const add = (uid: string | undefined, type: string, name?: string) => {
    if (!uid) return;
    const base = uid.startsWith('arn:') ? resourceFromArn(uid, type) : { uid, type };
    out.push({ region, account, ...base, ...(name ? { name } : {}) });
  };
  const instance = r?.instanceDetails;
  if (instance?.instanceId) {
    const arn =
      account && region
        ? `arn:${partition}:ec2:${region}:${account}:instance/${instance.instanceId}`
        : undefined;
    add(arn ?? instance.instanceId, 'AwsEc2Instance', instance.instanceId);
  }
  if (instance?.iamInstanceProfile?.arn) add(instance.iamInstanceProfile.arn, 'AwsIamInstanceProfile');
  for (const b of r?.s3BucketDetails ?? []) add(b.arn ?? b.name, 'AwsS3Bucket', b.name);
  add(r?.eksClusterDetails?.arn ?? r?.eksClusterDetails?.name, 'AwsEksCluster', r?.eksClusterDetails?.name);
  add(r?.ecsClusterDetails?.arn ?? r?.ecsClusterDetails?.name, 'AwsEcsCluster', r?.ecsClusterDetails?.name);
  add(r?.lambdaDetails?.functionArn, 'AwsLambdaFunction', r?.lambdaDetails?.functionName);
  add(
    r?.rdsDbInstanceDetails?.dbInstanceArn,
    'AwsRdsDbInstance',
    r?.rdsDbInstanceDetails?.dbInstanceIdentifier,
  );
  for (const [type, value] of Object.entries(f.service?.action?.awsApiCallAction?.affectedResources ?? {})) {
    if (typeof value === 'string' && value) add(value, type);
  }
  return out;
}

function evidenceOf(
  f: GuardDutyFinding,
  envelopeAccount: unknown,
): Record<string, string | number | boolean | null> {
  const action = f.service?.action;
  const api = action?.awsApiCallAction;
  const remote =
    api?.remoteIpDetails ??
    action?.networkConnectionAction?.remoteIpDetails ??
    action?.kubernetesApiCallAction?.remoteIpDetails ??
    action?.portProbeAction?.portProbeDetails?.[0]?.remoteIpDetails;
  const sample = f.service?.additionalInfo?.sample;
  const ev: Record<string, string | number | boolean | null | undefined> = {
    findingType: f.type,
    actionType: action?.actionType,
    api: api?.api,
    apiService: api?.serviceName,
    callerType: api?.callerType,
    errorCode: api?.errorCode,
    remoteAccount: api?.remoteAccountDetails?.accountId,
    remoteIp: remote?.ipAddressV4 ?? remote?.ipAddressV6 ?? action?.kubernetesApiCallAction?.sourceIps?.[0],
    asn: remote?.organization?.asn !== undefined ? String(remote.organization.asn) : undefined,
    asnOrg: remote?.organization?.asnOrg,
    country: remote?.country?.countryName,
    domain: action?.dnsRequestAction?.domain,
    k8sVerb: action?.kubernetesApiCallAction?.verb,
    k8sRequestUri: action?.kubernetesApiCallAction?.requestUri,
    count: f.service?.count !== undefined ? Number(f.service.count) : undefined,
    eventFirstSeen: f.service?.eventFirstSeen,
    eventLastSeen: f.service?.eventLastSeen,
    sample: sample === true || sample === 'true' ? true : undefined,
    eventBridgeAccount:
      typeof envelopeAccount === 'string' && envelopeAccount !== f.accountId ? envelopeAccount : undefined,
  };
  return definedFacts(ev);
}

export const guarddutyAdapter: Adapter = {
  format: 'guardduty',
  signature:
    'GuardDuty finding {type "Purpose:Resource/Name", service, resource} bare, as EventBridge "GuardDuty Finding" detail, or in Findings[]',
  detect(doc) {
    if (isRecord(doc) || isIdList(doc)) return true;
    const list = listOf(doc);
    return list !== undefined && list.length > 0 && isRecord(list[0]);
  },
  records(doc) {
    // No findings: zero records. Ids without the findings are nothing to act on, and saying so beats dropping them.
    if (isIdList(doc)) {
      if (doc.FindingIds.length === 0) return [];
      throw new RecordError(
        `a ListFindings response holds ${doc.FindingIds.length} finding id(s) but no findings: send the output of get-findings for those ids`,
      );
    }
    const list = listOf(doc);
    return list ? list.flatMap((item) => (Array.isArray(item) ? item : [item])) : [doc];
  },
  variant(doc) {
    if (isIdList(doc)) return 'list-findings';
    const other = otherEventType(doc);
    if (other) return `eventbridge-${slug(other.replace(/^GuardDuty /, ''))}`;
    if (isEnvelope(doc)) return 'eventbridge';
    if (isNativeFinding(doc)) return 'finding';
    if (Array.isArray(doc)) return isEnvelope(doc[0]) ? 'eventbridge-list' : 'list';
    return 'get-findings';
  },
  normalize(record) {
    const other = otherEventType(record);
    if (other)
      throw new RecordSkipped(
        `guardduty: EventBridge "${other.slice(0, 80)}" event (a scan's or an agent's status, not a finding): skipped`,
      );
    const envelope = isEnvelope(record) ? record : undefined;
    let raw: unknown = envelope ? envelope.detail : record;
    if (isObject(raw) && typeof raw.Type === 'string' && raw.type === undefined) raw = camelKeys(raw);
    const f = parseRecord(GuardDutyFinding, raw, 'GuardDuty finding');
    const nativeId = f.arn ?? f.id;
    const archived = f.service?.archived === true || f.service?.archived === 'true';
    return [
      buildFinding({
        id: findingId('guardduty', nativeId ?? `${f.accountId}/${f.type}/${f.createdAt}`),
        source: {
          format: 'guardduty',
          product: 'GuardDuty',
          vendor: 'AWS',
          ...(nativeId ? { nativeId } : {}),
        },
        kind: guardDutyKind(f.type),
        status: archived ? 'suppressed' : 'open',
        ...(archived ? { statusReason: 'archived in GuardDuty' } : {}),
        title: f.title ?? f.type,
        description: f.description,
        severity: guardDutySeverity(f.severity),
        // GuardDuty's confidence (0–10, deprecated) on our 0–100 scale.
        ...(f.confidence !== undefined && f.confidence >= 0 && f.confidence <= 10
          ? { confidence: f.confidence * 10 }
          : {}),
        time: requireTime('GuardDuty finding', f.updatedAt, f.service?.eventLastSeen, f.createdAt),
        identities: identitiesOf(f),
        resources: resourcesOf(f),
        cloud: {
          provider: 'aws',
          ...(f.accountId ? { account: f.accountId } : {}),
          ...(f.region ? { region: f.region } : {}),
        },
        references: [{ kind: 'rule', id: f.type }],
        evidence: evidenceOf(f, envelope?.account),
      }),
    ];
  },
};

// AWS CloudTrail records → one finding each, about the principal in userIdentity.
//
// Shapes read: a bare record, a log file {"Records": [...]}, an EventBridge "… via CloudTrail" event (record
// under `detail`), `aws cloudtrail lookup-events` output {"Events": [{"CloudTrailEvent": "<json>"}]}, and
// arrays of these; and CloudTrail delivered to CloudWatch Logs as a subscription sends it (a DATA_MESSAGE whose
// logEvents' messages are records, decoded or as Lambda's gzip+base64 {awslogs: {data}}; ./cloudwatch-logs.ts).
// Fields some producers write as "" instead of null/objects (responseElements, resources,
// requestParameters) are tolerated. Time is the record's eventTime.
//
// A record is plain use ('activity', severity info) unless it is risky in itself:
//
// | condition                                                              | kind          | severity |
// |------------------------------------------------------------------------|---------------|----------|
// | ConsoleLogin that succeeded with MFAUsed "No", by root                 | anomalous-use | high     |
// | ConsoleLogin that succeeded with MFAUsed "No", by anyone else          | anomalous-use | medium   |
// | any call by the root user (CIS: do not use root), even a failed one    | anomalous-use | medium   |
// | sts:AssumeRole called by an assumed-role session (role chaining)       | anomalous-use | low      |
// | a successful IAM credential/privilege change by a non-human principal: | anomalous-use | medium   |
// |   CreateAccessKey, CreateLoginProfile, UpdateLoginProfile, AttachUserPolicy, PutUserPolicy,             |
// |   AttachRolePolicy, PutRolePolicy, CreatePolicyVersion, SetDefaultPolicyVersion, AddUserToGroup,       |
// |   UpdateAssumeRolePolicy (persistence / privilege escalation paths)                                     |
// | a CloudTrail Insights event (eventType AwsCloudTrailInsight)           | anomalous-use | medium   |
// | anything else, including denied calls (errorCode kept as evidence)     | activity      | info     |
//
// "Non-human" is read from the record: an AWS service; an assumed-role session that is not an IAM Identity
// Center (AWSReservedSSO_*) or console session; an IAM user calling with a long-term AKIA key (console sessions
// use ASIA keys). Identities: the principal (ARN; sessions resolve to their issuer role, session ARN and
// AROA…/AIDA… ids kept as aliases) and the access key it used, owned by that principal. Targets of the call
// (the user whose key was created, the role assumed, buckets, …) are resources, not identities: they did not
// act, so this record must not count as their use.
import { z } from 'zod';
import type { FindingKind, Resource, Severity } from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import { awsAccessKeyIdentity } from '../identity-keys.ts';
import { type Adapter, type NormalizeContext, RecordSkipped } from './adapter.ts';
import {
  awsPrincipal,
  definedFacts,
  eventBridgeDetailType,
  jsonObject,
  optString,
  resourceFromArn,
} from './aws-common.ts';
import { buildFinding } from './build.ts';
import { decodeAwslogs, isAwslogs, isDataMessage, parseMessage } from './cloudwatch-logs.ts';
import { clip } from './siem-common.ts';
import { compact, findingId, isObject, parseRecord, requireTime, severityFromLabel } from './util.ts';

const str = optString;
/** Fields CloudTrail may write as an object, null, or (some producers) "". */
const objectOrEmpty = z.union([jsonObject, z.string(), z.null()]).nullish();

const UserIdentity = z.object({
  type: str,
  principalId: str,
  arn: str,
  accountId: str,
  accessKeyId: str,
  userName: str,
  invokedBy: str,
  sessionContext: z
    .object({
      sessionIssuer: z
        .object({ type: str, principalId: str, arn: str, userName: str, accountId: str })
        .nullish(),
      attributes: z.object({ mfaAuthenticated: z.union([z.string(), z.boolean()]).nullish() }).nullish(),
    })
    .nullish(),
});
type UserIdentity = z.infer<typeof UserIdentity>;

const CloudTrailRecord = z.object({
  eventVersion: str,
  eventID: str,
  eventTime: z.union([z.string(), z.number()]),
  eventSource: z.string().min(1),
  eventName: z.string().min(1),
  eventType: str,
  awsRegion: str,
  sourceIPAddress: str,
  userAgent: str,
  errorCode: str,
  errorMessage: str,
  recipientAccountId: str,
  readOnly: z.union([z.boolean(), z.string()]).nullish(),
  sessionCredentialFromConsole: z.union([z.boolean(), z.string()]).nullish(),
  userIdentity: UserIdentity.nullish(),
  requestParameters: objectOrEmpty,
  responseElements: objectOrEmpty,
  additionalEventData: objectOrEmpty,
  resources: z
    .union([z.array(z.object({ ARN: str, arn: str, accountId: str, type: str })), z.string(), z.null()])
    .nullish(),
});
type CloudTrailRecord = z.infer<typeof CloudTrailRecord>;

// --- shapes --------------------------------------------------------------------------------------------------

const isEnvelope = (doc: unknown): doc is { detail: unknown } =>
  /via CloudTrail$/.test(eventBridgeDetailType(doc) ?? '');

/** A CloudTrail record: every event source is "<service>.amazonaws.com" (S3 event notifications, which also
 * come in Records[], say "aws:s3" and are not claimed). */
function isBareRecord(doc: unknown): boolean {
  return (
    isObject(doc) &&
    typeof doc.eventName === 'string' &&
    typeof doc.eventSource === 'string' &&
    /amazonaws\.com$/.test(doc.eventSource) &&
    (isObject(doc.userIdentity) || typeof doc.eventVersion === 'string')
  );
}

const isRecord = (doc: unknown): boolean => isBareRecord(doc) || isEnvelope(doc);

const isLookupEvent = (doc: unknown): boolean => isObject(doc) && typeof doc.CloudTrailEvent === 'string';

/** Lambda's `{awslogs: {data}}` → the subscription payload it carries; anything else as it is. */
const payloadOf = (doc: unknown): unknown => (isAwslogs(doc) ? decodeAwslogs(doc) : doc);

function listOf(doc: unknown): unknown[] | undefined {
  if (Array.isArray(doc)) return doc;
  const payload = payloadOf(doc);
  if (isDataMessage(payload)) return payload.logEvents.map((e) => parseMessage(e.message));
  if (isObject(doc) && Array.isArray(doc.Records)) return doc.Records;
  if (isObject(doc) && Array.isArray(doc.Events) && doc.Events.every(isLookupEvent)) return doc.Events;
  return undefined;
}

/** lookup-events wraps each record as a JSON string; a string that does not parse stays as it is (rejected). */
function unwrapLookup(item: unknown): unknown {
  if (!isLookupEvent(item)) return item;
  try {
    return JSON.parse((item as { CloudTrailEvent: string }).CloudTrailEvent);
  } catch {
    return item;
  }
}

// --- mapping -------------------------------------------------------------------------------------------------

const IAM_CHANGES = new Set([
  'CreateAccessKey',
  'CreateLoginProfile',
  'UpdateLoginProfile',
  'AttachUserPolicy',
  'PutUserPolicy',
  'AttachRolePolicy',
  'PutRolePolicy',
  'CreatePolicyVersion',
  'SetDefaultPolicyVersion',
  'AddUserToGroup',
  'UpdateAssumeRolePolicy',
]);

const truthy = (v: unknown): boolean => v === true || v === 'true';
const objectOf = (v: unknown): Record<string, unknown> => (isObject(v) ? v : {});
const text = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

function isNonHuman(r: CloudTrailRecord): boolean {
  const ui = r.userIdentity;
  const type = ui?.type ?? '';
  if (type === 'AWSService') return true;
  if (truthy(r.sessionCredentialFromConsole)) return false;
  if (type === 'AssumedRole') {
    const role = ui?.sessionContext?.sessionIssuer?.userName ?? ui?.arn?.split('/')[1] ?? '';
    return !role.startsWith('AWSReservedSSO_');
  }
  if (type === 'IAMUser') return (ui?.accessKeyId ?? '').startsWith('AKIA');
  return false;
}

interface Assessment {
  kind: FindingKind;
  severity: Severity;
  reason?: string;
}

function assess(r: CloudTrailRecord): Assessment {
  const type = r.userIdentity?.type;
  const failed = Boolean(r.errorCode);
  if (r.eventName === 'ConsoleLogin') {
    const extra = objectOf(r.additionalEventData);
    const result = objectOf(r.responseElements).ConsoleLogin;
    if (extra.MFAUsed === 'No' && result === 'Success') {
      return {
        kind: 'anomalous-use',
        severity: severityFromLabel(type === 'Root' ? 'high' : 'medium'),
        reason: 'console login without MFA',
      };
    }
  }
  if (type === 'Root')
    return { kind: 'anomalous-use', severity: severityFromLabel('medium'), reason: 'root user activity' };
  if (r.eventType === 'AwsCloudTrailInsight') {
    return {
      kind: 'anomalous-use',
      severity: severityFromLabel('medium'),
      reason: 'CloudTrail Insights event',
    };
  }
  if (
    !failed &&
    r.eventSource === 'sts.amazonaws.com' &&
    r.eventName === 'AssumeRole' &&
    type === 'AssumedRole'
  ) {
    return { kind: 'anomalous-use', severity: severityFromLabel('low'), reason: 'role chaining' };
  }
  if (!failed && r.eventSource === 'iam.amazonaws.com' && IAM_CHANGES.has(r.eventName) && isNonHuman(r)) {
    return {
      kind: 'anomalous-use',
      severity: severityFromLabel('medium'),
      reason: 'IAM credential or privilege change by a non-human principal',
    };
  }
  return { kind: 'activity', severity: severityFromLabel('info') };
}

function actorOf(r: CloudTrailRecord): { principal?: IdentityRef; key?: IdentityRef } {
  const ui: UserIdentity | null | undefined = r.userIdentity;
  if (!ui) return {};
  const issuer = ui.sessionContext?.sessionIssuer;
  const principal = awsPrincipal({
    type: ui.type,
    arn: ui.arn,
    name: ui.userName,
    principalId: ui.principalId,
    account: ui.accountId ?? r.recipientAccountId,
    issuerArn: issuer?.arn,
    issuerName: issuer?.userName,
    service: ui.invokedBy,
  });
  const keyId = text(ui.accessKeyId);
  return { principal, key: keyId ? awsAccessKeyIdentity(keyId, principal, ui.accountId) : undefined };
}

/** The call's targets: record resources, ARNs and a few well-known names in requestParameters. */
function resourcesOf(r: CloudTrailRecord): Resource[] {
  const account = r.recipientAccountId ?? r.userIdentity?.accountId;
  const out: Resource[] = [];
  const add = (uid: string | undefined, type?: string) => {
    if (!uid) return;
    const res: Resource = uid.startsWith('arn:')
      ? resourceFromArn(uid, type)
      : { uid, ...(type ? { type } : {}) };
    // S3 ARNs name no account; the bucket lives in the account the call was made to.
    out.push(res.account || !account ? res : { ...res, account });
  };
  if (Array.isArray(r.resources)) for (const res of r.resources) add(res.ARN ?? res.arn, res.type);
  const req = objectOf(r.requestParameters);
  for (const [k, v] of Object.entries(req)) {
    if (/arn$/i.test(k) && typeof v === 'string' && v.startsWith('arn:')) add(v);
  }
  const partition = r.userIdentity?.arn?.split(':')[1] ?? 'aws';
  if (text(req.bucketName)) add(`arn:${partition}:s3:::${req.bucketName}`, 'AwsS3Bucket');
  if (account && r.eventSource === 'iam.amazonaws.com') {
    if (text(req.userName)) add(`arn:${partition}:iam::${account}:user/${req.userName}`, 'AwsIamUser');
    if (text(req.roleName)) add(`arn:${partition}:iam::${account}:role/${req.roleName}`, 'AwsIamRole');
  }
  // The MFA device a console sign-in used (an authenticator, not a principal).
  const mfa = text(objectOf(r.additionalEventData).MFAIdentifier);
  if (mfa?.startsWith('arn:')) add(mfa, 'AwsIamMfaDevice');
  // New keys handed out by the call (CreateAccessKey, AssumeRole): named by key id, never by secret.
  const resp = objectOf(r.responseElements);
  const newKey = text(objectOf(resp.accessKey).accessKeyId) ?? text(objectOf(resp.credentials).accessKeyId);
  if (newKey) add(`aws:access-key:${newKey}`, 'AwsIamAccessKey');
  return out;
}

/** Session tokens and secret keys a response may carry: never copied; registered so the boundary scrubs them. */
function registerSecrets(r: CloudTrailRecord, ctx: NormalizeContext): void {
  const resp = objectOf(r.responseElements);
  for (const holder of [objectOf(resp.credentials), objectOf(resp.accessKey)]) {
    for (const field of ['sessionToken', 'secretAccessKey']) {
      const v = holder[field];
      if (typeof v === 'string' && v.length >= 8) ctx.secrets.add(v);
    }
  }
}

function labelOf(principal: IdentityRef | undefined, r: CloudTrailRecord): string {
  if (principal?.type === 'aws-root') return 'root';
  return (
    principal?.name ??
    r.userIdentity?.userName ??
    r.userIdentity?.principalId ??
    r.userIdentity?.type ??
    'unknown principal'
  );
}

/**
 * CloudTrail Insights events (`eventType` AwsCloudTrailInsight, in an Insights log file or as EventBridge "AWS
 * Insight via CloudTrail"): an account's API call or error rate against its baseline. Their attributions name up
 * to five top callers, a statistic, not an act of one principal: zero findings, named.
 */
const isInsight = (doc: unknown): boolean =>
  isObject(doc) && doc.eventType === 'AwsCloudTrailInsight' && isObject(doc.insightDetails);

/** A log file integrity digest (CloudTrail-Digest/…json.gz): hashes of log files, no event. */
const isDigest = (doc: unknown): boolean =>
  isObject(doc) && typeof doc.digestS3Object === 'string' && Array.isArray(doc.logFiles);

function skippedShape(doc: unknown): RecordSkipped | undefined {
  if (isDigest(doc))
    return new RecordSkipped(
      'cloudtrail: log file integrity digest (hashes of log files, no events): skipped',
    );
  const raw = isEnvelope(doc) ? doc.detail : doc;
  if (!isInsight(raw)) return undefined;
  const d = (raw as { insightDetails: Record<string, unknown> }).insightDetails;
  const what = [d.insightType, d.eventSource, d.eventName].filter((x) => typeof x === 'string').join(' ');
  return new RecordSkipped(
    `cloudtrail: CloudTrail Insights event (${what.slice(0, 120) || 'an API rate'} against the account's baseline, not one principal's act): skipped`,
  );
}

export const cloudtrailAdapter: Adapter = {
  format: 'cloudtrail',
  signature:
    'CloudTrail record {eventSource "*.amazonaws.com", eventName, userIdentity}, Records[], EventBridge "… via CloudTrail", or a CloudWatch Logs subscription DATA_MESSAGE of records',
  detect(doc) {
    if (isRecord(doc) || isDigest(doc) || isInsight(doc) || (isEnvelope(doc) && isInsight(doc.detail)))
      return true;
    const list = listOf(doc);
    if (!list) return false;
    if (list.length === 0) return isObject(doc) && Array.isArray(doc.Records);
    return isRecord(unwrapLookup(list[0])) || isInsight(list[0]);
  },
  records(doc) {
    if (isDigest(doc)) return [doc];
    const list = listOf(doc);
    return list ? list.map(unwrapLookup) : [doc];
  },
  variant(doc) {
    if (isAwslogs(doc)) return 'cloudwatch-logs-awslogs';
    if (isDataMessage(doc)) return 'cloudwatch-logs';
    if (isDigest(doc)) return 'digest';
    if (isEnvelope(doc)) return isInsight(doc.detail) ? 'eventbridge-insight' : 'eventbridge';
    if (isInsight(doc)) return 'insight';
    if (isBareRecord(doc)) return 'event';
    if (Array.isArray(doc)) return isEnvelope(doc[0]) ? 'eventbridge-list' : 'list';
    return isObject(doc) && Array.isArray(doc.Records) ? 'log-file' : 'lookup-events';
  },
  normalize(record, ctx) {
    const skipped = skippedShape(record);
    if (skipped) throw skipped;
    const raw = isEnvelope(record) ? record.detail : record;
    const r = parseRecord(CloudTrailRecord, raw, 'CloudTrail');
    registerSecrets(r, ctx);
    const { principal, key } = actorOf(r);
    const { kind, severity, reason } = assess(r);
    const service = r.eventSource.replace(/\.amazonaws\.com$/, '');
    const who = labelOf(principal, r);
    const extra = objectOf(r.additionalEventData);
    const mfa = r.userIdentity?.sessionContext?.attributes?.mfaAuthenticated;
    const evidence: Record<string, string | boolean | undefined> = {
      eventSource: r.eventSource,
      eventName: r.eventName,
      eventType: r.eventType,
      sourceIPAddress: r.sourceIPAddress,
      userAgent: clip(r.userAgent ?? undefined),
      errorCode: r.errorCode,
      errorMessage: clip(r.errorMessage ?? undefined),
      userIdentityType: r.userIdentity?.type,
      invokedBy: r.userIdentity?.invokedBy,
      mfaAuthenticated: mfa === undefined ? undefined : truthy(mfa),
      mfaUsed: text(extra.MFAUsed),
      mfaIdentifier: text(extra.MFAIdentifier),
      consoleLogin: text(objectOf(r.responseElements).ConsoleLogin),
      readOnly: r.readOnly === undefined ? undefined : truthy(r.readOnly),
      reason,
    };
    const account = r.recipientAccountId ?? r.userIdentity?.accountId;
    return [
      buildFinding({
        id: findingId(
          'cloudtrail',
          r.eventID,
          String(r.eventTime),
          r.eventSource,
          r.eventName,
          r.userIdentity?.arn,
        ),
        source: {
          format: 'cloudtrail',
          product: 'CloudTrail',
          vendor: 'AWS',
          ...(r.eventID ? { nativeId: r.eventID } : {}),
        },
        kind,
        status: 'open',
        title: `${reason ? `${reason}: ` : ''}${service}:${r.eventName} by ${who}${r.errorCode ? ` (${r.errorCode})` : ''}`,
        severity,
        time: requireTime('CloudTrail record eventTime', r.eventTime),
        identities: compact([principal, key]),
        resources: resourcesOf(r),
        cloud: {
          provider: 'aws',
          ...(account ? { account } : {}),
          ...(r.awsRegion ? { region: r.awsRegion } : {}),
        },
        references: [],
        evidence: definedFacts(evidence),
      }),
    ];
  },
};

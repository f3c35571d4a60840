// Helpers shared by the AWS-flavoured adapters (ocsf, asff, guardduty, cloudtrail): principals named by their
// parts (type + name + principal id, as GuardDuty, ASFF and CloudTrail write them), EventBridge envelopes,
// GuardDuty's severity scale and finding types, and the control/check → FindingKind tables.
import { z } from 'zod';
import type { FindingKind, Resource, Severity } from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import { awsAccessKeyIdentity, awsIdentityFromArn, principalIdentity } from '../identity-keys.ts';
import { isObject, severityFromLabel, severityFromScore } from './util.ts';

// ---------------------------------------------------------------------------------------------------------------
// Schema pieces
//
// The four AWS adapters build their schemas from z.object (zod's default "strip" mode) at every level, not
// z.looseObject: unknown keys are tolerated either way (never rejected), but strip does not copy them into the
// parsed value, which measured ~8x cheaper on wide records (ASFF ProductFields, Prowler's resource data, OCSF
// unmapped). checkov and google-scc do the same.
// Only the fields an adapter reads are declared; maps read key by key are checked to be objects, not walked.

/** An optional string that tools also write as null (Prowler, CloudTrail): null reads as absent. */
export const optString = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);

/**
 * A JSON object read key by key later (ProductFields, requestParameters): checked to be an object, not walked,
 * so a wide map costs nothing to validate.
 */
export const jsonObject = z.custom<Record<string, unknown>>(isObject, { message: 'expected object' });

export const optNumber = z
  .number()
  .nullish()
  .transform((v) => v ?? undefined);

/** Evidence without the facts a record did not have (undefined, empty strings). */
export function definedFacts(
  facts: Record<string, string | number | boolean | null | undefined>,
): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const key in facts) {
    const v = facts[key];
    if (v !== undefined && v !== '' && !(typeof v === 'number' && Number.isNaN(v))) out[key] = v;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Principals

/** Account ids are 12 digits; placeholders and sample values are kept verbatim (never invented). */
const ACCOUNT_ID = /^\d{12}$/;

/** An AWS service principal (scheduler.amazonaws.com): no ARN exists, so the service name is the key. */
export function awsServiceIdentity(service: string, account?: string): IdentityRef {
  return {
    key: `aws:service:${service}`,
    type: 'aws-service',
    provider: 'aws',
    account,
    name: service,
    aliases: [],
  };
}

export interface AwsPrincipalParts {
  /** CloudTrail userIdentity.type / GuardDuty userType / ASFF PrincipalType: IAMUser, AssumedRole, Root, … */
  type?: string;
  arn?: string;
  /** userName / PrincipalName. For AssumedRole this is the role's name (GuardDuty, ASFF). */
  name?: string;
  /** AIDA… for users, "AROA…:session" for role sessions, the account id for root. */
  principalId?: string;
  account?: string;
  partition?: string;
  /** The role (or user) a session was issued by: CloudTrail sessionContext.sessionIssuer.arn. */
  issuerArn?: string;
  issuerName?: string;
  /** AWSService: the service that made the call (userIdentity.invokedBy). */
  service?: string;
}

const usable = (v: string | undefined): string | undefined => {
  const t = v?.trim();
  return t && t !== 'null' && t !== 'undefined' ? t : undefined;
};

/**
 * A principal named by its parts → identity. The ARN wins when there is one; otherwise it is built from the
 * type, name and account (IAM paths are not known then, so a user or role with a path gets the path-less ARN;
 * identity resolution links the two through the AIDA…/AROA… alias).
 */
export function awsPrincipal(p: AwsPrincipalParts): IdentityRef | undefined {
  const partition = usable(p.partition) ?? 'aws';
  const account = usable(p.account);
  const name = usable(p.name);
  const [uniqueId, session] = (usable(p.principalId) ?? '').split(':');
  const aliases = uniqueId && !ACCOUNT_ID.test(uniqueId) ? [uniqueId] : [];
  const issuerArn = usable(p.issuerArn);
  const arn = usable(p.arn);
  const withName = (id: IdentityRef | undefined): IdentityRef | undefined =>
    id && usable(p.issuerName) && id.type === 'aws-role' ? { ...id, name: usable(p.issuerName) } : id;
  if (arn) {
    const fromArn = awsIdentityFromArn(arn, { issuerArn, aliases });
    if (fromArn) return withName(fromArn);
  }
  const type = (p.type ?? '').toLowerCase();
  if (type === 'awsservice') {
    const service = usable(p.service) ?? name;
    return service ? awsServiceIdentity(service, account) : undefined;
  }
  if (!account) return name ? principalIdentity('aws', name) : undefined;
  switch (type) {
    case 'root':
      return awsIdentityFromArn(`arn:${partition}:iam::${account}:root`, { aliases });
    case 'iamuser':
    case 'user':
      return name
        ? awsIdentityFromArn(`arn:${partition}:iam::${account}:user/${name}`, { aliases })
        : undefined;
    case 'assumedrole':
    case 'role': {
      if (issuerArn) return withName(awsIdentityFromArn(issuerArn, { aliases }));
      if (!name) return undefined;
      // "AROA…:session" gives the session ARN, kept as an alias of the role.
      const sessionArn = session
        ? `arn:${partition}:sts::${account}:assumed-role/${name}/${session}`
        : undefined;
      return sessionArn
        ? awsIdentityFromArn(sessionArn, { aliases })
        : awsIdentityFromArn(`arn:${partition}:iam::${account}:role/${name}`, { aliases });
    }
    case 'federateduser':
      return name
        ? awsIdentityFromArn(`arn:${partition}:sts::${account}:federated-user/${name}`, { aliases })
        : undefined;
    default:
      return name || uniqueId ? principalIdentity('aws', (name ?? uniqueId)!, account) : undefined;
  }
}

/** An access key and its owner, when the finding names both; either may be absent ("AWS::IAM::AccessKey:null"). */
export function accessKeyWithOwner(
  accessKeyId: string | undefined,
  owner: AwsPrincipalParts,
): { key?: IdentityRef; owner?: IdentityRef } {
  const ownerRef = awsPrincipal(owner);
  const id = usable(accessKeyId);
  return { owner: ownerRef, key: id ? awsAccessKeyIdentity(id, ownerRef, usable(owner.account)) : undefined };
}

/** "AWS::IAM::AccessKey:ASIA…" (Security Hub's resource id for a key) → "ASIA…". */
export function accessKeyIdFromResourceId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const m = /^AWS::IAM::AccessKey:(.+)$/i.exec(id);
  if (m) return usable(m[1]);
  return /^(AKIA|ASIA)[A-Z0-9]{12,}$/.test(id) ? id : undefined;
}

/** A resource ARN → its account and region (empty for global services). */
export function resourceFromArn(arn: string, type?: string): Resource {
  const parts = arn.split(':');
  return {
    uid: arn,
    ...(type ? { type } : {}),
    ...(parts[3] ? { region: parts[3] } : {}),
    ...(parts[4] && ACCOUNT_ID.test(parts[4]) ? { account: parts[4] } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// EventBridge

/** EventBridge's envelope: { version, id, detail-type, source, account, time, region, resources, detail }. */
export function eventBridgeDetailType(doc: unknown): string | undefined {
  if (!isObject(doc) || !isObject(doc.detail)) return undefined;
  const dt = doc['detail-type'];
  return typeof dt === 'string' && typeof doc.source === 'string' ? dt : undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// GuardDuty

/**
 * GuardDuty severity is a 0–10 float. GuardDuty's bands: 1.0–3.9 low, 4.0–6.9 medium, 7.0–8.9 high, 9.0–10
 * critical (added 2024). ×10 lands exactly on our 0–100 thresholds (severityFromScore: ≥90 critical, ≥70 high,
 * ≥40 medium, ≥1 low), so the score is severity×10 and the label follows GuardDuty's own bands.
 */
export function guardDutySeverity(value: unknown): Severity {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : Number.NaN;
  if (Number.isFinite(n)) return severityFromScore(Math.round(n * 100) / 10);
  return severityFromLabel(value);
}

/**
 * GuardDuty finding type "ThreatPurpose:ResourceType/ThreatFamilyName.Variant!Artifact" → kind.
 *
 * | rule (first match wins)                                              | kind                 |
 * |----------------------------------------------------------------------|----------------------|
 * | …InstanceCredentialExfiltration… (instance role keys used elsewhere) | compromise-indicator |
 * | CredentialAccess:*                                                   | compromise-indicator |
 * | …MaliciousIPCaller…, …TorIPCaller…, …MaliciousFile… (key used by a known-bad caller) | compromise-indicator |
 * | …AnomalousBehavior (ML: unusual API use by the principal)            | anomalous-use        |
 * | Backdoor, Trojan, CryptoCurrency, Execution, Impact, Exfiltration, Malware | compromise-indicator |
 * | Policy:*RootCredentialUsage                                          | anomalous-use        |
 * | Policy:* (S3 block public access disabled, …)                        | misconfiguration     |
 * | Recon:EC2/PortProbe* (an exposed port is being probed)              | misconfiguration     |
 * | UnauthorizedAccess on a non-IAM resource (brute force, EC2 Tor)      | compromise-indicator |
 * | everything else (UnauthorizedAccess:IAMUser/ConsoleLogin…, Persistence, PrivilegeEscalation, Discovery, Stealth, DefenseEvasion, PenTest, InitialAccess) | anomalous-use |
 */
export function guardDutyKind(type: string): FindingKind {
  const [purpose = '', rest = ''] = type.split(':', 2);
  const resourceType = rest.split('/')[0] ?? '';
  if (/InstanceCredentialExfiltration/i.test(rest)) return 'compromise-indicator';
  if (purpose === 'CredentialAccess') return 'compromise-indicator';
  if (/MaliciousIPCaller|TorIPCaller|MaliciousFile/i.test(rest)) return 'compromise-indicator';
  if (/AnomalousBehavior/i.test(rest)) return 'anomalous-use';
  if (/^(Backdoor|Trojan|CryptoCurrency|Execution|Impact|Exfiltration|Malware|Object)$/i.test(purpose)) {
    return 'compromise-indicator';
  }
  if (purpose === 'Policy') return /RootCredentialUsage/i.test(rest) ? 'anomalous-use' : 'misconfiguration';
  if (purpose === 'Recon' && /PortProbe/i.test(rest)) return 'misconfiguration';
  if (purpose === 'UnauthorizedAccess' && !/^IAM/i.test(resourceType)) return 'compromise-indicator';
  return 'anomalous-use';
}

const GUARDDUTY_TYPE = /^[A-Za-z]+:[A-Za-z0-9]+[/-][^\s/]+$/;

/**
 * A GuardDuty type as Security Hub writes it in ASFF Types / OCSF finding_info.types
 * ("TTPs/Defense Evasion/Stealth:IAMUser-CloudTrailLoggingDisabled") → GuardDuty's own spelling
 * ("Stealth:IAMUser/CloudTrailLoggingDisabled"); undefined when the type is not one.
 */
export function guardDutyTypeFromTaxonomy(taxonomyType: string): string | undefined {
  if (!taxonomyType.includes(':')) return undefined;
  const last = taxonomyType.split('/').slice(taxonomyType.includes(':') ? -2 : -1);
  // GuardDuty's own spelling keeps its "/" (two segments); Security Hub's replaces it with "-" (one segment).
  const joined = last.length === 2 && last[0]!.includes(':') ? last.join('/') : last.at(-1)!;
  if (!GUARDDUTY_TYPE.test(joined)) return undefined;
  return joined.includes('/') ? joined : joined.replace(/^([^:]+:[A-Za-z0-9]+)-/, '$1/');
}

// ---------------------------------------------------------------------------------------------------------------
// Controls and checks → kind

/**
 * Security Hub (AFSBP / consolidated) control ids → kind. Only controls about credentials and privilege are
 * listed; every other control is a posture problem (misconfiguration).
 */
const SECURITY_HUB_CONTROLS: Record<string, FindingKind> = {
  'IAM.1': 'excess-privilege', // policies should not allow full "*" administrative privileges
  'IAM.3': 'stale-credential', // access keys rotated every 90 days
  'IAM.4': 'excess-privilege', // root user access key should not exist
  'IAM.8': 'unused-credential', // unused IAM user credentials removed
  'IAM.21': 'excess-privilege', // customer managed policies should not allow wildcard actions for services
  'IAM.22': 'unused-credential', // credentials unused for 45 days removed
  'KMS.1': 'excess-privilege', // customer managed policies allow decrypt on all KMS keys
  'KMS.2': 'excess-privilege', // principals should not have inline policies allowing decrypt on all KMS keys
  'CodeBuild.1': 'exposed-secret', // source repository URLs should not contain credentials
  'CodeBuild.2': 'exposed-secret', // environment variables should not contain clear-text credentials
  'ECS.8': 'exposed-secret', // secrets should not be passed as container environment variables
  'SecretsManager.1': 'stale-credential', // automatic rotation enabled
  'SecretsManager.2': 'stale-credential', // rotates successfully
  'SecretsManager.3': 'unused-credential', // remove unused secrets
  'SecretsManager.4': 'stale-credential', // rotated within N days
};

/** CIS AWS Foundations rule numbers moved between versions: 1.2.0 and 1.4.0+ differ. */
const CIS_RULES: Record<string, Record<string, FindingKind>> = {
  '1.2.0': {
    '1.3': 'unused-credential',
    '1.4': 'stale-credential',
    '1.12': 'excess-privilege',
    '1.22': 'excess-privilege',
  },
  later: {
    '1.4': 'excess-privilege',
    '1.12': 'unused-credential',
    '1.14': 'stale-credential',
    '1.16': 'excess-privilege',
  },
};

/** A Security Hub control id ("IAM.3") or a CIS rule ("1.4", with the benchmark version when known) → kind. */
export function controlKind(control: string | undefined, cisVersion?: string): FindingKind | undefined {
  if (!control) return undefined;
  const known = SECURITY_HUB_CONTROLS[control];
  if (known) return known;
  if (/^\d+\.\d+$/.test(control)) return CIS_RULES[cisVersion === '1.2.0' ? '1.2.0' : 'later']![control];
  return undefined;
}

/**
 * Words of a title, description or check id → kind, for tools and controls the tables do not name
 * (Prowler check ids, Access Analyzer, third-party ASFF). Undefined when nothing credential-related matches.
 */
export function kindFromText(text: string): FindingKind | undefined {
  const t = text.toLowerCase().replace(/_/g, ' ');
  // Encryption keys (KMS CMKs) rotate too, but they are not credentials an identity signs in with.
  if (
    /\b(kms|cmk|encryption key|customer.managed key)/.test(t) &&
    !/\b(secret|password|access ?key|token)/.test(t)
  ) {
    return /(decrypt|wildcard|full access)/.test(t) ? 'excess-privilege' : undefined;
  }
  const credential =
    /(access ?key|api ?key|credential|password|secret|token|service account key|user managed key|\bkeys?\b)/;
  if (
    /(no secrets|find secrets|secrets? (in|found)|hard-?coded|clear-?text|plain-?text|exposed|leak)/.test(
      t,
    ) &&
    credential.test(t)
  ) {
    return 'exposed-secret';
  }
  if (/rotat/.test(t) && credential.test(t)) return 'stale-credential';
  if (/unused permission/.test(t)) return 'excess-privilege';
  if (
    /(unused|not (been )?used|inactive|dormant)/.test(t) &&
    (credential.test(t) || /\b(user|role|console access)\b/.test(t))
  ) {
    return 'unused-credential';
  }
  if (
    /(administrat(or|ive) (access|privileges)|admin privileges|full (\W*\*\W* )?(administrative )?(access|privileges)|wildcard|privilege escalation|cluster.?admin|external access|no root access key|root (user )?access key)/.test(
      t,
    )
  ) {
    return 'excess-privilege';
  }
  return undefined;
}

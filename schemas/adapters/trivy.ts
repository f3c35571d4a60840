// trivy JSON report (`trivy fs|repo|image|config --format json`, SchemaVersion 2): {ArtifactName, ArtifactType,
// CreatedAt?, Results:[{Target, Class, Secrets?, Misconfigurations?, Vulnerabilities?}]}; the k8s report
// {ClusterName, Resources|Findings:[{Namespace, Kind, Name, Results}]} nests the same Results per object.
//
// Records: one per secret or misconfiguration, {Target, Class, ArtifactName, ArtifactType, CreatedAt, Namespace?,
// Kind?, Name?, Secret | Misconfiguration} — such a record maps to itself. Vulnerabilities (package CVEs) are not
// about identities and are not read.
//
// Severity: trivy's own scale, UNKNOWN → info 10 · LOW → low 30 · MEDIUM → medium 50 · HIGH → high 75 ·
// CRITICAL → critical 95 (severityFromLabel). trivy does not verify secrets, its rule severity is kept.
// Kind: Secrets → exposed-secret. Misconfigurations by the table below (ids, then title words), else
// misconfiguration.
// Status: misconfiguration Status EXCEPTION (waived by policy) → suppressed; PASS (a compliant check, reported
// with --include-non-failures) → passed, closing the failure of the same check on the same file (check-key.ts:
// trivy evaluates a check per file, and a PASS names no IaC block); everything else open.
// Time: the report's CreatedAt (9-digit fractions: trimmed); reports before trivy 0.49 have none → unknown (see
// observedTime). Metadata.ImageConfig.created is the image's build time ("0001-01-01…" when unset), not used.
//
// Secrets: trivy masks the value in Match and in Code.Lines (`****`), but context lines are NOT masked (a token
// on a neighbouring line stays in clear — the golden file has one). Match, every Code line's Content and
// Highlighted are registered with the scrubber and never copied; an unmasked Match or cause line also has its long
// tokens registered. The value is unknown, so the fingerprint is HMAC of rule + artifact + target + line, and the
// hint is the mask's length ("…(20)").
import { z } from 'zod';
import type { Finding, FindingKind, Reference, Resource } from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import { k8sServiceAccountIdentity } from '../identity-keys.ts';
import { type Adapter, type NormalizeContext, RecordSkipped } from './adapter.ts';
import { buildFinding } from './build.ts';
import { isMasked, nonEmpty, observedTime, registerSecret, secretParts } from './secret-common.ts';
import { k8sRoleIdentity } from './siem-common.ts';
import { findingId, isObject, parseRecord, severityFromLabel, slug } from './util.ts';

const Str = z.string().optional();
const Int = z.number().optional();
const Code = z
  .object({
    Lines: z
      .array(z.object({ Number: Int, Content: Str, Highlighted: Str, IsCause: z.boolean().optional() }))
      .nullable()
      .optional(),
  })
  .nullable()
  .optional();

const Secret = z.object({
  RuleID: z.string(),
  Category: Str,
  Severity: Str,
  Title: Str,
  StartLine: Int,
  EndLine: Int,
  Code,
  Match: Str,
  Offset: Int,
  Layer: z.object({ Digest: Str, DiffID: Str }).nullable().optional(),
});

const Misconfiguration = z.object({
  Type: Str,
  ID: Str,
  AVDID: Str,
  Title: Str,
  Description: Str,
  Message: Str,
  Resolution: Str,
  Severity: Str,
  PrimaryURL: Str,
  References: z.array(z.string()).nullable().optional(),
  Status: Str,
  CauseMetadata: z
    .object({ Resource: Str, Provider: Str, Service: Str, StartLine: Int, EndLine: Int, Code })
    .nullable()
    .optional(),
});

const Item = z.object({
  Target: z.string(),
  Class: Str,
  Type: Str,
  ArtifactName: Str,
  ArtifactType: Str,
  CreatedAt: Str,
  Namespace: Str,
  Kind: Str,
  Name: Str,
  Secret: Secret.optional(),
  Misconfiguration: Misconfiguration.optional(),
});
type Item = z.infer<typeof Item>;

// Misconfiguration → kind: AVD ids first, then words of the title. Anything else is plain misconfiguration.
const KIND_BY_ID: Record<string, FindingKind> = {
  'AVD-AWS-0057': 'excess-privilege', // IAM policy document uses wildcarded action/resource
  'AVD-AWS-0141': 'excess-privilege', // root user has access keys
  'AVD-AWS-0143': 'excess-privilege', // IAM policies attached directly to users
  'AVD-AWS-0146': 'stale-credential', // access keys not rotated in 90 days
  'AVD-AWS-0144': 'unused-credential', // credentials unused for 90 days
  'AVD-AWS-0166': 'unused-credential', // credentials unused for 45 days
  'AVD-KSV-0041': 'excess-privilege', // role can manage secrets
  'AVD-KSV-0044': 'excess-privilege', // role grants all verbs on all resources
  'AVD-KSV-0046': 'excess-privilege', // cluster-admin style wildcard role
  'AVD-KSV-0111': 'excess-privilege', // binding to cluster-admin
};
const KIND_BY_WORDS: Array<[RegExp, FindingKind]> = [
  [/\brotat/i, 'stale-credential'],
  [/\bunused\b|not been used|inactive (?:user|key|credential)/i, 'unused-credential'],
  [
    /wildcard|administrator|admin(?:istrative)? (?:access|privilege)|cluster-admin|privilege escalation|full access|overly permissive/i,
    'excess-privilege',
  ],
];

function misconfigKind(id: string | undefined, title: string | undefined): FindingKind {
  if (id && KIND_BY_ID[id]) return KIND_BY_ID[id]!;
  const hit = title ? KIND_BY_WORDS.find(([re]) => re.test(title)) : undefined;
  return hit?.[1] ?? 'misconfiguration';
}

function common(item: Item, ctx: NormalizeContext) {
  const { time, known } = observedTime(ctx, item.CreatedAt);
  const artifact = nonEmpty(item.ArtifactName);
  const resources: Resource[] = [
    {
      uid: item.Target,
      type: item.Class === 'config' || item.Class === 'secret' ? 'file' : (item.Class ?? 'target'),
      name: item.Target,
    },
  ];
  if (artifact && artifact !== '.' && artifact !== item.Target) {
    resources.push({ uid: artifact, type: item.ArtifactType ?? 'artifact', name: artifact });
  }
  const identities: IdentityRef[] = [];
  const k8sObject =
    item.Kind && item.Name
      ? `${item.Namespace ? `${item.Namespace}/` : ''}${item.Kind}/${item.Name}`
      : undefined;
  // trivy k8s names the object a check is about: service accounts and RBAC roles are identities, the rest resources.
  const cluster = item.ArtifactType === 'kubernetes' ? artifact : undefined;
  if (item.Kind === 'ServiceAccount' && item.Name) {
    identities.push(k8sServiceAccountIdentity(item.Namespace ?? 'default', item.Name, cluster));
  } else if ((item.Kind === 'Role' || item.Kind === 'ClusterRole') && item.Name) {
    identities.push(k8sRoleIdentity(item.Kind, item.Name, item.Namespace, cluster));
  } else if (k8sObject) {
    resources.push({ uid: k8sObject, type: `k8s-${item.Kind!.toLowerCase()}`, name: item.Name });
  }
  return { time, known, artifact, resources, identities, k8sObject };
}

function fromSecret(item: Item, s: z.infer<typeof Secret>, ctx: NormalizeContext): Finding {
  const lines = s.Code?.Lines ?? [];
  const matchMasked = s.Match === undefined || isMasked(s.Match);
  registerSecret(ctx, s.Match, { tokens: !matchMasked });
  for (const l of lines) {
    const unmaskedCause = l.IsCause === true && !isMasked(l.Content ?? '');
    registerSecret(ctx, l.Content, { tokens: unmaskedCause });
    registerSecret(ctx, l.Highlighted, { tokens: unmaskedCause });
  }
  const { time, known, artifact, resources, identities, k8sObject } = common(item, ctx);
  const line =
    s.StartLine !== undefined && Number.isInteger(s.StartLine) && s.StartLine > 0 ? s.StartLine : undefined;
  const parts = secretParts(ctx, {
    detector: s.RuleID,
    fallback: ['trivy', s.RuleID, artifact, k8sObject, item.Target, s.StartLine, s.Offset, s.Layer?.DiffID],
    masked: matchMasked ? s.Match : undefined,
  });
  identities.unshift(parts.identity);
  const where = line !== undefined ? `${item.Target}:${line}` : item.Target;
  return buildFinding({
    id: findingId(
      'trivy',
      'secret',
      artifact,
      k8sObject,
      item.Target,
      s.RuleID,
      s.StartLine,
      s.EndLine,
      s.Offset,
      s.Layer?.DiffID,
    ),
    source: { format: 'trivy', product: 'trivy', vendor: 'Aqua Security' },
    kind: 'exposed-secret',
    title: `${nonEmpty(s.Title) ?? s.RuleID} exposed in ${item.Target}`,
    severity: severityFromLabel(s.Severity, 'medium'),
    time,
    identities,
    resources,
    location: {
      ...(item.ArtifactType === 'repository' && artifact ? { repo: artifact } : {}),
      file: item.Target,
      ...(line !== undefined ? { line } : {}),
    },
    references: [{ kind: 'rule', id: s.RuleID }],
    secret: parts.secret,
    evidence: {
      rule: s.RuleID,
      ...(nonEmpty(s.Category) ? { category: s.Category! } : {}),
      location: where,
      ...(artifact && artifact !== '.' ? { artifact } : {}),
      ...(nonEmpty(s.Layer?.DiffID) ? { layer: s.Layer!.DiffID! } : {}),
      ...(known ? {} : { timeUnknown: true }),
    },
  });
}

function fromMisconfig(item: Item, m: z.infer<typeof Misconfiguration>, ctx: NormalizeContext): Finding {
  const status = m.Status?.toUpperCase();
  const { time, known, artifact, resources, identities, k8sObject } = common(item, ctx);
  const id = nonEmpty(m.ID) ?? nonEmpty(m.AVDID) ?? 'unknown-check';
  const cause = m.CauseMetadata;
  if (nonEmpty(cause?.Resource))
    resources.push({ uid: cause!.Resource!, type: cause?.Service ?? 'iac-resource', name: cause!.Resource });
  const line =
    cause?.StartLine !== undefined && Number.isInteger(cause.StartLine) && cause.StartLine > 0
      ? cause.StartLine
      : undefined;
  const references: Reference[] = [{ kind: 'control', id }];
  if (nonEmpty(m.AVDID) && m.AVDID !== id) references.push({ kind: 'control', id: m.AVDID! });
  if (nonEmpty(m.PrimaryURL)) references.push({ kind: 'url', id: m.PrimaryURL! });
  return buildFinding({
    id: findingId(
      'trivy',
      'misconfig',
      artifact,
      k8sObject,
      item.Target,
      id,
      cause?.Resource,
      cause?.StartLine,
      cause?.EndLine,
      m.Message,
    ),
    source: {
      format: 'trivy',
      product: 'trivy',
      vendor: 'Aqua Security',
      ...(nonEmpty(m.AVDID) ? { nativeId: m.AVDID } : {}),
    },
    kind: misconfigKind(nonEmpty(m.AVDID) ?? id, m.Title),
    ...(status === 'EXCEPTION' ? { status: 'suppressed', statusReason: 'exception (waived by policy)' } : {}),
    ...(status === 'PASS' ? { status: 'passed', statusReason: 'check passed' } : {}),
    title: nonEmpty(m.Title) ?? id,
    ...(nonEmpty(m.Message) || nonEmpty(m.Description)
      ? { description: nonEmpty(m.Message) ?? m.Description }
      : {}),
    severity: severityFromLabel(m.Severity, 'medium'),
    time,
    identities,
    resources,
    location: { file: item.Target, ...(line !== undefined ? { line } : {}) },
    references,
    evidence: {
      check: id,
      ...(nonEmpty(m.Type) ? { checkType: m.Type! } : {}),
      location: line !== undefined ? `${item.Target}:${line}` : item.Target,
      ...(nonEmpty(cause?.Resource) ? { resource: cause!.Resource! } : {}),
      ...(nonEmpty(m.Resolution) ? { resolution: m.Resolution! } : {}),
      ...(status ? { status } : {}),
      ...(known ? {} : { timeUnknown: true }),
    },
  });
}

/**
 * `trivy … --format spdx-json` writes an SPDX document (`spdxVersion`): packages and their relationships, no
 * vulnerability, misconfiguration or secret. Named and read as zero findings (CycloneDX, which can carry
 * vulnerabilities, is read as a report: see isCleanReport).
 */
const isSpdx = (o: unknown): boolean =>
  isObject(o) && typeof o.spdxVersion === 'string' && typeof o.SPDXID === 'string';

function normalizeItem(record: unknown, ctx: NormalizeContext): Finding[] {
  if (isSpdx(record))
    throw new RecordSkipped(
      'trivy: SPDX SBOM (--format spdx-json: packages only, no vulnerabilities, misconfigurations or secrets): skipped',
    );
  const item = parseRecord(Item, record, 'trivy');
  const out: Finding[] = [];
  if (item.Secret) out.push(fromSecret(item, item.Secret, ctx));
  if (item.Misconfiguration) out.push(fromMisconfig(item, item.Misconfiguration, ctx));
  return out;
}

// ---------------------------------------------------------------------------------------------------------

type Ctx = Record<string, unknown>;

/** A Result → its item records, each carrying the report's context. */
function itemsOf(result: unknown, context: Ctx): unknown[] {
  if (!isObject(result)) return [{ ...context, Result: result }];
  const { Secrets, Misconfigurations, Vulnerabilities: _v, ...rest } = result;
  const base = { Target: rest.Target, Class: rest.Class, Type: rest.Type, ...context };
  const out: unknown[] = [];
  if (Secrets !== undefined && Secrets !== null) {
    if (Array.isArray(Secrets)) for (const s of Secrets) out.push({ ...base, Secret: s });
    else out.push({ ...base, Secret: Secrets });
  }
  if (Misconfigurations !== undefined && Misconfigurations !== null) {
    if (Array.isArray(Misconfigurations))
      for (const m of Misconfigurations) out.push({ ...base, Misconfiguration: m });
    else out.push({ ...base, Misconfiguration: Misconfigurations });
  }
  return out;
}

function reportContext(doc: Record<string, unknown>): Ctx {
  const ctx: Ctx = {};
  for (const k of ['ArtifactName', 'ArtifactType', 'CreatedAt'] as const)
    if (doc[k] !== undefined) ctx[k] = doc[k];
  return ctx;
}

function records(doc: unknown): unknown[] {
  // SchemaVersion 1 (trivy < 0.20) wrote the Results array bare.
  if (Array.isArray(doc)) return doc.flatMap((r) => (isItem(r) ? [r] : itemsOf(r, {})));
  if (!isObject(doc)) return [doc];
  if (isItem(doc)) return [doc];
  const context = reportContext(doc);
  if (Array.isArray(doc.Results)) return doc.Results.flatMap((r) => itemsOf(r, context));
  const k8sResources = k8sWorkloads(doc);
  if (k8sResources) {
    // trivy k8s: {ClusterName, Resources:[{Namespace, Kind, Name, Results}]} (`--report summary` says Findings;
    // trivy before 0.37 split the workloads into Vulnerabilities and Misconfigurations lists of the same shape)
    const cluster =
      typeof doc.ClusterName === 'string'
        ? { ArtifactName: doc.ClusterName, ArtifactType: 'kubernetes' }
        : {};
    return k8sResources.flatMap((res) => {
      if (!isObject(res) || !Array.isArray(res.Results)) return [];
      const k8s = { ...context, ...cluster, Namespace: res.Namespace, Kind: res.Kind, Name: res.Name };
      return res.Results.flatMap((r) => itemsOf(r, k8s));
    });
  }
  if ('Target' in doc) return itemsOf(doc, {}); // a single Result
  if (isCleanReport(doc)) return []; // trivy omits Results when it found nothing
  return [doc];
}

/** A k8s report's workloads: Resources, Findings, or (trivy < 0.37) Vulnerabilities + Misconfigurations. */
function k8sWorkloads(doc: Record<string, unknown>): unknown[] | undefined {
  if (Array.isArray(doc.Resources)) return doc.Resources;
  if (Array.isArray(doc.Findings)) return doc.Findings;
  if (typeof doc.ClusterName !== 'string') return undefined;
  const split = [doc.Vulnerabilities, doc.Misconfigurations].filter(Array.isArray);
  return split.length ? split.flat() : undefined;
}

const isItem = (o: unknown): boolean =>
  isObject(o) && typeof o.Target === 'string' && (isObject(o.Secret) || isObject(o.Misconfiguration));
const isResult = (o: unknown): boolean =>
  isObject(o) &&
  typeof o.Target === 'string' &&
  (Array.isArray(o.Secrets) || Array.isArray(o.Misconfigurations) || 'Class' in o || isSchemaV1Result(o));
/** trivy < 0.20 (SchemaVersion 1): a bare list of {Target, Type, Vulnerabilities} (null when none found). */
const isSchemaV1Result = (o: Record<string, unknown>): boolean =>
  typeof o.Type === 'string' && (Array.isArray(o.Vulnerabilities) || o.Vulnerabilities === null);
const isCleanReport = (o: Record<string, unknown>): boolean =>
  typeof o.SchemaVersion === 'number' &&
  typeof o.ArtifactName === 'string' &&
  o.Results === undefined &&
  o.Resources === undefined;
const isReport = (o: Record<string, unknown>): boolean =>
  isCleanReport(o) ||
  ((typeof o.SchemaVersion === 'number' ||
    isObject(o.Trivy) ||
    typeof o.ArtifactName === 'string' ||
    typeof o.ClusterName === 'string') &&
    ((Array.isArray(o.Results) && (o.Results.length === 0 || isResult(o.Results[0]))) ||
      (typeof o.ClusterName === 'string' && k8sWorkloads(o) !== undefined)));

// Short names for the report modes' ArtifactType ("container_image" is `trivy image`).
const ARTIFACT_MODES: Record<string, string> = {
  container_image: 'image',
  filesystem: 'fs',
  repository: 'repo',
  vm_image: 'vm',
};

function trivyVariant(doc: unknown): string {
  if (isSpdx(doc)) return 'spdx';
  if (Array.isArray(doc)) return isItem(doc[0]) ? 'items' : 'schema-v1';
  if (!isObject(doc)) return 'report';
  if (isItem(doc)) return 'item';
  if (typeof doc.ClusterName === 'string' && !Array.isArray(doc.Results)) {
    if (Array.isArray(doc.Resources)) return 'k8s-cluster';
    // `--report summary --format json`: each workload's Results consolidated under Findings.
    if (Array.isArray(doc.Findings)) return 'k8s-summary';
    return 'k8s-cluster-pre-0.37';
  }
  if ('Target' in doc) return 'result';
  const type = typeof doc.ArtifactType === 'string' ? doc.ArtifactType : undefined;
  return type ? (ARTIFACT_MODES[type] ?? slug(type)) : 'report';
}

export const trivyAdapter: Adapter = {
  format: 'trivy',
  signature:
    'trivy JSON report {SchemaVersion, ArtifactName, Results:[{Target, Class, Secrets|Misconfigurations}]}; k8s {ClusterName, Resources|Findings|Vulnerabilities+Misconfigurations:[{Namespace, Kind, Name, Results}]}',
  detect: (doc) =>
    Array.isArray(doc)
      ? doc.length > 0 && isResult(doc[0])
      : isObject(doc) &&
        (isReport(doc) || isItem(doc) || isSpdx(doc) || (isResult(doc) && !('Results' in doc))),
  records,
  variant: trivyVariant,
  normalize: normalizeItem,
};

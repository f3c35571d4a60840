// checkov: Checkov JSON reports (`checkov -o json`) — one framework `{check_type, results: {failed_checks, …},
// summary}`, the multi-framework array of those, or a bare failed check (one record). A record is one failed check;
// the report's summary is not trusted for counts (checkov 1.0.467 says failed=2 beside 3 failed_checks: all 3 are
// emitted). passed_checks are not findings and skipped_checks are suppressions written into the code, so neither is
// emitted. An empty report (`{"passed": 0, "failed": 0, …, "checkov_version"}`) gives no findings.
//
// Severity: the check's `severity` when checkov has one (CRITICAL/HIGH/MEDIUM/LOW/INFO; needs a platform API key in
// most versions); otherwise medium, except secret checks → high (a live credential in code).
// Kind:
//   CKV_SECRET_* or check_type secrets, and checks that find credentials in code/config
//     (CKV_AWS_41 provider keys, CKV_AWS_45 Lambda env, CKV_AWS_46 EC2 user data, CKV_AZURE_45 VM custom data,
//      CKV_GCP_* / names with "hard coded", "secrets"…)                                        → exposed-secret
//   IAM over-permission: CKV_AWS_1/49/62/63/107–111/286–290/355 ("*" actions/resources, admin,
//     privilege escalation, credentials exposure), CKV_AZURE_39 custom owner roles,
//     CKV_GCP_41/42/44/46/49 (SA admin/user/impersonation roles), CKV_K8S_49/155–158 (wildcards, escalate,
//     bind, impersonate), or a name about admin/privilege/wildcard                              → excess-privilege
//   names about rotation                                                                         → stale-credential
//   everything else                                                                              → misconfiguration
// Time: checkov reports carry no timestamp, so the ingestion day is used (see ingestionTime in siem-common.ts).
// Identities: Kubernetes ServiceAccount/ClusterRole/Role resources (`Kind.namespace.name`) become identities; a
//   secret check becomes a secret identity keyed by detector + fingerprint of checkov's own secret hash (the
//   `resource` of a secret record is detect-secrets' SHA-1 of the value, so the same secret found by
//   detect-secrets and checkov gets one key). Other resources (terraform addresses etc.) are resources.
// Secrets: code_block lines may hold the value (checkov censors the secret in them, but leaves the line as-is when
//   it cannot find the value in it) — never copied; for credential checks every line and every token in it that
//   could be a credential is registered with ctx.secrets so the boundary scrubs it wherever it might surface.
//   AWS access key ids seen there become access-key identities (an id is an identifier, not the secret). IaC
//   credential checks (no tool hash) get a secret fingerprinted from check id + file + line.
import { z } from 'zod';
import type { Finding, FindingKind, Reference, Resource } from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import {
  awsAccessKeyIdentity,
  isAccessKeyId,
  k8sServiceAccountIdentity,
  secretIdentity,
} from '../identity-keys.ts';
import { fingerprint } from '../redaction.ts';
import { type Adapter, type NormalizeContext, RecordError } from './adapter.ts';
import { buildFinding } from './build.ts';
import { clip, evidenceOf, ingestionTime, k8sRoleIdentity } from './siem-common.ts';
import { findingId, isObject, parseRecord, severityFromLabel } from './util.ts';

const Str = z.string().nullish();

const FailedCheck = z.object({
  check_id: z.string(),
  bc_check_id: Str,
  check_name: Str,
  check_result: z.object({ result: z.string() }).nullish(),
  code_block: z.array(z.array(z.unknown())).nullish(),
  file_path: Str,
  repo_file_path: Str,
  file_line_range: z.array(z.number()).nullish(),
  resource: z.string().nullish(),
  resource_address: Str,
  severity: Str,
  guideline: Str,
  description: Str,
  bc_category: Str,
  benchmarks: z.unknown().optional(),
  check_type: Str,
});
type FailedCheck = z.infer<typeof FailedCheck>;

const SECRET_CHECKS = new Set(['CKV_AWS_41', 'CKV_AWS_45', 'CKV_AWS_46', 'CKV_AZURE_45', 'CKV_GCP_34']);
const PRIVILEGE_CHECKS = new Set([
  'CKV_AWS_1',
  'CKV_AWS_49',
  'CKV_AWS_62',
  'CKV_AWS_63',
  'CKV_AWS_107',
  'CKV_AWS_108',
  'CKV_AWS_109',
  'CKV_AWS_110',
  'CKV_AWS_111',
  'CKV_AWS_286',
  'CKV_AWS_287',
  'CKV_AWS_288',
  'CKV_AWS_289',
  'CKV_AWS_290',
  'CKV_AWS_355',
  'CKV_AZURE_39',
  'CKV_GCP_41',
  'CKV_GCP_42',
  'CKV_GCP_44',
  'CKV_GCP_46',
  'CKV_GCP_49',
  'CKV_K8S_49',
  'CKV_K8S_155',
  'CKV_K8S_156',
  'CKV_K8S_157',
  'CKV_K8S_158',
]);

const isSecretCheck = (c: FailedCheck) =>
  c.check_type === 'secrets' ||
  c.check_id.startsWith('CKV_SECRET_') ||
  c.bc_check_id?.startsWith('BC_GIT_') === true;

export function checkovKind(c: FailedCheck): FindingKind {
  const name = c.check_name ?? '';
  if (
    isSecretCheck(c) ||
    SECRET_CHECKS.has(c.check_id) ||
    /\bhard[- ]?coded\b|\bsecrets?\b.*\b(exposed|in (plain|clear)|environment)|\bcredentials? (exist|exposed)/i.test(
      name,
    )
  ) {
    return 'exposed-secret';
  }
  if (
    PRIVILEGE_CHECKS.has(c.check_id) ||
    /\badmin(istrative)? privileges?\b|\bprivilege escalation\b|\bwildcard\b|"\*"|\bfull "?\*/i.test(name)
  ) {
    return 'excess-privilege';
  }
  if (/\brotat(e|ion|ed)\b/i.test(name)) return 'stale-credential';
  return 'misconfiguration';
}

/**
 * What in a code line could be a credential: quoted values of 8+ characters, and bare tokens of 12+ characters
 * mixing letters and digits. Censored values (with `*`) are skipped; AWS access key ids are identifiers, returned
 * apart (they become identities, and are not secret on their own).
 */
function secretTokens(line: string): { secrets: string[]; keyIds: string[] } {
  const candidates = [
    ...[...line.matchAll(/["']([^"'\s]{8,})["']/g)].map((m) => m[1]!),
    ...(line.match(/[A-Za-z0-9+/=_\-.:@]{12,}/g) ?? []).filter((t) => /\d/.test(t) && /[A-Za-z]/.test(t)),
  ].filter((t) => !t.includes('*'));
  const keyIds = new Set<string>();
  const secrets = new Set<string>();
  for (const t of candidates) {
    const bare = /(?:^|[=:])((?:AKIA|ASIA)[A-Z0-9]{16})$/.exec(t)?.[1];
    if (bare && isAccessKeyId(bare)) keyIds.add(bare);
    else secrets.add(t);
  }
  return { secrets: [...secrets], keyIds: [...keyIds] };
}

/** Checkov's censored value ("AKIAIO**********") → a hint of at most 4 visible characters. */
function censoredHint(lines: string[]): string {
  for (const l of lines) {
    const m = /([A-Za-z0-9+/_-]*)\*{3,}/.exec(l);
    if (m) return `${m[1]!.slice(0, 4)}…`;
  }
  return '…';
}

/** Kubernetes resources are `Kind.namespace.name` (names may contain dots). */
function k8sIdentity(resource: string): IdentityRef | undefined {
  const [kind, namespace, ...rest] = resource.split('.');
  const name = rest.join('.');
  if (!kind || !namespace || !name) return undefined;
  if (kind === 'ServiceAccount') return k8sServiceAccountIdentity(namespace, name);
  if (kind === 'ClusterRole') return k8sRoleIdentity('ClusterRole', name);
  if (kind === 'Role') return k8sRoleIdentity('Role', name, namespace);
  return undefined;
}

const K8S_TYPES = new Set(['kubernetes', 'helm', 'kustomize']);

function normalizeCheck(c: FailedCheck, ctx: NormalizeContext): Finding[] {
  const result = c.check_result?.result?.toUpperCase();
  if (result && result !== 'FAILED') return []; // PASSED / SKIPPED records are not findings
  const secret = isSecretCheck(c);
  const kind = checkovKind(c);
  const line = c.file_line_range?.[0];
  const file = c.repo_file_path ?? c.file_path ?? undefined;
  const codeLines = (c.code_block ?? []).flatMap((l) => l.filter((x): x is string => typeof x === 'string'));

  const identities: IdentityRef[] = [];
  const resources: Resource[] = [];
  let secretRef: Finding['secret'];
  if (kind === 'exposed-secret') {
    // Never copy code_block; register what it may hold so nothing can leak, and name the access keys it shows.
    const keyIds = new Set<string>();
    for (const l of codeLines) {
      const t = l.trim();
      const found = secretTokens(l);
      if (t) ctx.secrets.add(t);
      for (const v of found.secrets) ctx.secrets.add(v);
      for (const k of found.keyIds) keyIds.add(k);
    }
    for (const k of keyIds) identities.push(awsAccessKeyIdentity(k));
    // A secret record's `resource` is "<sha1>" or "<commit>:<sha1>": the tool's own stand-in for the value.
    // Without one (IaC credential checks) the detector and location identify the secret.
    const detector = secret ? (c.check_name ?? c.check_id) : c.check_id;
    const toolHash = secret ? c.resource?.split(':').at(-1) : undefined;
    const basis =
      toolHash && /^[0-9a-f]{32,}$/i.test(toolHash)
        ? toolHash.toLowerCase()
        : `checkov|${c.check_id}|${file ?? ''}|${line ?? ''}`;
    const fp = fingerprint(basis, ctx.fingerprintKey);
    secretRef = { detector, fingerprint: fp, hint: censoredHint(codeLines) };
    identities.push(
      secretIdentity(detector, fp, /\baws\b/i.test(detector) || keyIds.size > 0 ? 'aws' : 'generic'),
    );
  }
  if (secret) {
    if (file) resources.push({ uid: file, type: 'file' });
  } else if (c.resource) {
    const k8s =
      K8S_TYPES.has(c.check_type ?? '') || /^(ServiceAccount|ClusterRole|Role)\./.test(c.resource)
        ? k8sIdentity(c.resource)
        : undefined;
    if (k8s) identities.push(k8s);
    const parts = c.resource.split('.');
    const type = K8S_TYPES.has(c.check_type ?? '') ? parts[0] : parts.length >= 2 ? parts.at(-2) : undefined;
    resources.push({
      uid: c.resource,
      type,
      name: c.resource_address && c.resource_address !== c.resource ? c.resource_address : undefined,
    });
  }

  const references: Reference[] = [{ kind: 'rule', id: c.check_id }];
  if (c.bc_check_id) references.push({ kind: 'rule', id: c.bc_check_id });
  if (c.guideline) references.push({ kind: 'url', id: c.guideline });
  // benchmarks: {"CIS GCP V1.1": [{"name": "5.2", …}]} (read leniently: the shape is the platform's).
  if (isObject(c.benchmarks)) {
    for (const [framework, items] of Object.entries(c.benchmarks)) {
      for (const item of Array.isArray(items) ? items : []) {
        const id = isObject(item) ? item.name : item;
        if (typeof id === 'string' && id) references.push({ kind: 'control', id: `${framework} ${id}` });
      }
    }
  }

  const severity = c.severity
    ? severityFromLabel(c.severity, 'medium')
    : severityFromLabel(secret ? 'high' : 'medium');
  return [
    buildFinding({
      id: findingId(
        'checkov',
        c.check_type ?? undefined,
        c.check_id,
        file,
        c.resource ?? undefined,
        line,
        c.file_line_range?.[1],
      ),
      source: {
        format: 'checkov',
        product: 'Checkov',
        vendor: 'Prisma Cloud (Bridgecrew)',
        nativeId: c.check_id,
      },
      kind,
      status: 'open',
      title: c.check_name ?? c.check_id,
      description: clip(c.description ?? undefined, 1000),
      severity,
      time: ingestionTime(ctx),
      identities,
      resources,
      location: file || line !== undefined ? { file: file ?? undefined, line } : undefined,
      references,
      ...(secretRef ? { secret: secretRef } : {}),
      evidence: evidenceOf({
        check: c.check_id,
        checkType: c.check_type ?? undefined,
        category: c.bc_category ?? undefined,
        where: file ? `${file}${line !== undefined ? `:${line}` : ''}` : undefined,
        severityFromTool: c.severity ? c.severity : c.severity === null ? null : undefined,
      }),
    }),
  ];
}

const isReport = (v: unknown): v is Record<string, unknown> =>
  isObject(v) && typeof v.check_type === 'string' && isObject(v.results);
const isFailedCheck = (v: unknown): boolean =>
  isObject(v) &&
  typeof v.check_id === 'string' &&
  (isObject(v.check_result) || 'file_line_range' in v) &&
  'resource' in v;
const isEmptyReport = (v: unknown): boolean =>
  isObject(v) &&
  typeof v.checkov_version === 'string' &&
  typeof v.failed === 'number' &&
  typeof v.passed === 'number';

function unwrap(doc: unknown): unknown[] {
  if (Array.isArray(doc)) return doc.flatMap(unwrap);
  if (isReport(doc)) {
    const results = doc.results as Record<string, unknown>;
    const failed = Array.isArray(results.failed_checks) ? results.failed_checks : [];
    // The framework's check_type travels with each of its checks (a shallow copy; the check itself is unchanged).
    return failed.map((c) =>
      isObject(c) && !('check_type' in c) ? { ...c, check_type: doc.check_type } : c,
    );
  }
  if (isEmptyReport(doc)) return [];
  return [doc];
}

export const checkovAdapter: Adapter = {
  format: 'checkov',
  signature:
    'Checkov JSON: {check_type, results: {failed_checks}, summary} (or an array of them), or a failed check {check_id, check_result, resource}',
  detect(doc) {
    if (Array.isArray(doc)) return doc.length > 0 && (isReport(doc[0]) || isFailedCheck(doc[0]));
    return isReport(doc) || isFailedCheck(doc) || isEmptyReport(doc);
  },
  records: unwrap,
  // One framework with results: a single report object; several (the default scans all): a list of reports.
  variant(doc) {
    if (Array.isArray(doc)) return isReport(doc[0]) ? 'multi-framework' : 'failed-checks';
    if (isReport(doc)) return 'report';
    return isEmptyReport(doc) ? 'empty-report' : 'failed-check';
  },
  normalize(record, ctx) {
    if (!isObject(record)) throw new RecordError('not a valid checkov record: (record): expected an object');
    return normalizeCheck(parseRecord(FailedCheck, record, 'checkov failed check'), ctx);
  },
};

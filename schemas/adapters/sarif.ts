// Generic SARIF 2.1.0 (any tool: CodeQL, Semgrep, trivy --format sarif, checkov, …): each result → one finding,
// with the rule's metadata, the first location and the run's repository.
//
// Records: a SARIF log is split into single-result logs (the run's tool, invocations and provenance, the one
// rule the result refers to, the one result), so one bad result is one rejected record and a Kafka message may
// carry one result in the same shape. A single-result log maps to itself.
//
// Severity (the tool's own scale first):
//   rule/result properties "security-severity" (CVSS 0–10, GitHub code scanning) → score ×10 (severityFromScore);
//   else result.level ?? rule.defaultConfiguration.level ?? "warning" (SARIF's default):
//   error → high 75 · warning → medium 50 · note → low 30 · none → info 10.
//
// Kind:
//   tags secret/secrets/credential(s)/hardcoded-secret, a credential weakness (SECRET_CWES: CWE-798/259/321
//   hard-coded, 312/313/315/256/257/260 cleartext storage, 522, 540, 615) in the tags, a `cwe` property of the rule
//   or result, or the rule's CWE taxonomy relationships; a rule id naming a secret (CKV_SECRET_2, generic-secret) or
//   a hard-coded credential (its id, name or short description), or a known secret scanner as the driver →
//   exposed-secret;
//   everything else → misconfiguration.
//
// Status: result.kind pass / notApplicable are not findings (skipped); baselineState "absent" (gone since the
// baseline) → resolved; a suppression that is not rejected / under review → suppressed (its justification as
// the reason); else open.
//
// Secrets: snippet texts (region and contextRegion, every location) are registered with the scrubber; for a
// secret result the message text and the rule's long texts are never copied (tools write the value or the match
// into them: trivy puts Match into message, fullDescription and help), the title is the rule's short description. A snippet that is one bare token is taken as the value (fingerprinted, masked); otherwise the
// tool's own fingerprints, else rule + location, are fingerprinted.
import { z } from 'zod';
import type { Finding, Reference, Resource, Severity } from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import { awsAccessKeyIdentity, awsIdentityFromArn } from '../identity-keys.ts';
import type { Adapter, NormalizeContext } from './adapter.ts';
import { buildFinding } from './build.ts';
import { isMasked, nonEmpty, observedTime, registerSecret, secretParts } from './secret-common.ts';
import { findingId, isObject, parseRecord, severityFromScore, slug } from './util.ts';

// ---------------------------------------------------------------------------------------------------------
// Native schema: only what we read; every object loose so extra SARIF properties are kept out of our way.

const Str = z.string().optional();
const Num = z.number().optional();
const Message = z.looseObject({ text: Str, markdown: Str, id: Str }).optional();
const Snippet = z.looseObject({ text: Str }).optional();
const Region = z
  .looseObject({ startLine: Num, startColumn: Num, endLine: Num, endColumn: Num, snippet: Snippet })
  .optional();
const Properties = z
  .looseObject({
    tags: z.array(z.unknown()).optional(),
    cwe: z.unknown().optional(),
    'security-severity': z.union([z.string(), z.number()]).optional(),
  })
  .optional();

export const SarifLocation = z.looseObject({
  physicalLocation: z
    .looseObject({
      artifactLocation: z.looseObject({ uri: Str, uriBaseId: Str }).optional(),
      region: Region,
      contextRegion: Region,
    })
    .optional(),
  logicalLocations: z.array(z.looseObject({ name: Str, fullyQualifiedName: Str, kind: Str })).optional(),
});

export const SarifRule = z.looseObject({
  id: Str,
  name: Str,
  shortDescription: Message,
  fullDescription: Message,
  help: Message,
  helpUri: Str,
  defaultConfiguration: z.looseObject({ level: Str }).optional(),
  properties: Properties,
});
export type SarifRule = z.infer<typeof SarifRule>;

export const SarifResult = z.looseObject({
  ruleId: Str,
  ruleIndex: Num,
  rule: z.looseObject({ id: Str, index: Num }).optional(),
  kind: Str,
  level: Str,
  message: Message,
  locations: z.array(SarifLocation).optional(),
  relatedLocations: z.array(SarifLocation).optional(),
  guid: Str,
  correlationGuid: Str,
  fingerprints: z.record(z.string(), z.unknown()).optional(),
  partialFingerprints: z.record(z.string(), z.unknown()).optional(),
  baselineState: Str,
  suppressions: z.array(z.looseObject({ status: Str, kind: Str })).optional(),
  provenance: z.looseObject({ firstDetectionTimeUtc: Str, lastDetectionTimeUtc: Str }).optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
});
export type SarifResult = z.infer<typeof SarifResult>;

export const SarifRun = z.looseObject({
  tool: z.looseObject({
    driver: z.looseObject({
      name: z.string(),
      version: Str,
      semanticVersion: Str,
      organization: Str,
      rules: z.array(SarifRule).optional(),
    }),
  }),
  results: z.array(SarifResult).nullable().optional(),
  invocations: z.array(z.looseObject({ startTimeUtc: Str, endTimeUtc: Str })).optional(),
  versionControlProvenance: z
    .array(z.looseObject({ repositoryUri: Str, revisionId: Str, branch: Str }))
    .optional(),
});
export type SarifRun = z.infer<typeof SarifRun>;

export const SarifLog = z.looseObject({ version: Str, runs: z.array(SarifRun) });
export type SarifLog = z.infer<typeof SarifLog>;

// ---------------------------------------------------------------------------------------------------------
// Detection and splitting (shared with the gitleaks adapter, which claims gitleaks' own SARIF first)

/** The driver name of a SARIF log's first run, or undefined when the document is not SARIF-shaped. */
export function sarifDriverName(doc: unknown): string | undefined {
  if (!isObject(doc) || !Array.isArray(doc.runs) || doc.runs.length === 0) return undefined;
  const run = doc.runs[0];
  if (!isObject(run) || !isObject(run.tool) || !isObject(run.tool.driver)) return undefined;
  const name = run.tool.driver.name;
  return typeof name === 'string' ? name : undefined;
}

/** A SARIF log with no runs (a tool that scanned nothing): an empty report, whichever tool wrote it. */
const isEmptySarif = (doc: unknown): boolean =>
  isObject(doc) &&
  Array.isArray(doc.runs) &&
  doc.runs.length === 0 &&
  (doc.version === '2.1.0' || (typeof doc.$schema === 'string' && /sarif/i.test(doc.$schema)));

const isSarifLike = (doc: unknown): boolean => {
  if (isEmptySarif(doc)) return true;
  if (sarifDriverName(doc) === undefined || !isObject(doc)) return false;
  const version = doc.version;
  const schema = doc.$schema;
  return (
    version === '2.1.0' || (typeof schema === 'string' && /sarif/i.test(schema)) || version === undefined
  );
};

/** The rule a result refers to: by ruleIndex (checked against its id), else by ruleId. */
function ruleOf(run: Record<string, unknown>, result: Record<string, unknown>): unknown {
  const tool = isObject(run.tool) ? run.tool : {};
  const driver = isObject(tool.driver) ? tool.driver : {};
  let rules = Array.isArray(driver.rules) ? driver.rules : [];
  const ref = isObject(result.rule) ? result.rule : undefined;
  const component = ref && isObject(ref.toolComponent) ? ref.toolComponent : undefined;
  if (component && typeof component.index === 'number' && Array.isArray(tool.extensions)) {
    const ext = tool.extensions[component.index];
    rules = isObject(ext) && Array.isArray(ext.rules) ? ext.rules : [];
  }
  const id =
    typeof result.ruleId === 'string' ? result.ruleId : typeof ref?.id === 'string' ? ref.id : undefined;
  const index =
    typeof result.ruleIndex === 'number'
      ? result.ruleIndex
      : typeof ref?.index === 'number'
        ? ref.index
        : undefined;
  if (index !== undefined) {
    const byIndex = rules[index];
    if (
      isObject(byIndex) &&
      (id === undefined || byIndex.id === id || (typeof id === 'string' && id.startsWith(`${byIndex.id}/`)))
    )
      return byIndex;
  }
  if (id === undefined) return undefined;
  return (
    rules.find((r) => isObject(r) && r.id === id) ??
    rules.find((r) => isObject(r) && typeof r.id === 'string' && id.startsWith(`${r.id}/`))
  );
}

/** A SARIF log → one single-result log per result (tool, invocations, provenance and the one rule kept). */
export function splitSarif(doc: unknown): unknown[] {
  if (!isObject(doc) || !Array.isArray(doc.runs)) return [doc];
  const out: unknown[] = [];
  for (const run of doc.runs) {
    if (!isObject(run) || !isObject(run.tool) || !isObject(run.tool.driver)) {
      out.push({ version: doc.version, runs: [run] }); // rejected later with a readable reason
      continue;
    }
    const results = run.results;
    if (results === undefined || results === null) continue;
    if (!Array.isArray(results)) {
      out.push({ version: doc.version, runs: [run] });
      continue;
    }
    const { rules: _rules, ...driver } = run.tool.driver;
    for (const result of results) {
      if (!isObject(result)) {
        out.push({ version: doc.version, runs: [{ ...run, results: [result] }] });
        continue;
      }
      const rule = ruleOf(run, result);
      const { rule: _ref, ruleIndex: _index, ...rest } = result;
      const single = rule ? { ...rest, ruleIndex: 0 } : rest;
      out.push({
        version: doc.version ?? '2.1.0',
        runs: [
          {
            tool: { driver: { ...driver, rules: rule ? [rule] : [] } },
            ...(run.invocations !== undefined ? { invocations: run.invocations } : {}),
            ...(run.versionControlProvenance !== undefined
              ? { versionControlProvenance: run.versionControlProvenance }
              : {}),
            results: [single],
          },
        ],
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Shared reading helpers

export function resultRule(run: SarifRun, result: SarifResult): SarifRule | undefined {
  const rules = run.tool.driver.rules ?? [];
  const id = result.ruleId ?? result.rule?.id;
  const index = result.ruleIndex ?? result.rule?.index;
  if (index !== undefined) {
    const r = rules[index];
    if (r && (id === undefined || r.id === id || id.startsWith(`${r.id}/`))) return r;
  }
  return id === undefined ? undefined : rules.find((r) => r.id === id);
}

export function firstPhysical(result: SarifResult) {
  return result.locations?.find((l) => l.physicalLocation)?.physicalLocation;
}

/** Every snippet a result carries (region and context region of every location): all may hold the secret. */
export function snippetsOf(result: SarifResult): string[] {
  const out: string[] = [];
  for (const loc of [...(result.locations ?? []), ...(result.relatedLocations ?? [])]) {
    const p = loc.physicalLocation;
    for (const t of [p?.region?.snippet?.text, p?.contextRegion?.snippet?.text]) if (t) out.push(t);
  }
  return out;
}

export function sarifTime(ctx: NormalizeContext, run: SarifRun, result: SarifResult, ...more: unknown[]) {
  const inv = run.invocations?.[0];
  return observedTime(
    ctx,
    result.provenance?.lastDetectionTimeUtc,
    result.provenance?.firstDetectionTimeUtc,
    ...more,
    inv?.endTimeUtc,
    inv?.startTimeUtc,
  );
}

const stringTags = (list: unknown): string[] =>
  Array.isArray(list) ? list.filter((t): t is string => typeof t === 'string') : [];

/** A `cwe` property as tools write it: "CWE-798: Use of…" (njsscan, mobsfscan), ["CWE-798"] (Snyk Code), 798. */
function cweProperty(value: unknown): string[] {
  const one = (v: unknown) =>
    typeof v === 'number' && Number.isInteger(v) ? `CWE-${v}` : typeof v === 'string' ? v : undefined;
  const list = Array.isArray(value) ? value : [value];
  return list.map(one).filter((t): t is string => t !== undefined && /^\s*cwe[-/:]?\d/i.test(t));
}

/**
 * The weaknesses a rule or result names outside its tags, as tags (`CWE-798`): the `cwe` property of the rule or
 * the result, and SARIF's own taxonomy references, `rule.relationships[].target` in the CWE tool component (gosec).
 */
function weaknessTags(rule: SarifRule | undefined, result: SarifResult): string[] {
  const out = [...cweProperty(rule?.properties?.cwe), ...cweProperty(result.properties?.cwe)];
  const relationships = (rule as { relationships?: unknown } | undefined)?.relationships;
  for (const r of Array.isArray(relationships) ? relationships : []) {
    const target = isObject(r) && isObject(r.target) ? r.target : undefined;
    const component = target && isObject(target.toolComponent) ? target.toolComponent.name : undefined;
    if (typeof component === 'string' && /^cwe$/i.test(component.trim()) && /^\d+$/.test(String(target!.id)))
      out.push(`CWE-${target!.id}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Mapping tables

const LEVEL_SEVERITY: Record<string, Severity> = {
  error: { label: 'high', score: 75 },
  warning: { label: 'medium', score: 50 },
  note: { label: 'low', score: 30 },
  none: { label: 'info', score: 10 },
};

function severityOf(rule: SarifRule | undefined, result: SarifResult): Severity {
  const raw = result.properties?.['security-severity'] ?? rule?.properties?.['security-severity'];
  const cvss = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number.parseFloat(raw) : Number.NaN;
  if (Number.isFinite(cvss) && cvss >= 0 && cvss <= 10) return severityFromScore(Math.round(cvss * 100) / 10);
  const level = (result.level ?? rule?.defaultConfiguration?.level ?? 'warning').toLowerCase();
  return LEVEL_SEVERITY[level] ?? LEVEL_SEVERITY.warning!;
}

const SECRET_TAGS = new Set([
  'secret',
  'secrets',
  'credential',
  'credentials',
  'hardcoded-secret',
  'hardcoded-credentials',
  'exposed-secret',
]);
/**
 * Weaknesses that are a credential sitting where it can be read: hard-coded credentials (798), password (259) and
 * key (321); cleartext storage (312, 313, 315, 256, 257 recoverable format, 260 in a configuration file);
 * insufficiently protected credentials (522); sensitive information in source code (540) or its comments (615).
 */
const SECRET_CWES = new Set([
  '798',
  '259',
  '321',
  '312',
  '313',
  '315',
  '256',
  '257',
  '260',
  '522',
  '540',
  '615',
]);
/** A rule the tool itself names for a hard-coded credential (Snyk Code `NoHardcodedCredentials`, "Hardcoded password"). */
const SECRET_RULE_NAME =
  /hard-?coded[\s_-]*(credential|password|passwd|secret|api[\s_-]*key|key|token)|no-?hardcoded-?(credential|password|secret)/i;
const SECRET_SCANNERS =
  /gitleaks|trufflehog|detect-secrets|ggshield|gitguardian|nosey ?parker|secretlint|kingfisher|betterleaks|whispers|talisman/i;
const SECRET_RULE_ID = /(^|[_\-./])secrets?([_\-./]|$)/i;

/** "external/cwe/cwe-798" (CodeQL), "CWE-798: Use of Hard-coded Credentials" (Semgrep), "cwe-798" → "798". */
const cweOf = (tag: string): string | undefined => /(?:^|\/)cwe[-/:]?0*(\d+)\b/i.exec(tag.trim())?.[1];

function isSecretResult(driver: string, ruleId: string, tags: string[], rule?: SarifRule): boolean {
  if (SECRET_SCANNERS.test(driver) || SECRET_RULE_ID.test(ruleId)) return true;
  const names = [ruleId, rule?.name, rule?.shortDescription?.text];
  if (names.some((n) => typeof n === 'string' && SECRET_RULE_NAME.test(n.slice(0, 200)))) return true;
  return tags.some((t) => {
    const lower = t.toLowerCase();
    const cwe = cweOf(lower);
    return SECRET_TAGS.has(lower) || (cwe !== undefined && SECRET_CWES.has(cwe));
  });
}

function referencesOf(ruleId: string, rule: SarifRule | undefined, tags: string[]): Reference[] {
  const refs: Reference[] = [{ kind: 'rule', id: ruleId }];
  for (const t of tags) {
    const cwe = cweOf(t);
    if (cwe) refs.push({ kind: 'cwe', id: `CWE-${cwe}` });
  }
  for (const m of `${ruleId} ${tags.join(' ')}`.matchAll(/CVE-\d{4}-\d{4,}/gi))
    refs.push({ kind: 'cve', id: m[0].toUpperCase() });
  if (rule?.helpUri) refs.push({ kind: 'url', id: rule.helpUri });
  return refs;
}

function statusOf(result: SarifResult): { status: Finding['status']; statusReason?: string } {
  if (result.baselineState === 'absent') return { status: 'resolved' };
  const accepted = (result.suppressions ?? []).find(
    (s) => s.status !== 'rejected' && s.status !== 'underReview',
  );
  if (!accepted) return { status: 'open' };
  const why = typeof accepted.justification === 'string' ? accepted.justification.trim() : '';
  return why ? { status: 'suppressed', statusReason: why } : { status: 'suppressed' };
}

const ARN_IN = /arn:aws[a-z-]*:(?:iam|sts)::\d{12}:[^\s"',;]+/g;

/** AWS principals a result names in its logical locations or artifact URIs (IaC and cloud scanners). */
function identitiesNamed(result: SarifResult): IdentityRef[] {
  const out: IdentityRef[] = [];
  for (const loc of result.locations ?? []) {
    const texts = [
      loc.physicalLocation?.artifactLocation?.uri,
      ...(loc.logicalLocations ?? []).flatMap((l) => [l.fullyQualifiedName, l.name]),
    ];
    for (const t of texts) {
      if (!t?.includes('arn:')) continue;
      for (const m of t.matchAll(ARN_IN)) {
        const id = awsIdentityFromArn(m[0]);
        if (id) out.push(id);
      }
    }
  }
  return out;
}

/** A snippet that is one bare token is the secret itself (gitleaks writes the value there); a line is not. */
function bareValue(snippet: string | undefined): string | undefined {
  const v = snippet?.trim();
  if (!v || v.length < 8 || /\s/.test(v) || isMasked(v)) return undefined;
  if (/^[A-Za-z_][\w.-]*\s*[=:]/.test(v)) return undefined; // KEY=value: an assignment, not a value
  return v;
}

function stableJson(record: Record<string, unknown> | undefined): string {
  if (!record) return '';
  return Object.keys(record)
    .sort()
    .map((k) => `${k}=${String(record[k])}`)
    .join('&');
}

// ---------------------------------------------------------------------------------------------------------

function normalizeResult(run: SarifRun, result: SarifResult, ctx: NormalizeContext): Finding | undefined {
  if (result.kind === 'pass' || result.kind === 'notApplicable') return undefined;
  const driver = run.tool.driver;
  const rule = resultRule(run, result);
  const ruleId = result.ruleId ?? result.rule?.id ?? rule?.id ?? 'unknown-rule';
  const tags = [
    ...stringTags(rule?.properties?.tags),
    ...stringTags(result.properties?.tags),
    ...weaknessTags(rule, result),
  ];
  const secretHit = isSecretResult(driver.name, ruleId, tags, rule);

  // Every snippet is registered; for secret results each long token of it too (the value inside a line).
  const snippets = snippetsOf(result);
  for (const s of snippets) registerSecret(ctx, s, { tokens: secretHit });

  const phys = firstPhysical(result);
  const uri = nonEmpty(phys?.artifactLocation?.uri);
  const line = phys?.region?.startLine;
  const vcs = run.versionControlProvenance?.[0];
  const ruleTitle = nonEmpty(rule?.shortDescription?.text) ?? nonEmpty(rule?.name);
  const messageText = nonEmpty(result.message?.text) ?? nonEmpty(result.message?.markdown);
  const { time, known } = sarifTime(ctx, run, result);

  const resources: Resource[] = [];
  if (uri) resources.push({ uid: uri, type: 'file', name: uri });
  for (const loc of result.locations ?? []) {
    for (const l of loc.logicalLocations ?? []) {
      const uid = nonEmpty(l.fullyQualifiedName) ?? nonEmpty(l.name);
      if (uid) resources.push({ uid, type: l.kind ?? 'logical-location', name: l.name });
    }
  }
  const identities: IdentityRef[] = identitiesNamed(result);

  let secret: Finding['secret'];
  let secretFp: string | undefined;
  if (secretHit) {
    const first = phys?.region?.snippet?.text;
    const value = bareValue(first);
    const toolHash = stableJson({ ...result.partialFingerprints, ...result.fingerprints });
    const parts = secretParts(ctx, {
      detector: ruleId,
      plaintext: value,
      fallback: toolHash
        ? ['sarif', driver.name, ruleId, toolHash]
        : ['sarif', driver.name, ruleId, vcs?.repositoryUri, uri, line],
      masked: first,
    });
    secret = parts.secret;
    secretFp = parts.secret.fingerprint;
    identities.unshift(parts.identity);
    if (parts.accessKeyId) {
      const key = awsAccessKeyIdentity(parts.accessKeyId);
      identities.push(key);
      parts.identity.owner = key.key;
    }
  }

  const title = secretHit
    ? `${ruleTitle ?? ruleId}${uri ? ` in ${uri}` : ''}`
    : (ruleTitle ?? messageText ?? ruleId);
  // For a secret, rule texts can be secret-derived too (trivy writes the first Match into fullDescription/help):
  // the title is the rule's short name only, and there is no description.
  const description = secretHit ? undefined : (messageText ?? nonEmpty(rule?.fullDescription?.text));
  const first = phys?.region;

  return buildFinding({
    id: findingId(
      'sarif',
      driver.name,
      ruleId,
      result.guid ?? result.correlationGuid,
      uri,
      first?.startLine,
      first?.startColumn,
      first?.endLine,
      first?.endColumn,
      stableJson({ ...result.partialFingerprints, ...result.fingerprints }),
      secretHit ? secretFp : messageText,
    ),
    source: {
      format: 'sarif',
      product: driver.name,
      vendor: driver.organization ?? driver.name,
      ...(result.guid ? { nativeId: result.guid } : {}),
    },
    kind: secretHit ? 'exposed-secret' : 'misconfiguration',
    ...statusOf(result),
    title,
    ...(description ? { description } : {}),
    severity: severityOf(rule, result),
    time,
    identities,
    resources,
    ...(uri || vcs?.repositoryUri
      ? {
          location: {
            ...(vcs?.repositoryUri ? { repo: vcs.repositoryUri } : {}),
            ...(uri ? { file: uri } : {}),
            ...(line !== undefined && Number.isInteger(line) ? { line } : {}),
            ...(vcs?.revisionId ? { commit: vcs.revisionId } : {}),
          },
        }
      : {}),
    references: referencesOf(ruleId, rule, tags),
    ...(secret ? { secret } : {}),
    evidence: {
      tool: driver.name,
      rule: ruleId,
      ...(uri ? { location: line !== undefined ? `${uri}:${line}` : uri } : {}),
      ...(result.level ? { level: result.level } : {}),
      ...(result.baselineState ? { baselineState: result.baselineState } : {}),
      ...(known ? {} : { timeUnknown: true }),
    },
  });
}

export function normalizeSarifLog(log: SarifLog, ctx: NormalizeContext): Finding[] {
  const findings: Finding[] = [];
  for (const run of log.runs) {
    for (const result of run.results ?? []) {
      const f = normalizeResult(run, result, ctx);
      if (f) findings.push(f);
    }
  }
  return findings;
}

export const sarifAdapter: Adapter = {
  format: 'sarif',
  signature: 'SARIF 2.1.0 log: {version:"2.1.0", runs:[{tool:{driver:{name}}, results:[…]}]}',
  detect: (doc) => isSarifLike(doc),
  records: (doc) => splitSarif(doc),
  // SARIF is a container: which tool wrote it is the useful name (sarif/trivy, sarif/checkov, sarif/semgrep…).
  variant: (doc) => (isEmptySarif(doc) ? 'no-runs' : slug(sarifDriverName(doc) ?? 'unnamed')),
  normalize: (record, ctx) => normalizeSarifLog(parseRecord(SarifLog, record, 'SARIF'), ctx),
};

// gitleaks: v8 JSON (array of {RuleID, Secret, Match, File, StartLine, …}), v7 JSON (lower-case keys: rule,
// offender, line, lineNumber, tags as a comma string; `--redact` writes offender "REDACTED") and gitleaks' own
// SARIF (`--report-format sarif`, runs[0].tool.driver.name "gitleaks": the secret is region.snippet.text; v7's
// SARIF put the line there and the value in properties.offender). This adapter sits before the generic SARIF
// one, so gitleaks SARIF is read with gitleaks' knowledge of where the secret is.
//
// Kind: every gitleaks leak is an exposed-secret (gitleaks has no other finding type).
// Severity: gitleaks neither grades nor verifies → unverified exposed secret, medium 50 (exposedSecretSeverity).
// Status: always open (a leak in history stays there).
// Time: the commit's Date (ISO, v8 "MM-DD-YYYY" in older golden files, "" for directory scans → unknown, see
// observedTime).
//
// Secrets: Secret, Match, Line (v8), offender, line (v7), snippet / offender (SARIF) are registered with the
// scrubber and never copied. The fingerprint is HMAC(Secret) — the same value found by trufflehog gets the same
// fingerprint and identity. A redacted value (REDACTED, or `--redact=N`'s "abc...") is not the value: then rule +
// commit + file + position are fingerprinted and the hint shows no more than maskSecret would. An AWS access key
// id (aws-access-token) is the public half of a key pair: it is kept as the aws:access-key identity.
import { z } from 'zod';
import type { Finding } from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import { awsAccessKeyIdentity } from '../identity-keys.ts';
import type { Adapter, NormalizeContext } from './adapter.ts';
import { RecordError } from './adapter.ts';
import { buildFinding } from './build.ts';
import { firstPhysical, SarifLog, sarifDriverName, sarifTime, snippetsOf, splitSarif } from './sarif.ts';
import {
  exposedSecretSeverity,
  nonEmpty,
  observedTime,
  registerSecret,
  repoFromLink,
  secretParts,
} from './secret-common.ts';
import { findingId, isObject, parseRecord } from './util.ts';

const Str = z.string().optional();
const Int = z.number().optional();

const V8 = z.object({
  RuleID: z.string(),
  Description: Str,
  StartLine: Int,
  EndLine: Int,
  StartColumn: Int,
  EndColumn: Int,
  Line: Str,
  Match: Str,
  Secret: Str,
  File: Str,
  SymlinkFile: Str,
  Commit: Str,
  Link: Str,
  Entropy: Int,
  Author: Str,
  Email: Str,
  Date: Str,
  Tags: z.array(z.string()).nullable().optional(),
  Fingerprint: Str,
});

const V7 = z.object({
  rule: z.string(),
  offender: Str,
  offenderEntropy: Int,
  line: Str,
  lineNumber: Int,
  commit: Str,
  repo: Str,
  repoURL: Str,
  leakURL: Str,
  file: Str,
  date: Str,
  author: Str,
  email: Str,
  tags: z
    .union([z.string(), z.array(z.string())])
    .nullable()
    .optional(),
});

/** gitleaks' three shapes, read into one. */
interface Leak {
  ruleId: string;
  description?: string;
  file?: string;
  symlinkFile?: string;
  startLine?: number;
  endLine?: number;
  startColumn?: number;
  endColumn?: number;
  /** The value (v8 Secret, v7 offender, v8 SARIF snippet). */
  secret?: string;
  commit?: string;
  repo?: string;
  url?: string;
  author?: string;
  email?: string;
  date?: unknown;
  tags: string[];
  entropy?: number;
  nativeId?: string;
  /** v7 rows have no columns: add the value's fingerprint so two leaks on one line stay apart. */
  disambiguate?: boolean;
}

function fromLeak(
  leak: Leak,
  ctx: NormalizeContext,
  timeOverride?: { time: string; known: boolean },
): Finding {
  const detector = leak.ruleId;
  const parts = secretParts(ctx, {
    detector,
    plaintext: leak.secret,
    fallback: [
      'gitleaks',
      detector,
      leak.commit,
      leak.file,
      leak.startLine,
      leak.startColumn,
      leak.endColumn,
    ],
    masked: leak.secret,
  });
  const identities: IdentityRef[] = [parts.identity];
  if (parts.accessKeyId) {
    const key = awsAccessKeyIdentity(parts.accessKeyId);
    parts.identity.owner = key.key;
    identities.push(key);
  }
  const { time, known } = timeOverride ?? observedTime(ctx, leak.date);
  const file = nonEmpty(leak.file);
  const commit = nonEmpty(leak.commit);
  const line =
    leak.startLine !== undefined && Number.isInteger(leak.startLine) && leak.startLine > 0
      ? leak.startLine
      : undefined;
  const where = file ? `${file}${line !== undefined ? `:${line}` : ''}` : undefined;
  return buildFinding({
    id: findingId(
      'gitleaks',
      detector,
      commit,
      file,
      leak.startLine,
      leak.endLine,
      leak.startColumn,
      leak.endColumn,
      leak.disambiguate ? parts.secret.fingerprint : undefined,
    ),
    source: {
      format: 'gitleaks',
      product: 'gitleaks',
      vendor: 'gitleaks',
      ...(leak.nativeId ? { nativeId: leak.nativeId } : {}),
    },
    kind: 'exposed-secret',
    title: `${detector} secret exposed${file ? ` in ${file}` : ''}`,
    ...(nonEmpty(leak.description) && leak.description !== detector ? { description: leak.description } : {}),
    severity: exposedSecretSeverity(undefined),
    time,
    identities,
    resources: file ? [{ uid: file, type: 'file', name: file }] : [],
    location: {
      ...(leak.repo ? { repo: leak.repo } : {}),
      ...(file ? { file } : {}),
      ...(line !== undefined ? { line } : {}),
      ...(commit ? { commit } : {}),
      ...(leak.url ? { url: leak.url } : {}),
    },
    references: [{ kind: 'rule', id: detector }],
    secret: parts.secret,
    evidence: {
      rule: detector,
      ...(where ? { location: where } : {}),
      ...(commit ? { commit } : {}),
      ...(nonEmpty(leak.author) ? { author: leak.author! } : {}),
      ...(nonEmpty(leak.email) ? { authorEmail: leak.email! } : {}),
      ...(leak.entropy !== undefined ? { entropy: leak.entropy } : {}),
      ...(leak.tags.length ? { tags: leak.tags.join(', ') } : {}),
      ...(nonEmpty(leak.symlinkFile) ? { symlinkFile: leak.symlinkFile! } : {}),
      ...(known ? {} : { timeUnknown: true }),
    },
  });
}

function fromV8(record: unknown, ctx: NormalizeContext): Finding {
  const r = parseRecord(V8, record, 'gitleaks v8');
  for (const v of [r.Secret, r.Match, r.Line]) registerSecret(ctx, v);
  return fromLeak(
    {
      ruleId: r.RuleID,
      description: r.Description,
      file: r.File,
      symlinkFile: r.SymlinkFile,
      startLine: r.StartLine,
      endLine: r.EndLine,
      startColumn: r.StartColumn,
      endColumn: r.EndColumn,
      secret: r.Secret,
      commit: r.Commit,
      repo: repoFromLink(nonEmpty(r.Link)),
      url: nonEmpty(r.Link),
      author: r.Author,
      email: r.Email,
      date: r.Date,
      tags: r.Tags ?? [],
      entropy: r.Entropy,
      nativeId: nonEmpty(r.Fingerprint),
    },
    ctx,
  );
}

function fromV7(record: unknown, ctx: NormalizeContext): Finding {
  const r = parseRecord(V7, record, 'gitleaks v7');
  for (const v of [r.offender, r.line]) registerSecret(ctx, v);
  const tags =
    typeof r.tags === 'string'
      ? r.tags
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : (r.tags ?? []);
  const repo = nonEmpty(r.repoURL) ?? (r.repo && r.repo !== '.' ? r.repo : undefined);
  return fromLeak(
    {
      ruleId: r.rule,
      description: r.rule,
      file: r.file,
      startLine: r.lineNumber,
      secret: r.offender,
      commit: r.commit,
      repo,
      url: nonEmpty(r.leakURL),
      author: r.author,
      email: r.email,
      date: r.date,
      tags,
      entropy: r.offenderEntropy,
      disambiguate: true,
    },
    ctx,
  );
}

const PartialFingerprints = z.object({ commitSha: Str, email: Str, author: Str, date: Str });
const V7SarifProperties = z.object({
  commit: Str,
  offender: Str,
  date: Str,
  author: Str,
  email: Str,
  repo: Str,
});

/** gitleaks 7 SARIF results name no rule; their message does: "<rule name> secret detected". */
function v7SarifRule(message: string | undefined): string | undefined {
  return message?.match(/^(.{1,80}) secret detected$/)?.[1];
}

function fromSarif(record: unknown, ctx: NormalizeContext): Finding[] {
  const log = parseRecord(SarifLog, record, 'gitleaks SARIF');
  const findings: Finding[] = [];
  for (const run of log.runs) {
    const rules = run.tool.driver.rules ?? [];
    for (const result of run.results ?? []) {
      for (const s of snippetsOf(result)) registerSecret(ctx, s);
      const pf = PartialFingerprints.safeParse(result.partialFingerprints ?? {});
      const fp = pf.success ? pf.data : {};
      const pr = V7SarifProperties.safeParse(result.properties ?? {});
      const props = pr.success ? pr.data : {};
      registerSecret(ctx, props.offender);
      const phys = firstPhysical(result);
      const region = phys?.region;
      const ruleId = result.ruleId ?? result.rule?.id ?? v7SarifRule(result.message?.text) ?? 'unknown-rule';
      const rule = rules.find((r) => r.id === ruleId);
      const tagsRaw = result.properties?.tags;
      const tags = Array.isArray(tagsRaw) ? tagsRaw.filter((t): t is string => typeof t === 'string') : [];
      const date = fp.date ?? props.date;
      findings.push(
        fromLeak(
          {
            ruleId,
            description: rule?.shortDescription?.text ?? rule?.name,
            file: phys?.artifactLocation?.uri,
            startLine: region?.startLine,
            endLine: region?.endLine,
            startColumn: region?.startColumn,
            endColumn: region?.endColumn,
            // v8 writes the value as the snippet; v7 wrote the line there and the value as properties.offender.
            secret: props.offender ?? region?.snippet?.text,
            commit: fp.commitSha ?? props.commit,
            repo: nonEmpty(props.repo),
            author: fp.author ?? props.author,
            email: fp.email ?? props.email,
            date,
            tags,
            disambiguate: props.offender !== undefined,
          },
          ctx,
          sarifTime(ctx, run, result, date),
        ),
      );
    }
  }
  return findings;
}

const isV8 = (o: Record<string, unknown>) =>
  typeof o.RuleID === 'string' &&
  ('Secret' in o || 'Match' in o) &&
  ('File' in o || 'StartLine' in o) &&
  !('Target' in o);
const isV7 = (o: Record<string, unknown>) =>
  typeof o.rule === 'string' && 'offender' in o && ('lineNumber' in o || 'file' in o);
const isGitleaksSarif = (doc: unknown) => sarifDriverName(doc)?.toLowerCase() === 'gitleaks';
const isLeak = (o: unknown) => isObject(o) && (isV8(o) || isV7(o));

export const gitleaksAdapter: Adapter = {
  format: 'gitleaks',
  signature:
    'gitleaks v8 [{RuleID, Secret|Match, File, StartLine}], v7 [{rule, offender, lineNumber}] or SARIF with driver "gitleaks"',
  detect: (doc) =>
    Array.isArray(doc) ? doc.length > 0 && isLeak(doc[0]) : isLeak(doc) || isGitleaksSarif(doc),
  records: (doc) => {
    if (Array.isArray(doc)) return doc;
    if (isObject(doc) && Array.isArray(doc.runs)) return splitSarif(doc);
    return [doc];
  },
  // v8 writes RuleID, StartLine, Secret; v7 wrote rule, lineNumber, offender.
  variant(doc) {
    if (isGitleaksSarif(doc)) return 'sarif';
    const first = Array.isArray(doc) ? doc[0] : doc;
    return isObject(first) && isV7(first) && !isV8(first) ? 'v7' : 'v8';
  },
  normalize: (record, ctx) => {
    if (isObject(record) && 'runs' in record) return fromSarif(record, ctx);
    if (isObject(record) && 'rule' in record && !('RuleID' in record)) return [fromV7(record, ctx)];
    if (!isObject(record))
      throw new RecordError('not a gitleaks record: expected an object with RuleID (v8) or rule (v7)');
    return [fromV8(record, ctx)];
  },
};

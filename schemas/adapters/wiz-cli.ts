// Wiz CLI scan results (`wizcli iac scan` / `wizcli dir scan … -o file,json`), as opposed to Wiz API issues:
// {id, createdAt, status:{state, verdict}, policies, result:{ruleMatches:[{rule:{id,name}, severity,
// matches:[{resourceName, fileName, lineNumber, matchContent, expected, found, fileType}]}], secrets:[{path,
// lineNumber, type, description, contains, snippet}], scanStatistics}}.
//
// Records: one per rule match and one per secret, each carrying the scan's createdAt.
// Kind: a rule match → misconfiguration (IaC checks on Dockerfiles, manifests, templates); a secret →
// exposed-secret. Severity: the match's severity (INFORMATIONAL/LOW/MEDIUM/HIGH/CRITICAL → info…critical); a
// secret carries none → medium 50 (unverified, exposedSecretSeverity). Status: open (the CLI reports what it sees).
// Secrets: Wiz never writes the value (the description shows it as ---REDACTED---); matchContent and snippet are
// source lines that may hold one and are never copied. The fingerprint stands on path, line and type.
// Ids leave the scan id out, so a rescan that finds the same thing dedups onto the same finding.
import { z } from 'zod';
import type { Finding } from '../finding.ts';
import type { NormalizeContext } from './adapter.ts';
import { buildFinding } from './build.ts';
import { exposedSecretSeverity, secretParts, UNKNOWN_TIME } from './secret-common.ts';
import { clip } from './siem-common.ts';
import { findingId, isObject, parseRecord, severityFromLabel, toIsoTime } from './util.ts';

/** A whole CLI scan: the `result` block with ruleMatches and/or secrets. */
export const isWizCliScan = (doc: unknown): doc is { result: Record<string, unknown>; createdAt?: unknown } =>
  isObject(doc) && isObject(doc.result) && ('ruleMatches' in doc.result || 'secrets' in doc.result);

/** One record of a CLI scan, as records() cuts it. */
export const isWizCliRecord = (o: unknown): boolean => isObject(o) && isObject(o.wizCli);

const str = z.string().nullish();
const RuleRecord = z.object({
  wizCli: z.object({ kind: z.literal('rule'), createdAt: str }),
  rule: z.object({ id: z.string(), name: z.string() }),
  severity: str,
  match: z.object({
    resourceName: str,
    fileName: str,
    lineNumber: z.number().nullish(),
    expected: str,
    found: str,
    fileType: str,
  }),
});
const SecretRecord = z.object({
  wizCli: z.object({ kind: z.literal('secret'), createdAt: str }),
  secret: z.object({
    path: str,
    lineNumber: z.number().nullish(),
    type: str,
    description: str,
  }),
});

export function wizCliRecords(doc: { result: Record<string, unknown>; createdAt?: unknown }): unknown[] {
  const createdAt = typeof doc.createdAt === 'string' ? doc.createdAt : undefined;
  const out: unknown[] = [];
  for (const rm of Array.isArray(doc.result.ruleMatches) ? doc.result.ruleMatches : []) {
    if (!isObject(rm)) continue;
    for (const match of Array.isArray(rm.matches) ? rm.matches : [])
      out.push({ wizCli: { kind: 'rule', createdAt }, rule: rm.rule, severity: rm.severity, match });
  }
  for (const secret of Array.isArray(doc.result.secrets) ? doc.result.secrets : [])
    out.push({ wizCli: { kind: 'secret', createdAt }, secret });
  return out;
}

const SOURCE = { format: 'wiz', product: 'Wiz CLI', vendor: 'Wiz' } as const;

export function normalizeWizCli(record: Record<string, unknown>, ctx: NormalizeContext): Finding[] {
  const kind = isObject(record.wizCli) ? record.wizCli.kind : undefined;
  if (kind === 'secret') {
    const r = parseRecord(SecretRecord, record, 'wiz CLI secret');
    const { path, lineNumber, type } = r.secret;
    const parts = secretParts(ctx, {
      detector: type ?? 'secret',
      fallback: ['wizcli', path ?? undefined, lineNumber ?? undefined, type ?? undefined],
    });
    const where = path ? `${path}${lineNumber ? `:${lineNumber}` : ''}` : undefined;
    return [
      buildFinding({
        id: findingId('wiz-cli', 'secret', parts.secret.fingerprint),
        source: SOURCE,
        kind: 'exposed-secret',
        title: `${type ?? 'Secret'} exposed${path ? ` in ${path}` : ''}`,
        ...(r.secret.description ? { description: clip(r.secret.description) } : {}),
        severity: exposedSecretSeverity(undefined),
        time: toIsoTime(r.wizCli.createdAt) ?? UNKNOWN_TIME,
        identities: [parts.identity],
        resources: path ? [{ uid: path, type: 'file', name: path }] : [],
        location: { ...(path ? { file: path } : {}), ...(lineNumber ? { line: lineNumber } : {}) },
        references: [{ kind: 'rule', id: type ?? 'secret' }],
        secret: parts.secret,
        evidence: { ...(type ? { secretType: type } : {}), ...(where ? { location: where } : {}) },
      }),
    ];
  }
  const r = parseRecord(RuleRecord, record, 'wiz CLI rule match');
  const { fileName, lineNumber, resourceName } = r.match;
  return [
    buildFinding({
      id: findingId(
        'wiz-cli',
        'rule',
        r.rule.id,
        fileName ?? undefined,
        lineNumber ?? undefined,
        resourceName ?? undefined,
      ),
      source: SOURCE,
      kind: 'misconfiguration',
      title: r.rule.name,
      ...(r.match.found ? { description: clip(r.match.found) } : {}),
      severity: severityFromLabel(r.severity),
      time: toIsoTime(r.wizCli.createdAt) ?? UNKNOWN_TIME,
      identities: [],
      resources: fileName ? [{ uid: fileName, type: 'file', name: fileName }] : [],
      location: { ...(fileName ? { file: fileName } : {}), ...(lineNumber ? { line: lineNumber } : {}) },
      references: [{ kind: 'rule', id: r.rule.id }],
      evidence: {
        ...(r.match.fileType ? { fileType: r.match.fileType } : {}),
        ...(r.match.expected ? { expected: clip(r.match.expected)! } : {}),
      },
    }),
  ];
}

// The normaliser's boundary: whatever comes in, what goes out is either canonical findings (validated, with
// every raw secret scrubbed) or a typed rejection with one readable reason. Nothing throws past here
// but the caller's own deadline (OverBudgetError). Documents too deep, too wide or with too long a string are
// rejected before any adapter sees them (structure-limits.ts).
import { type Adapter, type NormalizeContext, RecordError, RecordSkipped } from './adapters/adapter.ts';
import { adapterFor, adapters } from './adapters/index.ts';
import { checkAwsIds } from './aws-id-check.ts';
import { checkKeyOf } from './check-key.ts';
import type { Finding, Format, FormatOrAuto, SecretRef } from './finding.ts';
import type { IdentityRef } from './identity.ts';
import { type OutputChecker, outputChecker } from './output-check.ts';
import { decodeText, parseDocuments } from './parse-input.ts';
import {
  fingerprint,
  fingerprintKeyFromEnv,
  mentionsSecret,
  previousFingerprintKeyFromEnv,
  scrubList,
  scrubSecrets,
} from './redaction.ts';
import { redactSecretShapes, redactSecretShapesCow, withScanMemo } from './secret-shapes.ts';
import { unwrapSns, viaSns } from './sns-envelope.ts';
import { DEFAULT_STRUCTURE_LIMITS, type StructureLimits, structureProblem } from './structure-limits.ts';

export interface NormalizeOptions {
  format?: FormatOrAuto;
  fingerprintKey?: string;
  /** The key being rotated out; by default NHI_FINGERPRINT_KEY_PREVIOUS (see redaction.ts). */
  previousFingerprintKey?: string;
  /** ISO time the input arrived: stands in for the time of findings whose tool wrote none. */
  receivedAt?: string;
  /** Default: the process's (output-check.ts); the bench passes one that checks every finding to compare. */
  outputCheck?: OutputChecker;
  /** Each document's shape is checked against these before an adapter sees it (default DEFAULT_STRUCTURE_LIMITS);
   * `structureSource` names where each came from, for the reason. */
  structure?: StructureLimits;
  structureSource?: Partial<Record<keyof StructureLimits, string>>;
  /** Asked between documents and records: true stops the work with an OverBudgetError (the caller's deadline). */
  overBudget?: () => boolean;
}

/** Thrown out of normalizeInput (only) when the caller's `overBudget` says stop: the one exception to "nothing throws". */
export class OverBudgetError extends Error {}

/**
 * `variant`: the shape the record's document had, `<format>/<variant>` (see Adapter.variant). `skipped`: why a
 * record of a documented type gave no finding (RecordSkipped), named for `nhi normalize` and the logs.
 */
export type RecordOutcome =
  | {
      ok: true;
      format: Format;
      variant?: string;
      line: number;
      record: number;
      findings: Finding[];
      skipped?: string;
    }
  | {
      ok: false;
      format?: Format;
      variant?: string;
      line: number;
      record: number;
      reason: string;
      input?: unknown;
    };

export class UnknownFormatError extends Error {}

/** `auto`: the first adapter whose signature matches; the error names everything that was looked for. */
export function detectFormat(doc: unknown): Adapter {
  const found = adapters.find((a) => {
    try {
      return a.detect(doc);
    } catch {
      return false;
    }
  });
  if (found) return found;
  const looked = adapters.map((a) => a.format).join(', ');
  throw new UnknownFormatError(
    `unknown input shape; looked for: ${looked} (each shape: nhi normalize --help)`,
  );
}

/** A rejection's reason, with any credential shape a tool's value put in an error message redacted. */
function reasonOf(error: unknown): string {
  if (error instanceof RecordError) return redactSecretShapes(error.message);
  if (error instanceof RangeError)
    return redactSecretShapes(`record too deeply nested or too large (${error.message})`);
  return redactSecretShapes(`adapter failed on this record: ${(error as Error)?.message ?? String(error)}`);
}

export interface AdapterSettings {
  fingerprintKey: string;
  previousFingerprintKey?: string;
  receivedAt?: string;
  outputCheck?: OutputChecker;
}

/** The fingerprints are our hashes, never a tool's text: kept exactly as made. */
const ourFingerprints = (secret: NonNullable<Finding['secret']>) => ({
  fingerprint: secret.fingerprint,
  ...(secret.previousFingerprint ? { previousFingerprint: secret.previousFingerprint } : {}),
});

/**
 * Scrub every seen secret out of a finding, except the fields that are ours, not the tool's: ids, times and
 * the fingerprint are hashes or ISO times, and a secret that happens to look like part of one must not corrupt
 * them (a corrupted id or time would reject a good finding).
 */
function scrubFinding(finding: Finding, secrets: readonly string[]): [Finding, boolean] {
  // The finding without id, time and secret, in its own key order (a plain loop: object rest is slow in V8).
  const rest: Record<string, unknown> = {};
  for (const k in finding) {
    if (k !== 'id' && k !== 'time' && k !== 'secret' && Object.hasOwn(finding, k))
      rest[k] = finding[k as keyof Finding];
  }
  const { id, time, secret } = finding;
  // Nearly always nothing to scrub (adapters copy no secret): then only the fields' order changes, as below.
  if (!mentionsSecret(rest, secrets) && !mentionsSecret(secret, secrets)) {
    rest.id = id;
    rest.time = time;
    if (secret) rest.secret = { ...secret };
    return [rest as Finding, false];
  }
  const scrubbed = scrubSecrets(rest, secrets);
  const safeSecret = secret && { ...scrubSecrets(secret, secrets), ...ourFingerprints(secret) };
  return [{ ...scrubbed, id, time, ...(safeSecret ? { secret: safeSecret } : {}) } as Finding, true];
}

/**
 * Redact credential shapes (secret-shapes.ts) that no adapter registered: a key quoted in an alert's reason or a
 * CSPM description. Ids, times and the fingerprints are ours and never hold one: they are not scanned (an id or a
 * fingerprint is long enough to look like a key to the scanner, and scanning them was a third of its work).
 */
function redactShapes(finding: Finding, fingerprintKey: string): Finding {
  let out: Record<string, unknown> | undefined;
  for (const k in finding) {
    if (k === 'id' || k === 'time' || !Object.hasOwn(finding, k)) continue;
    const inner = finding[k as keyof Finding];
    const redacted =
      k === 'secret'
        ? redactSecretRef(inner as SecretRef)
        : k === 'identities'
          ? redactIdentities(inner as IdentityRef[], fingerprintKey)
          : redactSecretShapesCow(inner);
    if (redacted === inner) continue;
    out ??= { ...finding };
    out[k] = redacted;
  }
  return (out as Finding | undefined) ?? finding;
}

/**
 * An identity whose key holds a credential shape (a SIEM that put a token where a user name goes) keeps a key of
 * its own: each secret in it becomes `[REDACTED:<16 hex of its keyed fingerprint>]`, so two such identities stay two
 * workflows (not one `principal:generic:[REDACTED]` that every redacted key collapsed into), the same secret stays
 * one, and the key reveals nothing without the fingerprint key. Its name and aliases are redacted plainly.
 */
function redactIdentities(identities: IdentityRef[], fingerprintKey: string): IdentityRef[] {
  const redacted = redactSecretShapesCow(identities);
  if (redacted === identities) return identities;
  const keyed = (secret: string) => `[REDACTED:${fingerprint(secret, fingerprintKey).slice(0, 16)}]`;
  return redacted.map((identity, i) => {
    const original = identities[i]!;
    if (identity === original) return identity;
    const fields: Array<'key' | 'owner'> = ['key', 'owner'];
    const out = { ...identity };
    for (const f of fields) {
      const value = original[f];
      if (value !== undefined && out[f] !== value) out[f] = redactSecretShapes(value, keyed);
    }
    return out;
  });
}

function redactSecretRef(secret: SecretRef): SecretRef {
  let out: Record<string, unknown> | undefined;
  for (const k in secret) {
    if (k === 'fingerprint' || k === 'previousFingerprint' || !Object.hasOwn(secret, k)) continue;
    const inner = secret[k as keyof SecretRef];
    const redacted = redactSecretShapesCow(inner);
    if (redacted === inner) continue;
    out ??= { ...secret };
    out[k] = redacted;
  }
  return (out as SecretRef | undefined) ?? secret;
}

/**
 * The finding without identities whose AWS ids are malformed or documentation samples (aws-id-check.ts): each
 * becomes a resource of the finding (`aws-malformed-id` or `aws-sample-id`: what it mentions, for a reviewer; never
 * a target) and a line of its evidence, so no workflow is started or acts for it.
 */
function withCheckedIds(finding: Finding): Finding {
  const checked = checkAwsIds(finding.identities);
  if (checked.identities === finding.identities && checked.samples.length === 0) return finding;
  const kept = new Set(checked.identities.map((i) => i.key));
  const left = finding.identities.filter((i) => !kept.has(i.key));
  // An owner link to a left-out identity would point at nothing: dropped with it.
  const identities = checked.identities.map((i) =>
    i.owner !== undefined && left.some((o) => o.key === i.owner) ? withoutOwner(i) : i,
  );
  const resources = [
    ...finding.resources,
    ...left.map((i) => {
      const uid = i.type === 'aws-access-key' && i.name ? i.name : i.key;
      return { uid, type: checked.samples.includes(uid) ? 'aws-sample-id' : 'aws-malformed-id' };
    }),
  ];
  return {
    ...finding,
    identities,
    resources,
    evidence: {
      ...finding.evidence,
      ...(checked.warnings.length ? { idWarnings: checked.warnings.join('; ') } : {}),
      ...(checked.samples.length ? { sampleIds: checked.samples.join(', ') } : {}),
    },
  };
}

function withoutOwner(identity: IdentityRef): IdentityRef {
  const { owner: _owner, ...rest } = identity;
  return rest;
}

/**
 * The finding as it leaves: its check key (check-key.ts, computed on the redacted finding so it never depends on a
 * secret's text) and the shape its document had (`source.variant`), added in one copy.
 */
function finished(finding: Finding, variant: string | undefined): Finding {
  const checkKey = finding.checkKey ? undefined : checkKeyOf(finding);
  if (!checkKey && !variant) return finding;
  const out = { ...finding };
  if (checkKey) out.checkKey = checkKey;
  if (variant) out.source = { ...finding.source, variant };
  return out;
}

/** The adapter's name for a document's shape, `<format>/<variant>`; a shape it cannot name is left unnamed. */
export function variantOf(adapter: Adapter, doc: unknown): string | undefined {
  try {
    return `${adapter.format}/${adapter.variant(doc)}`;
  } catch {
    return undefined;
  }
}

/** One record through one adapter, made safe: validated output, secrets scrubbed, errors as values. */
export function normalizeWith(
  adapter: Adapter,
  record: unknown,
  settings: AdapterSettings,
  where: { line: number; record: number; variant?: string },
): RecordOutcome {
  const ctx: NormalizeContext = {
    fingerprintKey: settings.fingerprintKey,
    previousFingerprintKey: settings.previousFingerprintKey,
    receivedAt: settings.receivedAt,
    secrets: new Set(),
  };
  try {
    const raw = adapter.normalize(record, ctx);
    const list = ctx.secrets.size ? scrubList(ctx.secrets) : undefined;
    // A finding the boundary rewrote (a secret scrubbed, a shape redacted, an id left out) left by the slow path:
    // it is checked in full, not only when the sample falls on it (output-check.ts).
    const rewritten: boolean[] = [];
    const findings = raw.map((f) => {
      const [scrubbed, wasScrubbed] = list ? scrubFinding(f, list) : [f, false];
      const redacted = redactShapes(scrubbed, settings.fingerprintKey);
      const checked = withCheckedIds(redacted);
      rewritten.push(wasScrubbed || redacted !== scrubbed || checked !== redacted);
      return finished(checked, where.variant);
    });
    const invalid = (settings.outputCheck ?? outputChecker).problem(adapter.format, findings, rewritten);
    if (invalid !== undefined) return { ok: false, format: adapter.format, ...where, reason: invalid };
    return { ok: true, format: adapter.format, ...where, findings };
  } catch (error) {
    if (error instanceof RecordSkipped)
      return {
        ok: true,
        format: adapter.format,
        ...where,
        findings: [],
        skipped: redactSecretShapes(error.message),
      };
    return { ok: false, format: adapter.format, ...where, reason: reasonOf(error) };
  }
}

function chooseAdapter(doc: unknown, format: FormatOrAuto): Adapter {
  return format === 'auto' ? detectFormat(doc) : adapterFor(format);
}

/** Keys under which list APIs return their records: Azure `value`, AWS `Findings`/`findings`, GraphQL `nodes`… */
const PAGE_LIST_KEYS = new Set([
  'value',
  'findings',
  'Findings',
  'FindingIds',
  'findingIds',
  'results',
  'items',
  'Items',
  'alerts',
  'data',
  'hits',
  'records',
  'Records',
  'issues',
  'incidents',
  'events',
  'nodes',
]);

/** Keys of a page that only say where the next page is, or how many there are. */
const PAGE_META_KEY =
  /^(@odata\..+|next\w*|Next\w*|prev\w*|total\w*|Total\w*|count|Count|page\w*|cursor|has_?[Mm]ore\w*|readTime|read_time|ResponseMetadata|limit|offset)$/;

/**
 * A list API's page with nothing in it (`{"findings": []}`, Azure `{"value": []}`, `{"Findings": [], "NextToken":
 * null}`): no records. An API dump written one page per line often ends with one; it is no shape to refuse.
 */
export function isEmptyPage(doc: unknown): boolean {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return false;
  let lists = 0;
  for (const [k, v] of Object.entries(doc)) {
    if (PAGE_LIST_KEYS.has(k) && Array.isArray(v)) {
      if (v.length) return false;
      lists++;
    } else if (!PAGE_META_KEY.test(k) || Array.isArray(v)) return false;
  }
  return lists > 0;
}

/**
 * An EventBridge event no adapter claims (another AWS service's, or a detail-type a tool added later): refused with
 * its source and detail-type named, so the operator sees what was sent instead of an unknown shape.
 */
function unreadEvent(doc: unknown): string | undefined {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const o = doc as Record<string, unknown>;
  if (typeof o['detail-type'] !== 'string' || typeof o.source !== 'string' || !('detail' in o))
    return undefined;
  return redactSecretShapes(
    `EventBridge event "${o['detail-type'].slice(0, 80)}" from ${o.source.slice(0, 60)} is no format we read (each format's events: nhi normalize --help)`,
  );
}

/** One parsed document (a file, a line of a JSON-lines file, or a Kafka message) → outcomes per record. */
export function normalizeDocument(doc: unknown, opts: NormalizeOptions = {}, line = 1): RecordOutcome[] {
  return normalizeDocumentWith(doc, opts, settingsOf(opts), line);
}

/** The adapters' settings: the options', or the environment's keys (read once per input, not per document). */
function settingsOf(opts: NormalizeOptions): AdapterSettings {
  return {
    fingerprintKey: opts.fingerprintKey ?? fingerprintKeyFromEnv(),
    previousFingerprintKey: opts.previousFingerprintKey ?? previousFingerprintKeyFromEnv(),
    receivedAt: opts.receivedAt,
    outputCheck: opts.outputCheck,
  };
}

function normalizeDocumentWith(
  doc: unknown,
  opts: NormalizeOptions,
  settings: AdapterSettings,
  line: number,
): RecordOutcome[] {
  return withScanMemo(() => normalizeSnsOrPlain(doc, opts, settings, line));
}

function normalizeSnsOrPlain(
  doc: unknown,
  opts: NormalizeOptions,
  settings: AdapterSettings,
  line: number,
): RecordOutcome[] {
  const sns = unwrapSns(doc);
  if (!sns.wrapped) return normalizeUnwrapped(doc, opts, settings, line);
  if (!sns.ok) return [{ ok: false, line, record: 0, reason: sns.reason }];
  return normalizeUnwrapped(sns.message, opts, settings, line, true);
}

function normalizeUnwrapped(
  doc: unknown,
  opts: NormalizeOptions,
  settings: AdapterSettings,
  line: number,
  sns = false,
): RecordOutcome[] {
  // An empty array is an empty report (gitleaks writes [] when it finds nothing): no records, nothing wrong.
  // So is a bare null: Go tools marshal an empty result list as null (a gitleaks report with nothing found).
  if ((Array.isArray(doc) && doc.length === 0) || doc === null) return [];
  if (isEmptyPage(doc)) return [];
  let adapter: Adapter;
  let records: unknown[];
  let variant: string | undefined;
  try {
    adapter = chooseAdapter(doc, opts.format ?? 'auto');
    variant = sns ? viaSns(variantOf(adapter, doc)) : variantOf(adapter, doc);
    records = adapter.records(doc);
  } catch (error) {
    const reason =
      error instanceof UnknownFormatError ? (unreadEvent(doc) ?? error.message) : reasonOf(error);
    return [{ ok: false, line, record: 0, reason }];
  }
  return records.map((record, i) => {
    if (opts.overBudget?.()) throw new OverBudgetError('time budget exceeded');
    const outcome = normalizeWith(adapter, record, settings, { line, record: i, variant });
    // A rejected record keeps its input, so it can be dead-lettered on its own (consumers/decode-message.ts).
    return outcome.ok ? outcome : { ...outcome, input: record };
  });
}

/**
 * The shapes a file's documents have, `<format>/<variant>`, found the way normalizing finds them: named also when
 * a document holds no records (an empty report), so `nhi normalize` can say what it read.
 */
export function shapesOf(input: Uint8Array | string, format: FormatOrAuto = 'auto'): string[] {
  let text: string;
  try {
    text = typeof input === 'string' ? input : decodeText(input);
  } catch {
    return [];
  }
  const shapes = new Set<string>();
  for (const doc of parseDocuments(text)) {
    if (!doc.ok) continue;
    const sns = unwrapSns(doc.value);
    const value = sns.wrapped && sns.ok ? sns.message : doc.value;
    try {
      const found = variantOf(chooseAdapter(value, format), value);
      const shape = sns.wrapped ? viaSns(found) : found;
      if (shape) shapes.add(shape);
    } catch {
      // no format claims it: nothing to name
    }
  }
  return [...shapes];
}

/** A tool's output file (bytes or text) → outcomes for every record in it. */
export function normalizeInput(input: Uint8Array | string, opts: NormalizeOptions = {}): RecordOutcome[] {
  let text: string;
  try {
    text = typeof input === 'string' ? input : decodeText(input);
  } catch (error) {
    return [{ ok: false, line: 0, record: 0, reason: (error as Error).message }];
  }
  const limits = opts.structure ?? DEFAULT_STRUCTURE_LIMITS;
  const settings = settingsOf(opts);
  return parseDocuments(text).flatMap((doc): RecordOutcome[] => {
    if (opts.overBudget?.()) throw new OverBudgetError('time budget exceeded');
    if (!doc.ok) return [{ ok: false, line: doc.line, record: 0, reason: redactSecretShapes(doc.reason) }];
    // Before anything recursive (adapters, zod, scrubbing) sees it: the check itself does not recurse.
    const tooBig = structureProblem(doc.value, limits, opts.structureSource);
    if (tooBig) return [{ ok: false, line: doc.line, record: 0, reason: tooBig }];
    return normalizeDocumentWith(doc.value, opts, settings, doc.line);
  });
}

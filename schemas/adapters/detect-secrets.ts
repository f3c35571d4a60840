// detect-secrets (Yelp) baseline: {version, plugins_used, filters_used, results: {<file>: [{type, filename,
// hashed_secret, is_verified, line_number, is_secret?}]}, generated_at}. Records are the result entries, each given
// its file name (0.x entries lack it) and the baseline's generated_at; such an entry maps to itself.
//
// Kind: exposed-secret.
// Severity: a baseline is an inventory of accepted, unverified candidates, so low/medium only:
//   is_verified (a plugin confirmed it live) or is_secret true (audited as real) → medium 50; otherwise → low 30.
// Status: is_secret false (audited: not a secret) → suppressed; otherwise open.
// Time: generated_at (when the baseline was written); a bare entry without it → unknown (see observedTime).
//
// Secrets: a baseline holds no plaintext, only hashed_secret (unsalted SHA-1 of the value). It is never copied —
// an unsalted hash of a short secret is as good as the secret — only HMAC'd into the fingerprint, so the same
// value in two files (or under two plugins) is one secret identity. The hint says the value is unknown.
import { z } from 'zod';
import type { Finding } from '../finding.ts';
import type { Adapter, NormalizeContext } from './adapter.ts';
import { buildFinding } from './build.ts';
import { observedTime, secretParts } from './secret-common.ts';
import { findingId, isObject, parseRecord } from './util.ts';

const Entry = z.object({
  type: z.string(),
  filename: z.string(),
  hashed_secret: z.string(),
  line_number: z.number().optional(),
  is_verified: z.boolean().optional(),
  is_secret: z.boolean().nullable().optional(),
  generated_at: z.string().optional(),
});

function normalizeEntry(record: unknown, ctx: NormalizeContext): Finding {
  const e = parseRecord(Entry, record, 'detect-secrets');
  const line =
    e.line_number !== undefined && Number.isInteger(e.line_number) && e.line_number > 0
      ? e.line_number
      : undefined;
  const confirmed = e.is_verified === true || e.is_secret === true;
  const parts = secretParts(ctx, {
    detector: e.type,
    fallback: ['sha1', e.hashed_secret.toLowerCase()],
    ...(e.is_verified !== undefined ? { verified: e.is_verified } : {}),
  });
  const { time, known } = observedTime(ctx, e.generated_at);
  const where = line !== undefined ? `${e.filename}:${line}` : e.filename;
  return buildFinding({
    // The keyed fingerprint, not hashed_secret: an unkeyed hash of it in the id would be a brute-force oracle.
    id: findingId('detect-secrets', e.filename, line, e.type, parts.secret.fingerprint),
    source: { format: 'detect-secrets', product: 'detect-secrets', vendor: 'Yelp' },
    kind: 'exposed-secret',
    ...(e.is_secret === false ? { status: 'suppressed', statusReason: 'audited: not a secret' } : {}),
    title: `${e.type} in ${e.filename}`,
    severity: confirmed ? { label: 'medium', score: 50 } : { label: 'low', score: 30 },
    time,
    identities: [parts.identity],
    resources: [{ uid: e.filename, type: 'file', name: e.filename }],
    location: { file: e.filename, ...(line !== undefined ? { line } : {}) },
    references: [{ kind: 'rule', id: e.type }],
    secret: parts.secret,
    evidence: {
      detector: e.type,
      location: where,
      verified: e.is_verified ?? false,
      ...(typeof e.is_secret === 'boolean' ? { audited: e.is_secret ? 'secret' : 'not-a-secret' } : {}),
      ...(known ? {} : { timeUnknown: true }),
    },
  });
}

const isBaseline = (o: unknown): o is Record<string, unknown> & { results: Record<string, unknown> } =>
  isObject(o) && isObject(o.results) && ('plugins_used' in o || 'generated_at' in o || 'filters_used' in o);
const isEntry = (o: unknown): boolean =>
  isObject(o) &&
  typeof o.type === 'string' &&
  typeof o.hashed_secret === 'string' &&
  ('line_number' in o || 'filename' in o);

export const detectSecretsAdapter: Adapter = {
  format: 'detect-secrets',
  signature:
    'detect-secrets baseline {plugins_used, results:{file:[{type, hashed_secret, line_number}]}, generated_at}',
  detect: (doc) => (Array.isArray(doc) ? doc.length > 0 && isEntry(doc[0]) : isBaseline(doc) || isEntry(doc)),
  // A baseline says which detect-secrets wrote it: "0.x" before the 1.0 rewrite, "1.x" since.
  variant(doc) {
    if (!isBaseline(doc)) return 'entries';
    return typeof doc.version === 'string' && /^0\./.test(doc.version) ? 'baseline-v0' : 'baseline';
  },
  records: (doc) => {
    if (Array.isArray(doc)) return doc;
    if (!isBaseline(doc)) return [doc];
    const generatedAt = doc.generated_at;
    const out: unknown[] = [];
    for (const [file, entries] of Object.entries(doc.results)) {
      if (!Array.isArray(entries)) {
        out.push({ filename: file, results: entries }); // rejected with a readable reason
        continue;
      }
      for (const entry of entries) {
        if (!isObject(entry)) {
          out.push(entry);
          continue;
        }
        out.push({
          ...entry,
          ...(entry.filename === undefined ? { filename: file } : {}),
          ...(entry.generated_at === undefined && generatedAt !== undefined
            ? { generated_at: generatedAt }
            : {}),
        });
      }
    }
    return out;
  },
  normalize: (record, ctx) => [normalizeEntry(record, ctx)],
};

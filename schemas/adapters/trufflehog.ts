// trufflehog v3 `--json`: one JSON object per line, {SourceMetadata:{Data:{Git|Github|Filesystem|…:{…}}},
// DetectorName, Verified, Raw, RawV2, Redacted, ExtraData, StructuredData, SecretParts}.
//
// Traps: trufflehog ≤ 3.x wrote Raw/RawV2 as BASE64 of the bytes (Go []byte); current versions write the string
// itself. Both are handled: a strict-base64 value that decodes to printable UTF-8 is the encoded form (unless it
// equals Redacted), anything else is the value. Git timestamps are Go's time.String()
// ("2022-06-16 10:17:40 -0700 -0700"). The last line of a file may lack its newline (parse-input copes).
//
// Kind: every result is an exposed-secret.
// Severity: Verified → critical 95 (the credential works right now); unverified → medium 50
// (exposedSecretSeverity).
// Status: open (trufflehog reports what it sees).
//
// Secrets: Raw and RawV2 (as written, decoded and re-encoded), each long line of a multi-line value (PEM keys),
// Redacted (for private keys it is the key's first line and a prefix of the next) and SecretParts values are
// registered with the scrubber and never copied. The fingerprint is HMAC(decoded Raw): gitleaks reporting the same
// value gets the same fingerprint and identity. For AWS, Raw (and Redacted) is the access key id — the public
// half; RawV2 is id + secret access key, whose secret half is registered on its own. The key becomes
// aws:access-key:AKIA… owned by ExtraData.arn's user, which is an identity too (ExtraData.user_id AIDA… as alias).
import { z } from 'zod';
import type { Finding, Resource } from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import {
  awsAccessKeyIdentity,
  awsIdentityFromArn,
  isAccessKeyId,
  principalIdentity,
} from '../identity-keys.ts';
import type { Adapter, NormalizeContext } from './adapter.ts';
import { buildFinding } from './build.ts';
import {
  decodeBase64Text,
  exposedSecretSeverity,
  nonEmpty,
  observedTime,
  registerSecret,
  registerWithEncodings,
  repoFromLink,
  secretParts,
} from './secret-common.ts';
import { isTrufflehogV2, normalizeTrufflehogV2 } from './trufflehog-v2.ts';
import { findingId, isObject, parseRecord, slug } from './util.ts';

const Str = z.string().optional();
const NumOrStr = z.union([z.number(), z.string()]).optional();

const TrufflehogRecord = z.object({
  SourceMetadata: z
    .object({ Data: z.record(z.string(), z.unknown()).nullable().optional() })
    .nullable()
    .optional(),
  SourceName: Str,
  SourceType: NumOrStr,
  DetectorType: NumOrStr,
  DetectorName: z.string(),
  DetectorDescription: Str,
  DecoderName: Str,
  Verified: z.boolean().optional(),
  VerificationError: Str,
  Raw: z.string().nullable().optional(),
  RawV2: z.string().nullable().optional(),
  Redacted: z.string().nullable().optional(),
  ExtraData: z.record(z.string(), z.unknown()).nullable().optional(),
  StructuredData: z
    .object({
      github_ssh_key: z
        .array(z.object({ user: Str }))
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
  SecretParts: z.record(z.string(), z.unknown()).nullable().optional(),
});

/** The location fields trufflehog's sources share (git, github, gitlab, filesystem, s3, docker, …). */
const SourceData = z.object({
  repository: Str,
  link: Str,
  commit: Str,
  file: Str,
  email: Str,
  timestamp: Str,
  line: NumOrStr,
  bucket: Str,
  image: Str,
  layer: Str,
});

/** The value as trufflehog meant it: decoded when the field holds base64 of it (trufflehog ≤ 3.x). */
function plainOf(field: string | null | undefined, redacted: string | undefined): string | undefined {
  if (!field) return undefined;
  if (redacted && field === redacted) return field;
  return decodeBase64Text(field) ?? field;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);

function normalizeTrufflehog(record: unknown, ctx: NormalizeContext): Finding {
  const r = parseRecord(TrufflehogRecord, record, 'trufflehog');
  const redacted = r.Redacted ?? undefined;

  // Register everything secret-bearing before anything else is read.
  const raw = plainOf(r.Raw, redacted);
  const rawV2 = plainOf(r.RawV2, redacted);
  if (raw) registerWithEncodings(ctx, raw, r.Raw ?? undefined);
  if (rawV2) {
    registerWithEncodings(ctx, rawV2, r.RawV2 ?? undefined);
    // AWS RawV2 is key id + secret access key: the secret half on its own.
    if (raw && rawV2.startsWith(raw) && rawV2.length > raw.length)
      registerWithEncodings(ctx, rawV2.slice(raw.length));
  }
  registerSecret(ctx, redacted);
  for (const v of Object.values(r.SecretParts ?? {}))
    if (typeof v === 'string') registerWithEncodings(ctx, v);

  const [sourceKind, dataRaw] = Object.entries(r.SourceMetadata?.Data ?? {})[0] ?? [];
  const parsedData = SourceData.safeParse(dataRaw ?? {});
  const data = parsedData.success ? parsedData.data : {};
  const link = nonEmpty(data.link);
  const repo = nonEmpty(data.repository) ?? repoFromLink(link);
  const file = nonEmpty(data.file);
  const lineNo =
    typeof data.line === 'number'
      ? data.line
      : data.line !== undefined
        ? Number.parseInt(data.line, 10)
        : undefined;
  const line = lineNo !== undefined && Number.isInteger(lineNo) && lineNo > 0 ? lineNo : undefined;
  const commit = nonEmpty(data.commit);

  const detector = r.DetectorName;
  const plaintext = raw ?? rawV2;
  const parts = secretParts(ctx, {
    detector,
    plaintext,
    fallback: ['trufflehog', detector, sourceKind, repo, commit, file, line, link],
    masked: redacted,
    verified: r.Verified ?? false,
  });
  const identities: IdentityRef[] = [parts.identity];

  // AWS: the key (its id is the public half), its owning user, the user's unique id.
  const extra = r.ExtraData ?? {};
  const account = str(extra.account);
  const keyId =
    [redacted, raw].map((v) => v?.trim()).find((v): v is string => !!v && isAccessKeyId(v)) ??
    parts.accessKeyId;
  const userId = str(extra.user_id);
  const owner = str(extra.arn)
    ? awsIdentityFromArn(str(extra.arn)!, { aliases: userId ? [userId] : [] })
    : undefined;
  if (keyId) {
    const key = awsAccessKeyIdentity(keyId, owner, account);
    parts.identity.owner = key.key;
    identities.push(key);
  }
  if (owner) identities.push(owner);
  // A private key trufflehog matched to a GitHub account (StructuredData.github_ssh_key).
  for (const k of r.StructuredData?.github_ssh_key ?? []) {
    const user = nonEmpty(k.user);
    if (!user) continue;
    const gh = principalIdentity('github', user);
    identities.push(gh);
    parts.identity.owner ??= gh.key;
  }

  const { time, known } = observedTime(ctx, data.timestamp);
  const resources: Resource[] = [];
  if (repo) resources.push({ uid: repo, type: 'repository', name: repo });
  if (file) resources.push({ uid: file, type: 'file', name: file });
  if (nonEmpty(data.bucket)) resources.push({ uid: data.bucket!, type: 's3-bucket', name: data.bucket });
  if (nonEmpty(data.image)) resources.push({ uid: data.image!, type: 'container-image', name: data.image });
  const where = file ? `${file}${line !== undefined ? `:${line}` : ''}` : undefined;
  const accountId = account ?? owner?.account;

  return buildFinding({
    id: findingId(
      'trufflehog',
      detector,
      r.DetectorType,
      sourceKind,
      repo,
      commit,
      file,
      line,
      link,
      data.bucket,
      data.image,
      parts.secret.fingerprint,
    ),
    source: { format: 'trufflehog', product: 'trufflehog', vendor: 'Truffle Security' },
    kind: 'exposed-secret',
    title: `${r.Verified ? 'Verified ' : ''}${detector} credential exposed${where ? ` in ${file}` : ''}`,
    ...(nonEmpty(r.DetectorDescription) ? { description: r.DetectorDescription } : {}),
    severity: exposedSecretSeverity(r.Verified),
    time,
    identities,
    resources,
    ...(accountId ? { cloud: { provider: 'aws', account: accountId } } : {}),
    location: {
      ...(repo ? { repo } : {}),
      ...(file ? { file } : {}),
      ...(line !== undefined ? { line } : {}),
      ...(commit ? { commit } : {}),
      ...(link ? { url: link } : {}),
    },
    references: [{ kind: 'rule', id: detector }],
    secret: parts.secret,
    evidence: {
      detector,
      verified: r.Verified ?? false,
      ...(nonEmpty(r.SourceName) ? { source: r.SourceName! } : {}),
      ...(sourceKind ? { sourceKind } : {}),
      ...(nonEmpty(r.DecoderName) ? { decoder: r.DecoderName! } : {}),
      ...(where ? { location: where } : {}),
      ...(commit ? { commit } : {}),
      ...(nonEmpty(data.email) ? { author: data.email! } : {}),
      // The verifier's error text can quote the credential (URLs with passwords): only whether there was one.
      ...(nonEmpty(r.VerificationError) ? { verificationError: true } : {}),
      ...(known ? {} : { timeUnknown: true }),
    },
  });
}

const isResult = (o: unknown): boolean =>
  isObject(o) &&
  typeof o.DetectorName === 'string' &&
  'SourceMetadata' in o &&
  ('Raw' in o || 'Redacted' in o || 'Verified' in o);

const isAnyResult = (o: unknown): boolean => isResult(o) || isTrufflehogV2(o);

/** The v3 source a result came from (`trufflehog git`, `github`, `filesystem`, `s3`…), as `-git`; else nothing. */
function sourceOf(result: unknown): string {
  const data = isObject(result) && isObject(result.SourceMetadata) ? result.SourceMetadata.Data : undefined;
  const kind = isObject(data) ? Object.keys(data)[0] : undefined;
  return kind ? `-${slug(kind)}` : '';
}

export const trufflehogAdapter: Adapter = {
  format: 'trufflehog',
  signature:
    'trufflehog v3 JSON lines {SourceMetadata, DetectorName, Verified, Raw, Redacted}; v2 {reason, stringsFound, commitHash, diff}',
  detect: (doc) => (Array.isArray(doc) ? doc.length > 0 && isAnyResult(doc[0]) : isAnyResult(doc)),
  records: (doc) => (Array.isArray(doc) ? doc : [doc]),
  variant: (doc) => {
    const first = Array.isArray(doc) ? doc[0] : doc;
    return isTrufflehogV2(first) ? 'v2' : `v3${sourceOf(first)}`;
  },
  normalize: (record, ctx) =>
    isTrufflehogV2(record) ? normalizeTrufflehogV2(record, ctx) : [normalizeTrufflehog(record, ctx)],
};

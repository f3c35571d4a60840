// trufflehog 2.x `--json` (the Python tool, before the v3 rewrite): one JSON object per line,
// {branch, commit (the commit message), commitHash, date, diff, path, printDiff, reason, stringsFound}.
//
// Kind: every string found is an exposed-secret; one finding per distinct string (a record lists every match of
// its rule in one diff). Severity: unverified → medium 50 (v2 never verified anything).
// Status: open. Time: `date` is the commit's time in the scanning machine's local zone, written without a zone:
// read as UTC and marked `timeZoneUnknown` in evidence.
//
// Secrets: every stringsFound entry is registered with the scrubber; diff, printDiff and the commit message hold
// the same secrets in context and are never copied. The fingerprint is HMAC(string found), except a bare PEM
// header (v2's private-key rules matched only "-----BEGIN RSA PRIVATE KEY-----"), which is no secret: then
// detector + commit + path stand in (secret-common.ts). An AWS key id found (AKIA…) is its key's identity too.
import { z } from 'zod';
import type { Finding } from '../finding.ts';
import type { IdentityRef } from '../identity.ts';
import { awsAccessKeyIdentity } from '../identity-keys.ts';
import type { NormalizeContext } from './adapter.ts';
import { RecordError } from './adapter.ts';
import { buildFinding } from './build.ts';
import {
  exposedSecretSeverity,
  nonEmpty,
  registerSecret,
  secretParts,
  UNKNOWN_TIME,
} from './secret-common.ts';
import { findingId, isObject, parseRecord, toIsoTime } from './util.ts';

const TrufflehogV2Record = z.object({
  branch: z.string().optional(),
  commitHash: z.string().optional(),
  date: z.string().optional(),
  path: z.string().optional(),
  reason: z.string(),
  stringsFound: z.array(z.string()),
});

/** v2's keys: `reason` and `stringsFound`, with the git fields around them. */
export const isTrufflehogV2 = (o: unknown): boolean =>
  isObject(o) &&
  typeof o.reason === 'string' &&
  Array.isArray(o.stringsFound) &&
  ('commitHash' in o || 'diff' in o || 'branch' in o);

/** "2021-01-30 19:50:09" (no zone) → ISO, read as UTC. */
function v2Time(date: string | undefined): string | undefined {
  const m = date ? /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/.exec(date.trim()) : null;
  return m ? toIsoTime(`${m[1]}T${m[2]}Z`) : undefined;
}

export function normalizeTrufflehogV2(record: unknown, ctx: NormalizeContext): Finding[] {
  // Register before validating: a rejection reason must not quote what was found.
  if (isObject(record) && Array.isArray(record.stringsFound))
    for (const s of record.stringsFound) registerSecret(ctx, s);
  const r = parseRecord(TrufflehogV2Record, record, 'trufflehog v2 result');
  const found = [...new Set(r.stringsFound.filter((s) => s.trim() !== ''))];
  if (found.length === 0) throw new RecordError('trufflehog v2 result: stringsFound is empty');
  const detector = r.reason;
  const commit = nonEmpty(r.commitHash);
  const file = nonEmpty(r.path);
  const branch = nonEmpty(r.branch);
  const time = v2Time(r.date);

  return found.map((value) => {
    const parts = secretParts(ctx, {
      detector,
      plaintext: value,
      fallback: ['trufflehog-v2', detector, commit, file],
      verified: false,
    });
    const identities: IdentityRef[] = [parts.identity];
    if (parts.accessKeyId) {
      const key = awsAccessKeyIdentity(parts.accessKeyId);
      parts.identity.owner = key.key;
      identities.push(key);
    }
    return buildFinding({
      id: findingId('trufflehog', 'v2', detector, commit, file, parts.secret.fingerprint),
      source: { format: 'trufflehog', product: 'trufflehog', vendor: 'Truffle Security' },
      kind: 'exposed-secret',
      title: `${detector} credential exposed${file ? ` in ${file}` : ''}`,
      severity: exposedSecretSeverity(false),
      time: time ?? UNKNOWN_TIME,
      identities,
      resources: file ? [{ uid: file, type: 'file', name: file }] : [],
      location: { ...(file ? { file } : {}), ...(commit ? { commit } : {}) },
      references: [{ kind: 'rule', id: detector }],
      secret: parts.secret,
      evidence: {
        detector,
        verified: false,
        trufflehogVersion: 2,
        ...(branch ? { branch } : {}),
        ...(commit ? { commit } : {}),
        ...(file ? { location: file } : {}),
        ...(time ? { timeZoneUnknown: true } : { timeUnknown: true }),
      },
    });
  });
}

// Archives that outlive Temporal's retention: each periodic export goes to S3 (moto locally) under
// <prefix><sequence>-<time>/…, and <prefix>chain-head.json names the last one, so the next export links to it and
// covers the remediations closed since. Read back with downloadArchive and verified like any export.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { endpoints, stateDir } from '../infra/endpoints.ts';
import { readAdminCredentials } from '../infra/services/moto-admin.ts';
import { parseHead, type SignedHead, signHead } from './chain-head.ts';
import { exportEvidence } from './export.ts';
import { MANIFEST_FILE, SIGNATURE_FILE } from './manifest.ts';
import type { EvidenceSigner } from './signing-key.ts';
import { exportDirs } from './verify.ts';

export interface ArchiveTarget {
  bucket: string;
  /** Key prefix, e.g. "evidence/" (empty: the bucket's root). */
  prefix: string;
}

export const HEAD_FILE = 'chain-head.json';

const ArchiveHead = z.object({
  sequence: z.int().min(1),
  manifestSha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The end of the window the export covered: the next one starts here. */
  until: z.string(),
  /** The export's folder under the prefix. */
  dir: z.string(),
  /** Who wrote it (a schedule's workflow id): a retried activity finds its own export done. */
  runKey: z.string(),
  /** The evidence key and its signature over {sequence, manifestSha256} (chain-head.ts signHead). */
  publicKey: z.string().optional(),
  signature: z.string().optional(),
});
export type ArchiveHead = z.infer<typeof ArchiveHead>;

/** S3 for the local stack's moto (admin key, path-style) or, with NHI_AWS_ENDPOINT=aws, real S3. */
export function s3Client(): S3Client {
  const { awsEndpoint, awsRegion } = endpoints();
  if (awsEndpoint === undefined) return new S3Client({ region: awsRegion });
  const admin = readAdminCredentials(stateDir());
  if (!admin) throw new Error('s3: no local admin key: run nhi stack up (or set NHI_AWS_ENDPOINT=aws)');
  return new S3Client({ region: awsRegion, endpoint: awsEndpoint, credentials: admin, forcePathStyle: true });
}

export async function readArchiveHead(s3: S3Client, t: ArchiveTarget): Promise<ArchiveHead | null> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: t.bucket, Key: `${t.prefix}${HEAD_FILE}` }));
    return ArchiveHead.parse(JSON.parse(await out.Body!.transformToString()));
  } catch (error) {
    if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return null;
    throw error;
  }
}

async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key!).filter(Boolean));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

export interface ArchiveResult {
  dir: string;
  sequence: number;
  remediations: number;
  /** This run's export was already archived (a retried activity). */
  already?: true;
}

/** One archive export: the remediations closed since the last one, chained to it, uploaded, then the head moved. */
export async function archiveOnce(
  client: Client,
  s3: S3Client,
  target: ArchiveTarget,
  signer: EvidenceSigner,
  opts: { runKey: string; now: Date },
): Promise<ArchiveResult> {
  await s3.send(new HeadBucketCommand({ Bucket: target.bucket })).catch((error: Error) => {
    throw new Error(`bucket ${target.bucket} is not reachable: ${error.name}`);
  });
  const head = await readArchiveHead(s3, target);
  if (head?.runKey === opts.runKey)
    return { dir: head.dir, sequence: head.sequence, remediations: 0, already: true };
  const sequence = (head?.sequence ?? 0) + 1;
  const dir = `${String(sequence).padStart(6, '0')}-${opts.now.toISOString().replace(/[:.]/g, '-')}`;
  const work = mkdtempSync(join(tmpdir(), 'nhi-archive-'));
  try {
    const result = await exportEvidence(client, {
      outDir: join(work, dir),
      signer,
      query: { window: 'closed', ...(head ? { since: head.until } : {}), until: opts.now.toISOString() },
      previous: head ? { sequence: head.sequence, manifestSha256: head.manifestSha256 } : null,
      now: opts.now,
    });
    // A retry after a partial upload starts from a clean folder, so the export verifies with nothing added.
    const stale = await listKeys(s3, target.bucket, `${target.prefix}${dir}/`);
    if (stale.length)
      await s3.send(
        new DeleteObjectsCommand({
          Bucket: target.bucket,
          Delete: { Objects: stale.map((Key) => ({ Key })) },
        }),
      );
    for (const path of [...result.manifest.files.map((f) => f.path), MANIFEST_FILE, SIGNATURE_FILE]) {
      await s3.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: `${target.prefix}${dir}/${path}`,
          Body: readFileSync(join(work, dir, path)),
        }),
      );
    }
    const next: ArchiveHead = {
      ...signHead({ sequence, manifestSha256: result.manifestSha256 }, signer),
      until: opts.now.toISOString(),
      dir,
      runKey: opts.runKey,
    };
    // The head moves last: until it does, the next run redoes this one rather than skipping it.
    await s3.send(
      new PutObjectCommand({
        Bucket: target.bucket,
        Key: `${target.prefix}${HEAD_FILE}`,
        Body: JSON.stringify(next),
      }),
    );
    return { dir, sequence, remediations: result.summaries.length };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The head verify compares the archive with: the highest sequence among every stored version of the head object.
 * On a bucket with versioning and object lock (retention), old versions cannot be removed, so putting an older head
 * back over the current one, after deleting the newest export, still leaves the newest head to be found. Without
 * versioning it is the current head. Its signature is checked by verify against the trusted key.
 */
export async function readArchiveHeadForVerify(s3: S3Client, t: ArchiveTarget): Promise<SignedHead | null> {
  const Key = `${t.prefix}${HEAD_FILE}`;
  const versions: string[] = [];
  try {
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectVersionsCommand({
          Bucket: t.bucket,
          Prefix: Key,
          KeyMarker: keyMarker,
          VersionIdMarker: versionMarker,
        }),
      );
      for (const v of page.Versions ?? [])
        if (v.Key === Key && v.VersionId && v.VersionId !== 'null') versions.push(v.VersionId);
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
  } catch {
    // No versioning API (or not allowed): the current head below.
  }
  const heads: SignedHead[] = [];
  for (const VersionId of versions) {
    const out = await s3.send(new GetObjectCommand({ Bucket: t.bucket, Key, VersionId }));
    heads.push(
      parseHead(await out.Body!.transformToString(), `s3://${t.bucket}/${Key}?versionId=${VersionId}`),
    );
  }
  if (!heads.length) {
    const current = await readArchiveHead(s3, t);
    if (current) heads.push(current);
  }
  return heads.sort((a, b) => b.sequence - a.sequence)[0] ?? null;
}

/** Every export under the prefix, downloaded into `toDir`; returns their directories (oldest first). */
export async function downloadArchive(s3: S3Client, target: ArchiveTarget, toDir: string): Promise<string[]> {
  for (const key of await listKeys(s3, target.bucket, target.prefix)) {
    const rel = key.slice(target.prefix.length);
    if (rel === HEAD_FILE || !rel) continue;
    const out = await s3.send(new GetObjectCommand({ Bucket: target.bucket, Key: key }));
    const file = join(toDir, rel);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, await out.Body!.transformToByteArray());
  }
  return exportDirs(toDir);
}

/** `s3://bucket/prefix/` → a target; anything else → undefined. */
export function parseS3Url(url: string): ArchiveTarget | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!m) return undefined;
  const prefix = m[2] ?? '';
  return { bucket: m[1]!, prefix: prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix };
}

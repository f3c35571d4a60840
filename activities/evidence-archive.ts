// The archive activity: exports with its own Temporal client and the deployment's evidence key, uploads to S3.
// Clients are made on first use, so a worker that never archives needs neither S3 nor the key.
import type { S3Client } from '@aws-sdk/client-s3';
import type { Client } from '@temporalio/client';
import { defaultEvidenceKeyFile, mayCreateEvidenceKey } from '../evidence/chain-head.ts';
import { type ArchiveResult, archiveOnce, s3Client } from '../evidence/s3-archive.ts';
import { evidenceSigner } from '../evidence/signing-key.ts';
import { temporalClient } from '../runtime/connections.ts';
import type { ArchiveRequest } from '../workflows/evidence/definitions.ts';

export function createEvidenceArchiver(deps: { temporal?: () => Promise<Client>; s3?: () => S3Client } = {}) {
  let client: Promise<Client> | undefined;
  let s3: S3Client | undefined;
  return async function archiveEvidence(request: ArchiveRequest): Promise<ArchiveResult> {
    client ??= (deps.temporal ?? temporalClient)();
    s3 ??= (deps.s3 ?? s3Client)();
    // The key is the deployment's: NHI_EVIDENCE_KEY_FILE (created on first use only for the local stack, like
    // `nhi evidence export`; elsewhere a missing key fails the archive with a line naming `nhi evidence key new`).
    const signer = evidenceSigner(defaultEvidenceKeyFile(), { create: mayCreateEvidenceKey() });
    return archiveOnce(await client, s3, { bucket: request.bucket, prefix: request.prefix }, signer, {
      runKey: request.runKey,
      now: new Date(request.until),
    });
  };
}

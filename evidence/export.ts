// Evidence for compliance: each decision's workflow history (every run of its continue-as-new chain), exported as
// Temporal's own JSON (replayable with Worker.runReplayHistories), plus a manifest with a SHA-256 per file so a
// reviewer can tell nothing changed.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { fetchRunChain } from './fetch-history.ts';

export interface EvidenceFile {
  workflowId: string;
  runId?: string;
  file: string;
  sha256: string;
  events: number;
}

export interface EvidenceManifest {
  exportedAt: string;
  namespace: string;
  files: EvidenceFile[];
}

const sha256 = (text: string | Buffer) => createHash('sha256').update(text).digest('hex');
const safeName = (id: string) => id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 180);

export async function exportEvidence(
  client: Client,
  workflowIds: string[],
  outDir: string,
): Promise<EvidenceManifest> {
  mkdirSync(outDir, { recursive: true });
  const files: EvidenceFile[] = [];
  for (const workflowId of workflowIds) {
    // Every run of the chain: an identity continues as new as its history grows, and the decisions taken in
    // earlier runs are evidence too.
    const chain = await fetchRunChain(client, workflowId);
    chain.forEach(({ runId, history }, i) => {
      const json = historyToJSON(history);
      const run = chain.length > 1 ? `.run-${i + 1}` : '';
      const file = `${safeName(workflowId)}${run}.history.json`;
      writeFileSync(join(outDir, file), json);
      files.push({ workflowId, runId, file, sha256: sha256(json), events: history.events?.length ?? 0 });
    });
  }
  const manifest: EvidenceManifest = {
    exportedAt: new Date().toISOString(),
    namespace: client.options.namespace,
    files,
  };
  writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Files whose content no longer matches the manifest (empty when the evidence is intact). */
export function verifyEvidence(dir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as EvidenceManifest;
  return manifest.files
    .filter((f) => {
      try {
        return sha256(readFileSync(join(dir, f.file))) !== f.sha256;
      } catch {
        return true;
      }
    })
    .map((f) => f.file);
}

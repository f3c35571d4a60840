// Where a deployment keeps its evidence key and the head of its export chain (the last export's manifest hash), so
// each export names the one before it without anyone having to remember.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stateDir } from '../infra/endpoints.ts';
import { sha256 } from './canonical.ts';
import { type ChainLink, ChainLink as ChainLinkSchema, MANIFEST_FILE, Manifest } from './manifest.ts';

const nhiDir = () => dirname(stateDir());

/** NHI_EVIDENCE_KEY_FILE, default .nhi/keys/evidence.json. */
export const defaultEvidenceKeyFile = () =>
  process.env.NHI_EVIDENCE_KEY_FILE || join(nhiDir(), 'keys', 'evidence.json');

/** NHI_EVIDENCE_CHAIN_FILE, default .nhi/evidence/chain-head.json. */
export const defaultChainFile = () =>
  process.env.NHI_EVIDENCE_CHAIN_FILE || join(nhiDir(), 'evidence', 'chain-head.json');

export function readChainHead(file: string): ChainLink | null {
  if (!existsSync(file)) return null;
  const parsed = ChainLinkSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: not a chain head ({sequence, manifestSha256})`);
  return parsed.data;
}

export function writeChainHead(file: string, link: ChainLink): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(link)}\n`);
}

/** The link to an existing export directory (its sequence and the hash of its manifest's bytes). */
export function linkToExport(dir: string): ChainLink {
  const file = join(dir, MANIFEST_FILE);
  if (!existsSync(file)) throw new Error(`${dir} holds no ${MANIFEST_FILE}`);
  const bytes = readFileSync(file);
  const parsed = Manifest.safeParse(JSON.parse(bytes.toString('utf8')));
  if (!parsed.success) throw new Error(`${file} is not an evidence manifest`);
  return { sequence: parsed.data.sequence, manifestSha256: sha256(bytes) };
}

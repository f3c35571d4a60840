// Where a deployment keeps its evidence key and the head of its export chain (the last export's manifest hash), so
// each export names the one before it without anyone having to remember. The head is signed with the evidence key
// and kept apart from the exports: someone who deletes the newest export cannot make the chain end earlier without
// a head the key signed for that earlier export, and verify compares the exports it is given with the head.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { stateDir } from '../infra/endpoints.ts';
import { canonicalJson, sha256 } from './canonical.ts';
import { type ChainLink, MANIFEST_FILE, Manifest } from './manifest.ts';
import { type EvidenceSigner, verifySignature } from './signing-key.ts';

const nhiDir = () => dirname(stateDir());

/** NHI_EVIDENCE_KEY_FILE, default .nhi/keys/evidence.json. */
export const defaultEvidenceKeyFile = () =>
  process.env.NHI_EVIDENCE_KEY_FILE || join(nhiDir(), 'keys', 'evidence.json');

/** NHI_EVIDENCE_CHAIN_FILE, default .nhi/evidence/chain-head.json. */
export const defaultChainFile = () =>
  process.env.NHI_EVIDENCE_CHAIN_FILE || join(nhiDir(), 'evidence', 'chain-head.json');

/** A key rotation waiting for the next export (`nhi evidence rotate-key`), beside the chain head. */
export const defaultRotationFile = () => join(dirname(defaultChainFile()), 'key-rotation.json');

/**
 * The evidence key may be created on first use only for the local stack (no NHI_TEMPORAL_ADDRESS, no configured
 * key file); anywhere else a missing key is an error that names `nhi evidence key new`.
 */
export const mayCreateEvidenceKey = () =>
  !process.env.NHI_TEMPORAL_ADDRESS && !process.env.NHI_EVIDENCE_KEY_FILE;

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** The chain head: the last export's link, with the key that signed it and its signature over the link. */
export const SignedHead = z.object({
  sequence: z.int().min(1),
  manifestSha256: Sha256,
  publicKey: Hex64.optional(),
  signature: z
    .string()
    .regex(/^[0-9a-f]{128}$/)
    .optional(),
});
export type SignedHead = z.infer<typeof SignedHead>;

const headBytes = (link: ChainLink) =>
  Buffer.from(canonicalJson({ head: 'nhi-evidence-chain-head/1', ...pickLink(link) }));
const pickLink = (l: ChainLink): ChainLink => ({ sequence: l.sequence, manifestSha256: l.manifestSha256 });

export function signHead(link: ChainLink, signer: EvidenceSigner): Required<SignedHead> {
  return { ...pickLink(link), publicKey: signer.publicKey, signature: signer.sign(headBytes(link)) };
}

/** Why a head cannot be believed with these trusted keys, or undefined. */
export function headProblem(head: SignedHead, trusted: ReadonlySet<string>): string | undefined {
  if (!head.signature || !head.publicKey) return 'the chain head is not signed';
  if (!trusted.has(head.publicKey))
    return `the chain head is signed by key ${head.publicKey}, not a trusted one`;
  if (!verifySignature(head.publicKey, headBytes(head), head.signature))
    return 'the chain head signature does not verify';
  return undefined;
}

export function parseHead(text: string, where: string): SignedHead {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not JSON: ${(error as Error).message}`);
  }
  const parsed = SignedHead.safeParse(raw);
  if (!parsed.success) throw new Error(`${where}: not a chain head ({sequence, manifestSha256, signature})`);
  return parsed.data;
}

export function readChainHead(file: string): SignedHead | null {
  if (!existsSync(file)) return null;
  return parseHead(readFileSync(file, 'utf8'), file);
}

export function writeChainHead(file: string, link: ChainLink, signer: EvidenceSigner): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(signHead(link, signer))}\n`);
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

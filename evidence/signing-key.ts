// The deployment's Ed25519 evidence key: a JSON key file (kept private, mode 0600) holding the secret key, and the
// public key that is published with every export so anyone can check a manifest's signature.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { z } from 'zod';

const Hex = (bytes: number) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `${bytes} bytes of hex`);

export const EvidenceKeyFile = z.strictObject({
  type: z.literal('ed25519'),
  use: z.literal('evidence'),
  createdAt: z.string(),
  publicKey: Hex(32),
  secretKey: Hex(32),
});
export type EvidenceKeyFile = z.infer<typeof EvidenceKeyFile>;

export interface EvidenceSigner {
  publicKey: string;
  sign(message: Uint8Array): string;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));

export function newEvidenceKey(now = new Date()): EvidenceKeyFile {
  const { secretKey, publicKey } = ed25519.keygen();
  return {
    type: 'ed25519',
    use: 'evidence',
    createdAt: now.toISOString(),
    publicKey: hex(publicKey),
    secretKey: hex(secretKey),
  };
}

export function writeEvidenceKey(file: string, key: EvidenceKeyFile): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function readEvidenceKey(file: string): EvidenceKeyFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`evidence key ${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = EvidenceKeyFile.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `evidence key ${file}: ${issue?.path.join('.') || 'file'} ${issue?.message ?? 'is invalid'}`,
    );
  }
  if (hex(ed25519.getPublicKey(bytes(parsed.data.secretKey))) !== parsed.data.publicKey)
    throw new Error(`evidence key ${file}: publicKey does not belong to secretKey`);
  return parsed.data;
}

/** The key in `file`, created first when `create` is set and there is none. */
export function evidenceSigner(
  file: string,
  opts: { create?: boolean; onCreate?: () => void } = {},
): EvidenceSigner {
  if (!existsSync(file) && opts.create) {
    writeEvidenceKey(file, newEvidenceKey());
    opts.onCreate?.();
  }
  if (!existsSync(file))
    throw new Error(
      `no evidence key at ${file}: create one with nhi evidence key new --out ${file} (a key is created on first use only for the local stack)`,
    );
  const key = readEvidenceKey(file);
  const secret = bytes(key.secretKey);
  return { publicKey: key.publicKey, sign: (message) => hex(ed25519.sign(message, secret)) };
}

export function verifySignature(publicKeyHex: string, message: Uint8Array, signatureHex: string): boolean {
  try {
    return ed25519.verify(bytes(signatureHex), message, bytes(publicKeyHex));
  } catch {
    return false;
  }
}

/** A public key given as 64 hex characters, or a file holding them (or a key file / signature file with one). */
export function readPublicKey(spec: string): string {
  const text = existsSync(spec) ? readFileSync(spec, 'utf8').trim() : spec.trim();
  if (/^[0-9a-f]{64}$/i.test(text)) return text.toLowerCase();
  try {
    const key = (JSON.parse(text) as { publicKey?: unknown }).publicKey;
    if (typeof key === 'string' && /^[0-9a-f]{64}$/i.test(key)) return key.toLowerCase();
  } catch {
    // not JSON
  }
  throw new Error(`${spec}: not an Ed25519 public key (64 hex characters, or a file with one)`);
}

// A change of evidence key inside a chain is believed only when a key-rotation record links the two keys: the
// previous key signs "hand over to the next" and the next key signs it too (it proves it holds the new secret).
// `nhi evidence rotate-key` writes it; the next export carries it (key-rotation.json, listed in its manifest), so
// verify can follow a chain across the change. An export signed by any other key is an impostor's, whatever chain
// link it names.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { canonicalJson } from './canonical.ts';
import { type EvidenceSigner, verifySignature } from './signing-key.ts';

export const KEY_ROTATION_FILE = 'key-rotation.json';
export const KEY_ROTATION_FORMAT = 'nhi-evidence-key-rotation/1';

const Hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));

const RotationTerms = z.strictObject({
  format: z.literal(KEY_ROTATION_FORMAT),
  /** The key that signed the exports before the change. */
  from: Hex(32),
  /** The key that signs the exports after it. */
  to: Hex(32),
  at: z.string(),
  /** Why (one line): a scheduled rotation, a suspected exposure, … */
  reason: z.string().min(1).max(500),
});

export const KeyRotation = RotationTerms.extend({
  /** Ed25519 by `from` over the canonical JSON of the terms. */
  fromSignature: Hex(64),
  /** Ed25519 by `to` over the same bytes. */
  toSignature: Hex(64),
}).strict();
export type KeyRotation = z.infer<typeof KeyRotation>;

const termsBytes = (r: z.infer<typeof RotationTerms>) =>
  Buffer.from(canonicalJson({ format: r.format, from: r.from, to: r.to, at: r.at, reason: r.reason }));

export function rotationRecord(
  from: EvidenceSigner,
  to: EvidenceSigner,
  reason: string,
  now = new Date(),
): KeyRotation {
  if (from.publicKey === to.publicKey) throw new Error('the new evidence key is the same as the old one');
  const terms = {
    format: KEY_ROTATION_FORMAT,
    from: from.publicKey,
    to: to.publicKey,
    at: now.toISOString(),
    reason,
  } as const;
  const bytes = termsBytes(terms);
  return { ...terms, fromSignature: from.sign(bytes), toSignature: to.sign(bytes) };
}

/** Why a rotation record cannot be believed, or undefined when both keys signed it. */
export function rotationProblem(record: KeyRotation): string | undefined {
  const bytes = termsBytes(record);
  if (!verifySignature(record.from, bytes, record.fromSignature))
    return `the key-rotation record is not signed by the previous key ${record.from}`;
  if (!verifySignature(record.to, bytes, record.toSignature))
    return `the key-rotation record is not signed by the new key ${record.to}`;
  return undefined;
}

/** Parses a rotation record's text; throws one line when it is not one. */
export function parseRotation(text: string, where: string): KeyRotation {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${where}: not JSON: ${(error as Error).message}`);
  }
  const parsed = KeyRotation.safeParse(raw);
  if (!parsed.success)
    throw new Error(
      `${where}: not a key-rotation record (${parsed.error.issues[0]?.path.join('.') || 'root'}: ${parsed.error.issues[0]?.message})`,
    );
  return parsed.data;
}

export function readRotation(file: string): KeyRotation | undefined {
  return existsSync(file) ? parseRotation(readFileSync(file, 'utf8'), file) : undefined;
}

export function writeRotation(file: string, record: KeyRotation): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(record, null, 2)}\n`);
}

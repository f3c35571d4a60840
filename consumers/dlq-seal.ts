// A dead letter whose value may hold a secret is not dropped: it is sealed (AES-256-GCM) so that only someone
// holding the DLQ key can read it back (`nhi dlq replay` does). The key is NHI_DLQ_KEY when set, else one derived
// from the fingerprint key: whoever runs the pipeline has it, nobody who can merely read the topic does.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { fingerprintKeyFromEnv } from '../schemas/redaction.ts';

export const SEAL_ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface DlqKey {
  key: Buffer;
  /** Which key sealed a value (first 8 hex of its hash): tells a reader which key to use after a rotation. */
  id: string;
}

export function dlqKey(env: NodeJS.ProcessEnv = process.env): DlqKey {
  const material = env.NHI_DLQ_KEY || `nhi-dlq-from-fingerprint-key:${fingerprintKeyFromEnv(env)}`;
  const key = createHash('sha256').update(material, 'utf8').digest();
  return { key, id: createHash('sha256').update(key).digest('hex').slice(0, 8) };
}

/** iv ‖ tag ‖ ciphertext. */
export function seal(plain: Buffer, { key }: DlqKey): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(SEAL_ALGORITHM, key, iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

/** Throws when the key is not the one that sealed it (GCM authenticates). */
export function unseal(sealed: Buffer, { key }: DlqKey): Buffer {
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv(SEAL_ALGORITHM, key, iv);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

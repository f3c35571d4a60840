// What Temporal itself holds of the demo's decisions: each history read raw (no codec), its payloads counted by
// encoding, then decrypted with the demo's own keys and searched for the leaked secret.
import type { Client } from '@temporalio/client';
import { fetchRunChain } from '../evidence/fetch-history.ts';
import { payloadCodec } from '../runtime/connections.ts';
import { decryptPayloadsInPlace, isEncrypted, KEY_ID_METADATA } from '../runtime/payload-codec.ts';

export interface EncryptionCheck {
  /** Payloads other than search attributes, and how many of them were ciphertext. */
  payloads: number;
  encrypted: number;
  /** Search attribute values: indexed by the server, so never encrypted. */
  searchAttributes: number;
  keyIds: string[];
  /** The secret appears in the decrypted histories. */
  secretFound: boolean;
  /** A value that must appear once decrypted (the key's id): proof the decryption worked. */
  expectedFound: boolean;
}

type RawPayload = { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null };

function collect(
  node: unknown,
  inSearchAttributes: boolean,
  out: Array<{ p: RawPayload; sa: boolean }>,
): void {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
  const p = node as RawPayload;
  if (p.metadata && typeof p.metadata === 'object' && p.metadata.encoding instanceof Uint8Array) {
    out.push({ p, sa: inSearchAttributes });
    return;
  }
  for (const [key, inner] of Object.entries(node))
    collect(inner, inSearchAttributes || key === 'searchAttributes', out);
}

export async function checkEncryptedHistories(
  client: Client,
  workflowIds: string[],
  secret: string,
  expected: string,
): Promise<EncryptionCheck> {
  const codec = await payloadCodec();
  const check: EncryptionCheck = {
    payloads: 0,
    encrypted: 0,
    searchAttributes: 0,
    keyIds: [],
    secretFound: false,
    expectedFound: false,
  };
  const keyIds = new Set<string>();
  for (const id of workflowIds) {
    for (const { history } of await fetchRunChain(client, id)) {
      const found: Array<{ p: RawPayload; sa: boolean }> = [];
      collect(history, false, found);
      for (const { p, sa } of found) {
        if (sa) check.searchAttributes++;
        else check.payloads++;
        if (!sa && isEncrypted(p)) {
          check.encrypted++;
          keyIds.add(Buffer.from(p.metadata![KEY_ID_METADATA] ?? []).toString());
        }
      }
      await decryptPayloadsInPlace(history, codec);
      const text: string[] = [];
      for (const { p } of found) text.push(Buffer.from(p.data ?? []).toString('utf8'));
      const decrypted = text.join('\n');
      if (decrypted.includes(secret)) check.secretFound = true;
      if (decrypted.includes(expected)) check.expectedFound = true;
    }
  }
  check.keyIds = [...keyIds];
  return check;
}

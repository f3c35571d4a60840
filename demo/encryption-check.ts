// What Temporal itself holds of the demo's decisions: each history read raw (no codec), its payloads counted by
// encoding, then decrypted with the demo's own keys and searched for the leaked secret.
import type { Client } from '@temporalio/client';
import { fetchRunChain } from '../evidence/fetch-history.ts';
import { payloadCodec } from '../runtime/connections.ts';
import { decryptPayloadsInPlace, isEncrypted, KEY_ID_METADATA } from '../runtime/payload-codec.ts';
import { KNOWN_PATCH_IDS } from '../schemas/patch-ids.ts';

export interface EncryptionCheck {
  /** Payloads other than search attributes, and how many of them were ciphertext. */
  payloads: number;
  encrypted: number;
  /** Search attribute values: indexed by the server, so never encrypted. */
  searchAttributes: number;
  /**
   * The SDK's own markers, written without the codec: a patch's id (listed in schemas/patch-ids.ts) and a local
   * activity's bookkeeping (our only local activities seal and verify service messages; their results are ciphertext).
   */
  sdkMarkers: number;
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
  out: Array<{ p: RawPayload; sa: boolean; marker: boolean }>,
  inMarker = false,
): void {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
  const p = node as RawPayload;
  if (p.metadata && typeof p.metadata === 'object' && p.metadata.encoding instanceof Uint8Array) {
    out.push({ p, sa: inSearchAttributes, marker: inMarker && isSdkMarker(p) });
    return;
  }
  for (const [key, inner] of Object.entries(node))
    collect(
      inner,
      inSearchAttributes || key === 'searchAttributes',
      out,
      inMarker || key === 'markerRecordedEventAttributes',
    );
}

const SEAL_ACTIVITIES = new Set(['servicePublicKeys', 'sealServiceMessage']);

/** A patch marker naming a listed patch, or a seal activity's bookkeeping: nothing of a finding in either. */
function isSdkMarker(p: RawPayload): boolean {
  if (isEncrypted(p)) return false;
  try {
    const value = JSON.parse(Buffer.from(p.data ?? []).toString('utf8')) as Record<string, unknown>;
    if (typeof value.id === 'string' && Object.keys(value).sort().join() === 'deprecated,id')
      return KNOWN_PATCH_IDS.has(value.id);
    return typeof value.activity_type === 'string' && SEAL_ACTIVITIES.has(value.activity_type);
  } catch {
    return false;
  }
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
    sdkMarkers: 0,
    keyIds: [],
    secretFound: false,
    expectedFound: false,
  };
  const keyIds = new Set<string>();
  for (const id of workflowIds) {
    for (const { history } of await fetchRunChain(client, id)) {
      const found: Array<{ p: RawPayload; sa: boolean; marker: boolean }> = [];
      collect(history, false, found);
      for (const { p, sa, marker } of found) {
        if (sa) check.searchAttributes++;
        else if (marker) check.sdkMarkers++;
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

// Temporal payload encryption: every payload (workflow inputs, signals, results, queries, memo) is AES-256-GCM
// ciphertext on the wire and in the server's history, so findings, reasons and titles are readable only by holders
// of the key. The key's id travels in the payload's metadata: rotating is adding a new key and making it active,
// while old ids still decrypt what was written before. What cannot be decrypted is handed on as a refusal (see
// decode), never thrown.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import { KNOWN_PATCH_IDS } from '../schemas/patch-ids.ts';
import { undecodable } from '../schemas/undecodable.ts';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

// CommonJS package: its named export is not visible to Node's ESM loader, the default export is.
const { temporal } = proto;

const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export interface PayloadKeyRing {
  /** The key new payloads are encrypted with. */
  activeKeyId: string;
  /** Every key that may still decrypt (the active one included). */
  keys: ReadonlyMap<string, Buffer>;
  /** Where the keys came from, for messages ("NHI_PAYLOAD_KEYS", "the development key", a secret's id). */
  source: string;
}

const text = (bytes: Uint8Array | null | undefined) =>
  bytes ? Buffer.from(bytes).toString('utf8') : undefined;

export const isEncrypted = (payload: Payload) => text(payload.metadata?.encoding) === ENCRYPTED_ENCODING;

/** The codec the worker, every client and `nhi codec-server` share. */
export class AesGcmPayloadCodec implements PayloadCodec {
  constructor(readonly keyRing: PayloadKeyRing) {
    if (!keyRing.keys.has(keyRing.activeKeyId)) {
      throw new Error(`payload key '${keyRing.activeKeyId}' is active but not among the keys`);
    }
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const keyId = this.keyRing.activeKeyId;
    const key = this.keyRing.keys.get(keyId)!;
    return payloads.map((payload) => {
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      // The key id is authenticated too: a payload relabelled with another id fails to decrypt.
      cipher.setAAD(Buffer.from(keyId));
      const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: {
          encoding: Buffer.from(ENCRYPTED_ENCODING),
          [KEY_ID_METADATA]: Buffer.from(keyId),
        },
        data: sealed,
      };
    });
  }

  /**
   * Never throws: a payload it cannot decrypt (no key for its id, altered, truncated) or one that is plaintext where
   * only ciphertext belongs becomes an `Undecodable` value (schemas/undecodable.ts) that the receiving handler
   * records and drops. Thrown, the error would fail every workflow task of the workflow that received it, forever.
   * The one plaintext let through is the SDK's own patch marker, with a patch id we use.
   */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (!isEncrypted(payload)) {
        return isKnownPatchMarker(payload)
          ? payload
          : refusedPayload('a plaintext payload where only encrypted ones are accepted');
      }
      const keyId = text(payload.metadata?.[KEY_ID_METADATA]);
      if (!keyId) return refusedPayload('an encrypted payload names no encryption key id');
      const key = this.keyRing.keys.get(keyId);
      if (!key) {
        return refusedPayload(
          `a payload encrypted with key '${keyId.slice(0, 64)}', which is not among the keys from ${this.keyRing.source} (${[...this.keyRing.keys.keys()].join(', ')})`,
        );
      }
      const sealed = Buffer.from(payload.data ?? new Uint8Array());
      if (sealed.length < IV_BYTES + TAG_BYTES)
        return refusedPayload(`an encrypted payload (key '${keyId}') is truncated`);
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(keyId));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([
          decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
          decipher.final(),
        ]);
      } catch {
        return refusedPayload(
          `an encrypted payload does not authenticate with key '${keyId}' (wrong key or altered data)`,
        );
      }
      try {
        return temporal.api.common.v1.Payload.decode(plain);
      } catch {
        return refusedPayload(`an encrypted payload (key '${keyId}') does not hold a payload`);
      }
    });
  }
}

/** The undecodable value as a JSON payload: the data converter hands the handler `{ nhiUndecodablePayload }`. */
function refusedPayload(reason: string): Payload {
  return {
    metadata: { encoding: Buffer.from('json/plain') },
    data: Buffer.from(JSON.stringify(undecodable(reason))),
  };
}

/** The SDK's patch marker: `{"id":"…","deprecated":…}` in plaintext JSON, with a patch id our workflows use. */
export function isKnownPatchMarker(payload: Payload): boolean {
  if (text(payload.metadata?.encoding) !== 'json/plain') return false;
  try {
    const marker = JSON.parse(text(payload.data) ?? '') as Record<string, unknown>;
    const keys = Object.keys(marker).sort().join(',');
    return (
      (keys === 'deprecated,id' || keys === 'id') &&
      typeof marker.id === 'string' &&
      KNOWN_PATCH_IDS.has(marker.id)
    );
  } catch {
    return false;
  }
}

type PayloadLike = { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null };

function isPayloadLike(value: object): value is PayloadLike {
  const metadata = (value as PayloadLike).metadata;
  return (
    typeof metadata === 'object' &&
    metadata !== null &&
    metadata.encoding instanceof Uint8Array &&
    (value as PayloadLike).data instanceof Uint8Array
  );
}

/**
 * Decrypts, in place, every encrypted payload found anywhere inside `value` — a whole history from
 * getWorkflowExecutionHistory or fetchHistory(), one event, a describe() response — so it can be exported or
 * searched as if the codec had never been there. Returns how many payloads it decrypted. The evidence export
 * uses this before writing a history; `payloadCodec()` in runtime/connections.ts gives the process's codec.
 */
export async function decryptPayloadsInPlace(value: unknown, codec: PayloadCodec): Promise<number> {
  const found: PayloadLike[] = [];
  const walk = (node: unknown, depth: number) => {
    if (depth > 60 || node === null || typeof node !== 'object' || node instanceof Uint8Array) return;
    if (isPayloadLike(node)) {
      if (isEncrypted(node as Payload)) found.push(node);
      return;
    }
    for (const inner of Object.values(node)) walk(inner, depth + 1);
  };
  walk(value, 0);
  if (found.length === 0) return 0;
  const decoded = await codec.decode(found as Payload[]);
  found.forEach((target, i) => {
    target.metadata = decoded[i]!.metadata ?? {};
    target.data = decoded[i]!.data ?? new Uint8Array();
  });
  return found.length;
}

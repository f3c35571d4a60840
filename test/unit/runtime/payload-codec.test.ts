import { randomBytes } from 'node:crypto';
import { DefaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  AesGcmPayloadCodec,
  decryptPayloadsInPlace,
  ENCRYPTED_ENCODING,
  isKnownPatchMarker,
  KEY_ID_METADATA,
} from '../../../runtime/payload-codec.ts';
import {
  DEVELOPMENT_KEY_ID,
  developmentKeyRing,
  parseKeyRing,
  payloadKeyRing,
} from '../../../runtime/payload-keys.ts';
import { KNOWN_PATCH_IDS, SERVICE_SEALS_PATCH } from '../../../schemas/patch-ids.ts';
import { isUndecodable, undecodableReason } from '../../../schemas/undecodable.ts';
import { LOCAL_STACK_ENDPOINTS } from '../../support/endpoints.ts';

const converter = new DefaultPayloadConverter();
const b64 = () => randomBytes(32).toString('base64');
const text = (bytes?: Uint8Array | null) => Buffer.from(bytes ?? []).toString('utf8');

const local = LOCAL_STACK_ENDPOINTS;
const noSecrets = { readSecret: async () => Promise.reject(new Error('not expected')) };

describe('AesGcmPayloadCodec', () => {
  const finding = { title: 'AWS key leaked in deploy/ci.env', reason: 'owner asked' };

  it('turns a payload into ciphertext naming its key id, and back', async () => {
    const codec = new AesGcmPayloadCodec(parseKeyRing(`k1:${b64()}`, undefined, 'test'));
    const [sealed] = await codec.encode([converter.toPayload(finding)]);
    expect(text(sealed!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(sealed!.metadata![KEY_ID_METADATA])).toBe('k1');
    expect(text(sealed!.data)).not.toContain('leaked');
    const [plain] = await codec.decode([sealed!]);
    expect(converter.fromPayload(plain!)).toEqual(finding);
  });

  it('rotates by key id: payloads from the old key still decrypt, new ones use the new key', async () => {
    const old = `old:${b64()}`;
    const before = new AesGcmPayloadCodec(parseKeyRing(old, undefined, 'test'));
    const [fromOld] = await before.encode([converter.toPayload(finding)]);
    const after = new AesGcmPayloadCodec(parseKeyRing(`${old},new:${b64()}`, 'new', 'test'));
    const [fromNew] = await after.encode([converter.toPayload(finding)]);
    expect(text(fromNew!.metadata![KEY_ID_METADATA])).toBe('new');
    const decoded = await after.decode([fromOld!, fromNew!]);
    expect(decoded.map((p) => converter.fromPayload(p))).toEqual([finding, finding]);
  });

  // Never thrown: a thrown decode fails every workflow task of the workflow that received the payload, forever.
  it('hands on an unknown key id, another key under the same id and altered ciphertext as undecodable values', async () => {
    const codec = new AesGcmPayloadCodec(parseKeyRing(`k1:${b64()}`, undefined, 'test'));
    const [sealed] = await codec.encode([converter.toPayload(finding)]);
    const reasonOf = async (c: AesGcmPayloadCodec, p: Payload) => {
      const [out] = await c.decode([p]);
      const value = converter.fromPayload(out!);
      expect(isUndecodable(value)).toBe(true);
      return undecodableReason(value)!;
    };
    const other = new AesGcmPayloadCodec(parseKeyRing(`k2:${b64()}`, undefined, 'test'));
    expect(await reasonOf(other, sealed!)).toMatch(/key 'k1', which is not among the keys from test \(k2\)/);
    const sameIdOtherKey = new AesGcmPayloadCodec(parseKeyRing(`k1:${b64()}`, undefined, 'test'));
    expect(await reasonOf(sameIdOtherKey, sealed!)).toMatch(/does not authenticate with key 'k1'/);
    const altered = { ...sealed!, data: Buffer.from(sealed!.data!).fill(7, 20, 21) };
    expect(await reasonOf(codec, altered)).toMatch(/does not authenticate/);
    const truncated = { ...sealed!, data: Buffer.from(sealed!.data!).subarray(0, 10) };
    expect(await reasonOf(codec, truncated)).toMatch(/truncated/);
    const noKeyId = { metadata: { encoding: sealed!.metadata!.encoding! }, data: sealed!.data! };
    expect(await reasonOf(codec, noKeyId)).toMatch(/names no encryption key id/);
  });

  it('refuses plaintext payloads, except the SDK patch markers of patch ids the workflows use', async () => {
    const codec = new AesGcmPayloadCodec(developmentKeyRing());
    const [refused] = await codec.decode([converter.toPayload(finding)]);
    expect(undecodableReason(converter.fromPayload(refused!))).toMatch(/plaintext payload/);
    const marker = converter.toPayload({ id: SERVICE_SEALS_PATCH, deprecated: false });
    expect(await codec.decode([marker])).toEqual([marker]);
    for (const patchId of KNOWN_PATCH_IDS)
      expect(isKnownPatchMarker(converter.toPayload({ id: patchId, deprecated: false }))).toBe(true);
    expect(isKnownPatchMarker(converter.toPayload({ id: 'not-ours', deprecated: false }))).toBe(false);
    expect(
      isKnownPatchMarker(converter.toPayload({ id: SERVICE_SEALS_PATCH, deprecated: false, x: 1 })),
    ).toBe(false);
  });

  it('decrypts every payload inside a history-shaped object in place', async () => {
    const codec = new AesGcmPayloadCodec(developmentKeyRing());
    const [a, b] = await codec.encode([converter.toPayload(finding), converter.toPayload('second')]);
    const history = {
      events: [
        { workflowExecutionStartedEventAttributes: { input: { payloads: [a] } } },
        { workflowExecutionSignaledEventAttributes: { input: { payloads: [b] }, header: { fields: {} } } },
      ],
    };
    expect(await decryptPayloadsInPlace(history, codec)).toBe(2);
    expect(JSON.stringify(history)).not.toContain(ENCRYPTED_ENCODING);
    expect(
      converter.fromPayload(history.events[0]!.workflowExecutionStartedEventAttributes!.input.payloads[0]!),
    ).toEqual(finding);
    expect(await decryptPayloadsInPlace(history, codec)).toBe(0);
  });
});

describe('payload keys', () => {
  it('parses ID:BASE64 lists and names what is wrong in one line', () => {
    expect(parseKeyRing(`a:${b64()}`, undefined, 'NHI_PAYLOAD_KEYS').activeKeyId).toBe('a');
    expect(() => parseKeyRing(`a:${b64()},b:${b64()}`, undefined, 'NHI_PAYLOAD_KEYS')).toThrow(
      /lists 2 keys: set NHI_PAYLOAD_KEY_ID/,
    );
    expect(() => parseKeyRing(`a:${b64()}`, 'z', 'NHI_PAYLOAD_KEYS')).toThrow(
      /NHI_PAYLOAD_KEY_ID=z is not among/,
    );
    expect(() => parseKeyRing('a:c2hvcnQ=', undefined, 'NHI_PAYLOAD_KEYS')).toThrow(
      /is 5 bytes, AES-256 needs 32/,
    );
    expect(() => parseKeyRing(`a:${b64()},a:${b64()}`, 'a', 'NHI_PAYLOAD_KEYS')).toThrow(/listed twice/);
    expect(() => parseKeyRing(b64(), undefined, 'NHI_PAYLOAD_KEYS')).toThrow(/each key is ID:BASE64/);
  });

  it('uses the development key only when every endpoint is local', async () => {
    expect((await payloadKeyRing({}, local, noSecrets)).activeKeyId).toBe(DEVELOPMENT_KEY_ID);
    await expect(
      payloadKeyRing({}, { ...local, temporalAddress: 'prod.tmprl.cloud:7233' }, noSecrets),
    ).rejects.toThrow(
      /^no payload encryption key for Temporal at prod.tmprl.cloud:7233: set NHI_PAYLOAD_KEYS/,
    );
    await expect(payloadKeyRing({}, { ...local, awsEndpoint: undefined }, noSecrets)).rejects.toThrow(
      /for real AWS/,
    );
    await expect(
      payloadKeyRing({}, { ...local, kafkaBrokers: ['127.0.0.1:1', 'kafka.internal:9093'] }, noSecrets),
    ).rejects.toThrow(/for Kafka at kafka.internal:9093/);
  });

  it('refuses the development key named explicitly against a remote endpoint', async () => {
    const devKey = developmentKeyRing().keys.get(DEVELOPMENT_KEY_ID)!.toString('base64');
    const env = { NHI_PAYLOAD_KEYS: `mine:${devKey}` };
    expect((await payloadKeyRing(env, local, noSecrets)).activeKeyId).toBe('mine');
    await expect(
      payloadKeyRing(env, { ...local, temporalAddress: '10.0.0.5:7233' }, noSecrets),
    ).rejects.toThrow(/key 'mine' is the public development key, refused for Temporal at 10.0.0.5:7233/);
  });

  it('reads the same listing from a Secrets Manager secret, and says when it cannot', async () => {
    const listing = `s1:${b64()}`;
    const ring = await payloadKeyRing({ NHI_PAYLOAD_KEYS_SECRET: 'nhi/payload-keys' }, local, {
      readSecret: async (id) => (id === 'nhi/payload-keys' ? listing : ''),
    });
    expect(ring.activeKeyId).toBe('s1');
    expect(ring.source).toBe('secret nhi/payload-keys');
    await expect(
      payloadKeyRing({ NHI_PAYLOAD_KEYS_SECRET: 'gone' }, local, {
        readSecret: async () => Promise.reject(new Error('ResourceNotFoundException: no such secret')),
      }),
    ).rejects.toThrow(/^NHI_PAYLOAD_KEYS_SECRET=gone: cannot read the secret \(ResourceNotFoundException/);
    await expect(
      payloadKeyRing({ NHI_PAYLOAD_KEYS_SECRET: 'x', NHI_PAYLOAD_KEYS: listing }, local, noSecrets),
    ).rejects.toThrow(/not both/);
  });
});

// Payload encryption, end to end against the real Temporal: a finding runs through consumer and worker with keys
// from NHI_PAYLOAD_KEYS; the history read raw (no codec) holds only ciphertext, while our client, `nhi identity`
// and the Temporal CLI through `nhi codec-server` read it normally.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { CreateAccessKeyCommand, CreateUserCommand } from '@aws-sdk/client-iam';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsClients } from '../../activities/aws/clients.ts';
import { fetchHistory } from '../../evidence/fetch-history.ts';
import { endpoints } from '../../infra/endpoints.ts';
import { temporalCliPath } from '../../infra/install/paths.ts';
import { serveCodec } from '../../runtime/codec-server.ts';
import { payloadCodec, temporalClient } from '../../runtime/connections.ts';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../runtime/payload-codec.ts';
import { payloadKeyRing } from '../../runtime/payload-keys.ts';
import { type RunningPipeline, startPipeline } from '../../runtime/pipeline.ts';
import { KNOWN_PATCH_IDS } from '../../schemas/patch-ids.ts';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';

import { historyText } from '../support/history.ts';
import { collect, createTestTopics, deleteTestTopics } from '../support/kafka.ts';
import { publishLeak } from '../support/trufflehog-leak.ts';

// Set before anything builds the process's codec: this file's keys, not the development key.
const keyId = `it-${randomUUID().slice(0, 6)}`;
process.env.NHI_PAYLOAD_KEYS = `${keyId}:${randomBytes(32).toString('base64')}`;
delete process.env.NHI_PAYLOAD_KEY_ID;
delete process.env.NHI_PAYLOAD_KEYS_SECRET;

const run = promisify(execFile);
const marker = `payments-${randomUUID().slice(0, 8)}`;
let topics: Record<string, string>;
let pipeline: RunningPipeline;
let client: Client;
let userArn: string;
const taskQueue = `encryption-${randomUUID().slice(0, 8)}`;

type RawPayload = { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null };
/** Every payload in a raw history, with the field path it sits under. */
function payloadsIn(value: unknown, path = '', out: Array<{ path: string; payload: RawPayload }> = []) {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return out;
  const p = value as RawPayload;
  if (p.metadata && typeof p.metadata === 'object' && p.metadata.encoding instanceof Uint8Array) {
    out.push({ path, payload: p });
    return out;
  }
  for (const [k, inner] of Object.entries(value)) payloadsIn(inner, `${path}.${k}`, out);
  return out;
}
/** Patch ids the workflows use: the only text the SDK's patch markers carry. */
/** The patch ids our workflows use (the codec lets only these through in plaintext markers). */
const PATCHES: unknown[] = [...KNOWN_PATCH_IDS];
const utf8 = (b?: Uint8Array | null) => Buffer.from(b ?? []).toString('utf8');

beforeAll(async () => {
  topics = await createTestTopics('encryption', ['scanner', 'dlq', 'events']);
  pipeline = await startPipeline({
    taskQueue,
    topics: [topics.scanner!],
    dlqTopic: topics.dlq,
    eventsTopic: topics.events,
    groupId: taskQueue,
  });
  client = await temporalClient();

  const { iam } = awsClients();
  const userName = `enc-${randomUUID().slice(0, 8)}`;
  const user = await iam.send(new CreateUserCommand({ UserName: userName }));
  const key = (await iam.send(new CreateAccessKeyCommand({ UserName: userName }))).AccessKey!;
  userArn = user.User!.Arn!;
  await publishLeak(topics.scanner!, userArn, key, {
    file: `deploy/${marker}.env`,
    repository: `https://github.com/example/${marker}`,
  });
  await collect(topics.events!, (ms) => ms.some((m) => m.key?.toString() === userArn));
});

afterAll(async () => {
  await client?.workflow
    .getHandle(identityWorkflowId(userArn))
    .terminate('test over')
    .catch(() => {});
  await client?.connection.close();
  await pipeline?.stop();
  if (topics) await deleteTestTopics(topics);
});

describe('payload encryption', () => {
  it('leaves only ciphertext in the history Temporal stores', async () => {
    // The raw history, as anyone with access to Temporal (or its database) would read it: no codec.
    const raw = await fetchHistory(client, identityWorkflowId(userArn));
    const found = payloadsIn(raw);
    const encrypted = found.filter(({ payload }) => utf8(payload.metadata!.encoding) === ENCRYPTED_ENCODING);
    // Started input, the findings signal, activity inputs and results, the memo: all of them ciphertext…
    expect(encrypted.length).toBeGreaterThan(4);
    for (const { payload } of encrypted) expect(utf8(payload.metadata![KEY_ID_METADATA])).toBe(keyId);
    // …except search attributes, which the server must index (a score and a type, no text of the finding), and
    // what the SDK writes for a patch without the codec: its marker and the TemporalChangeVersion search attribute,
    // which name only the patch.
    const plain = found.filter((f) => !encrypted.includes(f));
    for (const { path, payload } of plain) {
      if (/markerRecordedEventAttributes\.details\.patch-data\.payloads\.\d+$/.test(path)) {
        const marker = JSON.parse(utf8(payload.data)) as Record<string, unknown>;
        expect(Object.keys(marker).sort()).toEqual(['deprecated', 'id']);
        expect(PATCHES).toContain(marker.id);
        continue;
      }
      // A local activity's marker: the SDK's core writes its bookkeeping (sequence, attempt, activity id and type,
      // times) in plaintext; the result itself is ciphertext. Our local activities only seal and verify messages.
      if (/markerRecordedEventAttributes\.details\.data\.payloads\.\d+$/.test(path)) {
        const meta = JSON.parse(utf8(payload.data)) as Record<string, unknown>;
        expect(['servicePublicKeys', 'sealServiceMessage']).toContain(meta.activity_type);
        continue;
      }
      if (path.endsWith('searchAttributes.indexedFields.TemporalChangeVersion')) {
        for (const id of JSON.parse(utf8(payload.data)) as unknown[]) expect(PATCHES).toContain(id);
        continue;
      }
      expect(path).toMatch(/searchAttributes\.indexedFields\.(NhiRiskScore|NhiIdentityType)$/);
    }
    const rawText = found.map(({ payload }) => utf8(payload.data)).join('\n');
    expect(rawText).not.toContain(marker); // finding title, location, risk reasons
    expect(rawText).not.toContain('credential exposed');
    expect(rawText).not.toContain('exposed-secret');
  });

  it('reads normally through the codec: our client, the decrypted history and `nhi identity`', async () => {
    const record = await client.workflow.getHandle(identityWorkflowId(userArn)).query(identityQuery);
    expect(record.findings[0]!.title).toContain(`deploy/${marker}.env`);
    expect(await historyText(client, identityWorkflowId(userArn))).toContain(marker);

    const { stdout } = await run('node', ['bin/nhi.js', 'identity', userArn], { env: process.env });
    expect(stdout).toContain(`credential exposed in deploy/${marker}.env`);
  });

  it('serves the codec to the Temporal CLI (`nhi codec-server` protocol), which then shows the plaintext', async () => {
    const token = randomUUID();
    const server = await serveCodec({ codec: await payloadCodec(), token, port: 0, origins: [] });
    try {
      const show = (...extra: string[]) =>
        run(temporalCliPath(), [
          'workflow',
          'show',
          '--address',
          endpoints().temporalAddress,
          '--namespace',
          endpoints().temporalNamespace,
          '-w',
          identityWorkflowId(userArn),
          '-o',
          'json',
          ...extra,
        ]).then((r) => r.stdout);
      // The CLI prints each payload's metadata and data base64-encoded (proto JSON): decode them to search.
      const payloadText = (json: string) => {
        const out: string[] = [];
        JSON.stringify(JSON.parse(json), (_k, v) => {
          if (v && typeof v === 'object' && typeof v.data === 'string' && v.metadata?.encoding) {
            out.push(
              Buffer.from(v.metadata.encoding, 'base64').toString(),
              Buffer.from(v.data, 'base64').toString(),
            );
          }
          return v;
        });
        return out.join('\n');
      };
      const without = payloadText(await show());
      expect(without).toContain(ENCRYPTED_ENCODING);
      expect(without).not.toContain(marker);
      const decoded = payloadText(
        await show('--codec-endpoint', server.url, '--codec-auth', `Bearer ${token}`),
      );
      expect(decoded).toContain(`deploy/${marker}.env`);
      expect(decoded).not.toContain(ENCRYPTED_ENCODING);
      // A wrong token gets nothing decoded.
      const refused = await show('--codec-endpoint', server.url, '--codec-auth', 'Bearer wrong').then(
        payloadText,
        (error: { stderr?: string; message: string }) => error.stderr ?? error.message,
      );
      expect(refused).not.toContain(marker);
    } finally {
      await server.close();
    }
  });

  it('takes its keys from a Secrets Manager secret, rotation included', async () => {
    const name = `nhi/payload-keys-${randomUUID().slice(0, 8)}`;
    const oldKey = randomBytes(32).toString('base64');
    const newKey = randomBytes(32).toString('base64');
    const { secretsManager } = awsClients();
    await secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: `old:${oldKey}` }));
    const before = new AesGcmPayloadCodec(await payloadKeyRing({ NHI_PAYLOAD_KEYS_SECRET: name }));
    const [sealed] = await before.encode([
      { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('"x"') },
    ]);

    // Rotated: a second secret lists both keys, the new one active; the old payload still decrypts.
    const rotated = `${name}-rotated`;
    await secretsManager.send(
      new CreateSecretCommand({ Name: rotated, SecretString: `old:${oldKey},new:${newKey}` }),
    );
    const ring = await payloadKeyRing({ NHI_PAYLOAD_KEYS_SECRET: rotated, NHI_PAYLOAD_KEY_ID: 'new' });
    expect(ring).toMatchObject({ activeKeyId: 'new', source: `secret ${rotated}` });
    const [plain] = await new AesGcmPayloadCodec(ring).decode([sealed!]);
    expect(Buffer.from(plain!.data!).toString()).toBe('"x"');

    await expect(payloadKeyRing({ NHI_PAYLOAD_KEYS_SECRET: `${name}-missing` })).rejects.toThrow(
      new RegExp(`^NHI_PAYLOAD_KEYS_SECRET=${name}-missing: cannot read the secret \\(`),
    );
  });
});

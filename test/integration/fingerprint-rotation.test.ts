// Rotating the fingerprint key through Kafka and Temporal: a secret reported under the old key, then again during
// the rotation window (NHI_FINGERPRINT_KEY new, NHI_FINGERPRINT_KEY_PREVIOUS old), lands on the same identity; no
// identity is started under its new key. A secret first seen in the window starts under the new key.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprint } from '../../schemas/redaction.ts';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { produce } from '../support/kafka.ts';
import { pipelineOnTestTopics, type TestPipeline } from '../support/pipeline.ts';
import { waitFor } from './identity-support.ts';

const prefix = `rot-${randomUUID().slice(0, 8)}`;
const OLD = `old-${randomBytes(16).toString('hex')}`;
const NEW = `new-${randomBytes(16).toString('hex')}`;
const saved = { key: process.env.NHI_FINGERPRINT_KEY, previous: process.env.NHI_FINGERPRINT_KEY_PREVIOUS };
let topics: Record<string, string>;
let test: TestPipeline;
let client: Client;

const token = () => `ghp_${randomBytes(18).toString('hex')}`;
const gitleaks = (secret: string, commit: string) =>
  JSON.stringify([
    {
      RuleID: 'github-pat',
      Description: 'GitHub Personal Access Token',
      File: `${prefix}/config.ts`,
      StartLine: 3,
      Secret: secret,
      Match: `token = "${secret}"`,
      Commit: commit,
      Date: new Date().toISOString(),
    },
  ]);
const keyOf = (secret: string, key: string) => `secret:github:${fingerprint(secret, key).slice(0, 16)}`;
const setKeys = (key: string, previous?: string) => {
  process.env.NHI_FINGERPRINT_KEY = key;
  if (previous) process.env.NHI_FINGERPRINT_KEY_PREVIOUS = previous;
  else delete process.env.NHI_FINGERPRINT_KEY_PREVIOUS;
};

beforeAll(async () => {
  setKeys(OLD);
  test = await pipelineOnTestTopics('rot', 'scanner', {
    taskQueue: `${prefix}-q`,
    groupId: `${prefix}-group`,
  });
  ({ topics, client } = test);
});

afterAll(async () => {
  await test?.stop();
  if (saved.key === undefined) delete process.env.NHI_FINGERPRINT_KEY;
  else process.env.NHI_FINGERPRINT_KEY = saved.key;
  if (saved.previous === undefined) delete process.env.NHI_FINGERPRINT_KEY_PREVIOUS;
  else process.env.NHI_FINGERPRINT_KEY_PREVIOUS = saved.previous;
});

const query = (key: string) => client.workflow.getHandle(identityWorkflowId(key)).query(identityQuery);
const send = (secret: string, commit: string) =>
  produce(topics.scanner!, [{ value: gitleaks(secret, commit), headers: { format: 'gitleaks' } }]);

describe('fingerprint key rotation', () => {
  it('a secret seen before and during the window stays on one identity', async () => {
    const known = token();
    await send(known, 'a'.repeat(40));
    await waitFor(
      'the identity under the old key',
      async () => (await query(keyOf(known, OLD)).catch(() => undefined)) ?? undefined,
      240_000,
    );

    setKeys(NEW, OLD);
    await send(known, 'b'.repeat(40));
    const fresh = token();
    await send(fresh, 'c'.repeat(40));

    const record = await waitFor(
      'the second report on the old identity',
      async () => {
        const r = await query(keyOf(known, OLD)).catch(() => undefined);
        return r && r.findingsTotal === 2 ? r : undefined;
      },
      240_000,
    );
    expect(record.identity.key).toBe(keyOf(known, OLD));
    expect(record.identity.aliases).toContain(keyOf(known, NEW));
    // A secret first seen in the window is keyed under the new key.
    await waitFor(
      'the fresh secret under the new key',
      async () => (await query(keyOf(fresh, NEW)).catch(() => undefined)) ?? undefined,
      240_000,
    );
    // No identity was started for the known secret under its new key.
    await expect(client.workflow.getHandle(identityWorkflowId(keyOf(known, NEW))).describe()).rejects.toThrow(
      /not found/i,
    );
  });
});

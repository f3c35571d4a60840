// The default policy's maxFindingAgeForAction (30d) through Kafka: a finding whose report reached Kafka long ago
// — what a new consumer group reading a topic from its beginning sees — is recorded and assessed, but no rule
// fires, and the record says why. A secret scanner's report of an old commit, published now, is news: it acts.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { produce } from '../support/kafka.ts';
import { pipelineOnTestTopics, type TestPipeline } from '../support/pipeline.ts';
import { trufflehogLeak } from '../support/trufflehog-leak.ts';
import { seedAdminUser, waitFor } from './identity-support.ts';

const prefix = `age-${randomUUID().slice(0, 8)}`;
let topics: Record<string, string>;
let test: TestPipeline;
let client: Client;
const DAY = 86_400_000;

beforeAll(async () => {
  test = await pipelineOnTestTopics('age', 'scanner', {
    taskQueue: `${prefix}-q`,
    groupId: `${prefix}-group`,
  });
  ({ topics, client } = test);
});

afterAll(async () => {
  await test?.stop();
});

describe('maxFindingAgeForAction in the default policy', () => {
  it('an old report is recorded but never acts; an old commit reported now acts', async () => {
    const stale = await seedAdminUser(`${prefix}-stale`);
    const fresh = await seedAdminUser(`${prefix}-fresh`);
    const keyOf = (s: typeof stale) => s.key.name!;
    // The value only feeds the fingerprint; the key id (Redacted) names the identity.
    const secret = () => randomBytes(30).toString('base64');
    const now = Date.now();
    await produce(topics.scanner!, [
      {
        key: stale.user.key,
        value: JSON.stringify(
          trufflehogLeak(
            stale.user.key,
            { SecretAccessKey: secret(), AccessKeyId: keyOf(stale) },
            { committed: new Date(now - 61 * DAY) },
          ),
        ),
        headers: { format: 'trufflehog' },
        timestamp: String(now - 60 * DAY),
      },
      {
        key: fresh.user.key,
        value: JSON.stringify(
          trufflehogLeak(
            fresh.user.key,
            { SecretAccessKey: secret(), AccessKeyId: keyOf(fresh) },
            { committed: new Date(now - 700 * DAY) },
          ),
        ),
        headers: { format: 'trufflehog' },
      },
    ]);
    const query = (key: string) => client.workflow.getHandle(identityWorkflowId(key)).query(identityQuery);

    const acted = await waitFor(
      'the fresh report to start deactivate-key',
      async () => {
        const r = await query(fresh.key.key).catch(() => undefined);
        return r?.remediations.some((x) => x.action === 'deactivate-key') ? r : undefined;
      },
      240_000,
    );
    expect(acted.findings[0]!.time < new Date(now - 600 * DAY).toISOString()).toBe(true);

    const held = await waitFor(
      'the stale report to be assessed',
      async () => {
        const r = await query(stale.key.key).catch(() => undefined);
        return r?.assessment && r.skipped?.length ? r : undefined;
      },
      240_000,
    );
    expect(held.findings).toHaveLength(1);
    expect(held.findings[0]!.reportedAt! < new Date(now - 59 * DAY).toISOString()).toBe(true);
    expect(held.remediations).toEqual([]);
    expect(held.skipped!.map((s) => s.reason)).toContainEqual(
      expect.stringMatching(/older than maxFindingAgeForAction \(30d\)/),
    );
  });
});

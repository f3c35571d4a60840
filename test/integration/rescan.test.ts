// A complete rescan closes what it no longer reports, only where the caller says so: gitleaks reports two secrets
// in a scope (Kafka header nhi-rescan-scope), then `nhi ingest --rescan SCOPE` publishes a result that names only
// one. The other secret's open finding is closed as resolved, with the reason; the one still reported stays open;
// a secret reported without the header is never closed by a rescan.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { fingerprint, fingerprintKeyFromEnv } from '../../schemas/redaction.ts';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import { rescanStateQuery, rescanWorkflowId } from '../../workflows/rescan/definitions.ts';
import { produce } from '../support/kafka.ts';
import { pipelineOnTestTopics, type TestPipeline } from '../support/pipeline.ts';
import { waitFor } from './identity-support.ts';

const prefix = `rescan-${randomUUID().slice(0, 8)}`;
const SCOPE = `github.com/example/${prefix}`;
const taskQueue = `${prefix}-q`;
let topics: Record<string, string>;
let test: TestPipeline;
let client: Client;

const token = () => `ghp_${randomBytes(18).toString('hex')}`;
const leak = (secret: string, file: string) => ({
  RuleID: 'github-pat',
  Description: 'GitHub Personal Access Token',
  File: file,
  StartLine: 3,
  Secret: secret,
  Match: `token = "${secret}"`,
  Commit: 'a'.repeat(40),
  Date: '2024-01-02T03:04:05Z',
});
const keyOf = (secret: string) =>
  `secret:github:${fingerprint(secret, fingerprintKeyFromEnv()).slice(0, 16)}`;
const query = (key: string) => client.workflow.getHandle(identityWorkflowId(key)).query(identityQuery);

beforeAll(async () => {
  test = await pipelineOnTestTopics('rescan', 'scanner', { taskQueue, groupId: taskQueue });
  ({ topics, client } = test);
});

afterAll(async () => {
  await test?.stop(async (client) => {
    await client.workflow
      .getHandle(rescanWorkflowId('gitleaks', SCOPE))
      .terminate('test over')
      .catch(() => {});
  });
});

describe('rescans', () => {
  it('a complete rescan closes the secret it no longer reports, and only that one', async () => {
    const kept = token();
    const removed = token();
    const unscoped = token();
    await produce(topics.scanner!, [
      {
        value: JSON.stringify([leak(kept, 'src/a.ts'), leak(removed, 'src/b.ts')]),
        headers: { format: 'gitleaks', 'nhi-rescan-scope': SCOPE },
      },
      // Reported without a scope: no rescan speaks for it.
      { value: JSON.stringify([leak(unscoped, 'src/c.ts')]), headers: { format: 'gitleaks' } },
    ]);
    for (const secret of [kept, removed, unscoped])
      await waitFor(
        'the first report',
        async () => (await query(keyOf(secret)).catch(() => undefined))?.findings[0],
        240_000,
      );
    await waitFor(
      'the scope to know both secrets',
      async () => {
        const s = await client.workflow
          .getHandle(rescanWorkflowId('gitleaks', SCOPE))
          .query(rescanStateQuery);
        return Object.keys(s.open).length === 2 ? s : undefined;
      },
      240_000,
    );

    // The next complete result names only one of them, published by `nhi ingest --rescan`.
    const file = join(mkdtempSync(join(tmpdir(), 'nhi-rescan-')), 'gitleaks.json');
    writeFileSync(file, JSON.stringify([leak(kept, 'src/a.ts')]));
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      ['ingest', '--rescan', SCOPE, '--format', 'gitleaks', '--topic', topics.scanner!, file, '--json'],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(JSON.parse(out[0]!)).toMatchObject({ messages: 1, rescan: { scope: SCOPE, format: 'gitleaks' } });

    const closed = await waitFor(
      'the removed secret to close',
      async () => {
        const r = await query(keyOf(removed));
        return r.findings.some((f) => f.status === 'resolved') ? r : undefined;
      },
      240_000,
    );
    expect(closed.findings[0]).toMatchObject({
      status: 'resolved',
      statusReason: `no longer reported by a complete gitleaks rescan of ${SCOPE}`,
    });
    expect(closed.findings.filter((f) => f.status === 'open')).toEqual([]);
    expect((await query(keyOf(kept))).findings.map((f) => f.status)).toEqual(['open']);
    expect((await query(keyOf(unscoped))).findings.map((f) => f.status)).toEqual(['open']);
  });

  it('--rescan needs --format and one file: exit 2 with one line', async () => {
    const err: string[] = [];
    const code = await main(['ingest', '--rescan', SCOPE, 'x.json'], {
      out: () => {},
      err: (l) => err.push(l),
    });
    expect(code).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/--rescan needs --format/);
  });
});

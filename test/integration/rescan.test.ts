// A complete rescan closes what it no longer reports, only where the caller says so: gitleaks reports two secrets
// in a scope (Kafka header nhi-rescan-scope), then `nhi ingest --rescan SCOPE` publishes a result that names only
// one. The other secret's open finding is closed as resolved, with the reason; the one still reported stays open;
// a secret reported without the header is never closed by a rescan. Only scopes the policy declares, on the topic
// it names, may close; the scope (a clone URL with a token in it) never reaches a workflow id or search attribute.
// The attack: a forged empty result dated 55 minutes ahead, on an undeclared topic, and as a bare Temporal signal,
// closes nothing and is recorded; the genuine rescan after it is honoured.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { fingerprint, fingerprintKeyFromEnv } from '../../schemas/redaction.ts';
import { REFUSED_MEMO_KEY, type RefusedMessage } from '../../schemas/refused-message.ts';
import { rescanWorkflowId } from '../../schemas/rescan-scope.ts';
import { identityQuery, identityWorkflowId } from '../../workflows/identity/definitions.ts';
import {
  RESCAN_CLOSURES_MEMO_KEY,
  RESCAN_SCOPE_MEMO_KEY,
  rescanReportSignal,
  rescanStateQuery,
} from '../../workflows/rescan/definitions.ts';
import { produce } from '../support/kafka.ts';
import { pipelineOnTestTopics, type TestPipeline } from '../support/pipeline.ts';
import { waitFor } from './identity-support.ts';

const prefix = `rescan-${randomUUID().slice(0, 8)}`;
const ghs = () => `ghs_${randomBytes(18).toString('hex')}`;
const repoUrl = (repo: string, token = ghs()) => `https://x-access-token:${token}@github.com/example/${repo}`;
const SCOPE = repoUrl(prefix);
const READABLE = `https://github.com/example/${prefix}`;
const taskQueue = `${prefix}-q`;
const policyFile = join(mkdtempSync(join(tmpdir(), 'nhi-rescan-policy-')), 'policy.yaml');
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
  writeFileSync(policyFile, 'version: 1\nrules: []\n');
  test = await pipelineOnTestTopics('rescan', ['scanner', 'siem'], {
    taskQueue,
    groupId: taskQueue,
    policyFile,
  });
  ({ topics, client } = test);
  // Rescans of this test's repositories may close findings when they arrive on the scanner topic, not elsewhere.
  writeFileSync(
    policyFile,
    `version: 1\nrules: []\nrescans:\n  - { scope: "https://github.com/example/${prefix}*", topic: "${topics.scanner}", format: gitleaks }\n`,
  );
});

afterAll(async () => {
  await test?.stop(async (client) => {
    await client.workflow
      .getHandle(rescanWorkflowId('gitleaks', SCOPE))
      .terminate('test over')
      .catch(() => {});
    await client.workflow
      .getHandle(rescanWorkflowId('gitleaks', repoUrl(`${prefix}-attack`)))
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

    // The next complete result names only one of them, published by `nhi ingest --rescan`, from the next CI run
    // (its clone URL carries a new token: the same scope).
    const next = repoUrl(prefix);
    const file = join(mkdtempSync(join(tmpdir(), 'nhi-rescan-')), 'gitleaks.json');
    writeFileSync(file, JSON.stringify([leak(kept, 'src/a.ts')]));
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(
      ['ingest', '--rescan', next, '--format', 'gitleaks', '--topic', topics.scanner!, file, '--json'],
      { out: (l) => out.push(l), err: (l) => err.push(l) },
    );
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(JSON.parse(out[0]!)).toMatchObject({ messages: 1, rescan: { scope: next, format: 'gitleaks' } });

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
      statusReason: `no longer reported by a complete gitleaks rescan of ${READABLE}`,
    });
    expect(closed.findings.filter((f) => f.status === 'open')).toEqual([]);
    expect((await query(keyOf(kept))).findings.map((f) => f.status)).toEqual(['open']);
    expect((await query(keyOf(unscoped))).findings.map((f) => f.status)).toEqual(['open']);

    // The closure is recorded in the scope workflow's memo; the token is in no workflow id, search attribute or memo.
    const scopeWf = client.workflow.getHandle(rescanWorkflowId('gitleaks', SCOPE));
    const described = await scopeWf.describe();
    expect(described.memo?.[RESCAN_CLOSURES_MEMO_KEY]).toEqual([
      expect.objectContaining({ scope: READABLE, identity: keyOf(removed), checkKey: expect.any(String) }),
    ]);
    expect(described.memo?.[RESCAN_SCOPE_MEMO_KEY]).toBe(READABLE);
    const tokens = [SCOPE, next].map((u) => /ghs_[0-9a-f]+/.exec(u)![0]);
    const seen: string[] = [];
    for await (const wf of client.workflow.list({ query: `TaskQueue = '${taskQueue}'` }))
      seen.push(JSON.stringify([wf.workflowId, wf.searchAttributes, wf.memo]));
    expect(seen.length).toBeGreaterThan(0);
    for (const t of tokens) expect(seen.join('\n')).not.toContain(t);
    expect(JSON.stringify([described.workflowId, described.searchAttributes, described.memo])).not.toContain(
      tokens[0]!,
    );
  });

  it('a forged empty result (55 minutes ahead, undeclared topic, bare signal) closes nothing; the genuine one does', async () => {
    const scope = repoUrl(`${prefix}-attack`);
    const secret = token();
    await produce(topics.scanner!, [
      {
        value: JSON.stringify([leak(secret, 'src/x.ts')]),
        headers: { format: 'gitleaks', 'nhi-rescan-scope': scope },
      },
    ]);
    const handle = client.workflow.getHandle(rescanWorkflowId('gitleaks', scope));
    await waitFor(
      'the scope to know the secret',
      async () => {
        const s = await handle.query(rescanStateQuery).catch(() => undefined);
        return s && Object.keys(s.open).length === 1 ? s : undefined;
      },
      240_000,
    );
    const empty = { value: '[]', headers: { format: 'gitleaks', 'nhi-rescan-scope': scope } };
    const ahead = String(Date.now() + 55 * 60_000);
    // 1. Dated 55 minutes ahead on the declared topic: the broker refuses it (message.timestamp.after.max.ms).
    await expect(produce(topics.scanner!, [{ ...empty, timestamp: ahead }])).rejects.toThrow(/timestamp/i);
    // 2. The same (dated now: every findings topic bounds the time) on a topic the policy does not declare for the
    // scope: a tool's claim, recorded.
    await produce(topics.siem!, [empty]);
    // 3. A rescanReport signal from a bare Temporal client: no service signature, refused, recorded.
    await handle.signal(rescanReportSignal, {
      format: 'gitleaks',
      scope: `https://github.com/example/${prefix}-attack`,
      at: new Date(Date.now() + 55 * 60_000).toISOString(),
      entries: [],
      topic: topics.scanner!,
      partition: 0,
      offset: '999',
    });
    const refused = await waitFor(
      'both forgeries recorded',
      async () => {
        const memo = (await handle.describe()).memo?.[REFUSED_MEMO_KEY] as RefusedMessage[] | undefined;
        return memo && memo.length >= 2 ? memo : undefined;
      },
      120_000,
    );
    expect(refused.map((r) => r.reason).sort()).toEqual([
      expect.stringMatching(/is not declared in the policy's rescans: a tool's claim, it closes nothing$/),
      'no service signature (not sent by the findings consumer)',
    ]);
    expect((await query(keyOf(secret))).findings.map((f) => f.status)).toEqual(['open']);

    // The genuine complete result, on the declared topic, is honoured: nothing forged moved the scope's clock.
    await produce(topics.scanner!, [empty]);
    const closed = await waitFor(
      'the genuine rescan to close the secret',
      async () => {
        const r = await query(keyOf(secret));
        return r.findings.some((f) => f.status === 'resolved') ? r : undefined;
      },
      240_000,
    );
    expect(closed.findings.filter((f) => f.status === 'open')).toEqual([]);
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

// Export and verify over recorded histories (test/fixtures/evidence/, from the evidence-export integration test):
// summaries say what the histories say, a chain of exports verifies, and tampering is named — no server needed.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportEvidence, type HistorySource, linkTo } from '../../../evidence/export.ts';
import { runFromJson } from '../../../evidence/history-json.ts';
import { iamUser } from '../../../evidence/key-owner.ts';
import { MANIFEST_FILE } from '../../../evidence/manifest.ts';
import { deriveRemediationSummary } from '../../../evidence/summary.ts';
import { firstDifference, verifyChain, verifyExport } from '../../../evidence/verify.ts';
import { encodeIdentityKey } from '../../../risk/decide.ts';
import { fixtureSource, testSigner } from '../../support/evidence.ts';

const source = fixtureSource();
const signer = testSigner();
const work = mkdtempSync(join(tmpdir(), 'nhi-evidence-unit-'));
const now = new Date('2026-11-30T00:00:00.000Z');

async function exported(name: string, previous?: Parameters<typeof linkTo>[0]) {
  return exportEvidence(source, {
    outDir: join(work, name),
    signer,
    previous: previous ? linkTo(previous) : null,
    now,
  });
}

describe('evidence export over recorded histories', () => {
  it('summarises each remediation from its history and its identity workflow’s', async () => {
    const result = await exported('one');
    const by = (action: string) => result.summaries.find((s) => s.enforcement.action === action)!;
    expect(result.summaries).toHaveLength(3);

    expect(by('deactivate-key')).toMatchObject({
      status: 'executed',
      enforcement: {
        identity: 'aws:access-key:AKIAFIXTURE01EXAMPLE',
        target: ['AKIAFIXTURE01EXAMPLE'],
        approvers: [],
      },
      apiCalls: [{ api: 'iam:UpdateAccessKey', target: 'AKIAFIXTURE01EXAMPLE', outcome: 'completed' }],
      verification: { ok: true },
      policy: { ruleId: 'exposed-access-key', mode: 'auto' },
    });
    expect(by('deactivate-key').findings).toEqual([
      expect.objectContaining({
        kind: 'exposed-secret',
        source: expect.objectContaining({ format: 'trufflehog' }),
      }),
    ]);

    const scope = by('scope-down');
    expect(scope.enforcement.approvers).toEqual(['alice@security']);
    expect(scope.decisions).toEqual([
      expect.objectContaining({
        kind: 'approval',
        name: 'approve',
        by: 'alice@security',
        outcome: 'accepted',
      }),
    ]);
    expect(scope.apiCalls.map((c) => c.api)).toEqual(['iam:PutUserPolicy']);
    expect(scope.plan?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(scope.score?.factors.every((f) => f.reason.length > 0)).toBe(true);
    expect(scope.identity.owner).toBe('team-payments');
    expect(scope.events.map((e) => e.type)).toEqual([
      'remediation.planned',
      'remediation.approved',
      'remediation.executed',
    ]);

    const q = by('quarantine');
    expect(q).toMatchObject({ status: 'rejected', apiCalls: [] });
    expect(q.enforcement.refusedBy).toEqual(['bob@incident-response']);
    expect(q.findings.some((f) => f.source?.format === 'splunk-notable')).toBe(true);

    // The timeline runs from the finding to the verification.
    const t = scope.timeline.map((e) => e.at);
    expect([...t].sort()).toEqual(t);
    expect(scope.timeline[0]!.what).toMatch(/^finding f_/);
    expect(scope.timeline.at(-1)!.what).toBe('closed: executed');
  });

  it('--identity USER takes in the remediations of that user’s access keys (the user their plan read from AWS)', async () => {
    const user = 'arn:aws:iam::123456789012:user/ev-d27539dc-ci';
    const keyId = 'remediate/deactivate-key/aws:access-key:AKIAFIXTURE01EXAMPLE/0';
    // Visibility as Temporal answers it: remediations whose id names the identity, and every access-key one.
    const byQuery: HistorySource = {
      ...source,
      remediations: async (q) =>
        source.ids.filter((id) => !q.identity || id.includes(encodeIdentityKey(q.identity))),
      keyRemediations: async () => source.ids.filter((id) => id.includes('aws:access-key:')),
    };
    const exportFor = (identity: string, name: string) =>
      exportEvidence(byQuery, { outDir: join(work, name), signer, query: { identity }, now });
    const mine = await exportFor(user, 'user-keys');
    expect(mine.summaries.map((s) => s.workflowId)).toEqual([
      ...source.ids.filter((id) => id.includes('ev-d27539dc-ci')),
      keyId,
    ]);
    expect(verifyExport(mine.dir).problems).toEqual([]);
    // Another user (same name, other account) does not get it; a key's own export is unchanged.
    const other = await exportFor('arn:aws:iam::210987654321:user/ev-d27539dc-ci', 'other-user');
    expect(other.summaries).toEqual([]);
    expect(iamUser('aws:access-key:AKIAFIXTURE01EXAMPLE')).toBeUndefined();
    expect(iamUser('arn:aws:iam::123456789012:user/ci/deploy')).toEqual({
      account: '123456789012',
      userName: 'deploy',
    });
  });

  it('derives the same summary every time, and names where a changed one differs', async () => {
    const result = await exported('determinism');
    const c = result.manifest.cases.find((x) => x.kind === 'remediation')!;
    if (c.kind !== 'remediation') throw new Error('unreachable');
    const runs = (paths: string[]) =>
      paths.map((p) => runFromJson(readFileSync(join(result.dir, p), 'utf8')));
    const a = deriveRemediationSummary(runs(c.histories), runs(c.identityHistories));
    const b = deriveRemediationSummary(runs(c.histories), runs(c.identityHistories));
    expect(firstDifference(a, b)).toBeUndefined();
    expect(firstDifference(a, { ...a, status: 'forged' })).toBe(
      `status: history says ${JSON.stringify(a.status)}, file says "forged"`,
    );
  });

  it('a chain of exports verifies; a link to the wrong manifest is named', async () => {
    const one = await exported('c1');
    const two = await exported('c2', one);
    expect(two.manifest.previous).toEqual({ sequence: 1, manifestSha256: one.manifestSha256 });
    expect(verifyChain([two.dir, one.dir], { publicKey: signer.publicKey }).problems).toEqual([]);

    // An export signed as #2 but naming some other #1.
    const stranger = await exported('c2-stranger', { ...one, manifestSha256: 'f'.repeat(64) });
    const chain = verifyChain([one.dir, stranger.dir]);
    expect(chain.problems.map((p) => p.problem)).toEqual([
      `export #2 names previous manifest ${'f'.repeat(64)}, but #1 (${one.dir}) has ${one.manifestSha256}`,
    ]);
  });

  it('links each workflow run to its page in Temporal’s Web UI when given one, and still verifies', async () => {
    const result = await exportEvidence(source, {
      outDir: join(work, 'web-ui'),
      signer,
      now,
      webUi: 'http://127.0.0.1:8233',
    });
    const html = readFileSync(join(result.dir, 'report.html'), 'utf8');
    const s = result.summaries[0]!;
    const href = `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(s.workflowId)}/${s.runIds[0]}/history`;
    expect(html).toContain(`<a href="${href}">Temporal Web UI: run ${s.runIds[0]}</a>`);
    expect(readFileSync(join(result.dir, 'report.md'), 'utf8')).toContain(`(${href})`);
    // The workflows the case is derived from are linked too: its identity's run and, once it acted, its follow-up.
    const page = (id: string, run: string) =>
      `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(id)}/${run}/history`;
    for (const x of result.summaries) {
      expect(html).toContain(
        `<a href="${page(x.parent!.workflowId, x.parent!.runId!)}">Temporal Web UI: identity workflow run ${x.parent!.runId}</a>`,
      );
      for (const run of x.followUp?.runIds ?? [])
        expect(html).toContain(
          `<a href="${page(x.followUp!.workflowId, run)}">Temporal Web UI: follow-up run ${run}</a>`,
        );
    }
    expect(verifyExport(result.dir).problems).toEqual([]);
  });

  it('refuses to write into a directory that is not empty', async () => {
    const dir = join(work, 'busy');
    cpSync(join(work, 'one'), dir, { recursive: true });
    await expect(exported('busy')).rejects.toThrow(/is not empty/);
  });

  it('a manifest that is not an evidence manifest is named, not thrown', async () => {
    const dir = join(work, 'garbled');
    cpSync(join(work, 'one'), dir, { recursive: true });
    writeFileSync(join(dir, MANIFEST_FILE), '{"format":"other"}');
    const problems = verifyExport(dir).problems.map((p) => `${p.subject}: ${p.problem}`);
    expect(problems).toContain('manifest.json: invalid: format: Invalid input: expected "nhi-evidence/1"');
  });

  it('a history that no longer parses is named with the summary it breaks, not thrown', async () => {
    const dir = join(work, 'broken-history');
    cpSync(join(work, 'one'), dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as {
      cases: Array<{ kind: string; histories: string[]; summary?: string }>;
    };
    const c = manifest.cases.find((x) => x.kind === 'remediation')!;
    writeFileSync(join(dir, c.histories[0]!), '{"events": [\u0001');
    const problems = verifyExport(dir).problems.map((p) => `${p.subject}: ${p.problem}`);
    expect(problems.some((p) => p.startsWith(`${c.histories[0]}: changed`))).toBe(true);
    expect(problems.some((p) => p.startsWith(`${c.summary}: cannot be derived again:`))).toBe(true);
  });
});

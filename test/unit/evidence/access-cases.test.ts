// Just-in-time access requests as evidence cases (evidence/case-kinds.ts), over recorded access histories
// (test/fixtures/evidence-access/, written by test/integration/access-grants.test.ts): one approved by a person and
// revoked by her, one an identity asked for itself and revoked on a critical finding. Derived the same every time,
// selected by --action/--identity/--since/--until, verified (a changed summary is named), and shown in the
// reviewer report as rendered by headless Chromium (JavaScript off). Screenshot: test-results/evidence-report-access.png.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AccessSummary } from '../../../evidence/access-summary.ts';
import { CASE_KINDS } from '../../../evidence/case-kinds.ts';
import { exportEvidence } from '../../../evidence/export.ts';
import { runFromJson } from '../../../evidence/history-json.ts';
import { verifyExport } from '../../../evidence/verify.ts';
import { checkReport } from '../../support/browser.ts';
import { accessFixtureSource, testSigner } from '../../support/evidence.ts';

const source = accessFixtureSource();
const ci = 'arn:aws:iam::123456789012:user/jit-9c7f2b-ci';
const agent = 'arn:aws:iam::123456789012:user/jit-9c7f2b-agent';
const approvedId = 'access/jit-a56c727c6603';
const riskId = 'access/jit-378aa20e0074';
const work = mkdtempSync(join(tmpdir(), 'nhi-access-cases-'));
const exported = (name: string, query = {}) =>
  exportEvidence(source, {
    outDir: join(work, name),
    signer: testSigner(),
    workflowIds: source.ids,
    query,
    now: new Date('2026-11-30T12:00:00.000Z'),
  });
const accessCases = (cases: Array<{ kind: string }>) =>
  cases.filter((c) => c.kind === 'access') as AccessSummary[];

describe('access requests as evidence cases', () => {
  it('each request is a case: requester, approvers and refusals, policy decision, grant, revocation, controls', async () => {
    const result = await exported('all');
    const cases = accessCases(result.cases);
    expect(cases.map((c) => [c.id, c.identity.key, c.action, c.status])).toEqual([
      [approvedId, ci, 'read-users', 'revoked'],
      [riskId, agent, 'agent-list', 'revoked'],
    ]);
    const approved = cases[0]!;
    expect(approved).toMatchObject({
      requester: 'rita@example.com',
      duration: '15m',
      target: 'arn:aws:iam::123456789012:role/jit-9c7f2b-read-users',
      approvers: ['alice@example.com'],
      grant: { sessionName: 'nhi-jit-a56c727c6603', durationSeconds: 900 },
      revocation: { by: 'alice@example.com', reason: 'done early' },
      enforcement: {
        action: 'access: read-users for 15m',
        target: ['arn:aws:iam::123456789012:role/jit-9c7f2b-read-users'],
        approvers: ['alice@example.com'],
        refusedBy: ['rita@example.com', 'alice@example.com'],
        policyDecision: expect.stringMatching(
          /^allowed at the request \(.*riskCeiling 40.*\); policy sha256 /,
        ),
      },
    });
    expect(approved.endedAt).toBe(approved.revocation?.at);
    expect(approved.decisions.map((d) => [d.kind, d.by, d.outcome])).toEqual([
      ['request', 'rita@example.com', 'accepted'],
      ['approval', 'rita@example.com', 'refused'],
      ['approval', 'alice@example.com', 'accepted'],
      ['revocation', 'alice@example.com', 'accepted'],
      ['revocation', 'alice@example.com', 'refused'],
    ]);
    expect(approved.controls.map((c) => c.id)).toEqual(['NHI5', 'NHI7', 'AC-2(6)', 'AC-6', 'AU-10', 'CC6.2']);
    expect(cases[1]).toMatchObject({
      requester: agent,
      approvers: [],
      revocation: { by: 'nhi-enforce', findingId: expect.stringMatching(/^f_/) },
    });
    expect(cases[1]!.controls.map((c) => c.id)).toContain('IR-4');
    // One manifest entry per case, its summary beside the exception requests' (summaries/<kind>/).
    expect(result.manifest.cases.filter((c) => c.kind === 'access')).toEqual([
      expect.objectContaining({
        id: approvedId,
        workflowId: approvedId,
        summary: expect.stringMatching(/^summaries\/access\//),
      }),
      expect.objectContaining({ id: riskId, workflowId: riskId }),
    ]);
    expect(verifyExport(result.dir).problems).toEqual([]);
    // Derived again from the exported history, the same: what verify relies on.
    const entry = result.manifest.cases.find((c) => c.kind === 'access' && c.workflowId === approvedId)!;
    const again = CASE_KINDS.access.derive(
      entry.histories.map((h) => runFromJson(readFileSync(join(result.dir, h), 'utf8'))),
    );
    expect(JSON.parse(JSON.stringify(again))).toEqual(JSON.parse(JSON.stringify([approved])));
  });

  it('--action and --identity select requests; --since/--until select by when they were requested', async () => {
    const ids = async (name: string, query: object) =>
      accessCases((await exported(name, query)).cases).map((c) => c.id);
    expect(await ids('action', { action: 'read-users' })).toEqual([approvedId]);
    expect(await ids('action-none', { action: 'rotate-key' })).toEqual([]);
    expect(await ids('identity', { identity: agent })).toEqual([riskId]);
    const all = accessCases((await exported('every')).cases);
    const [first, second] = [...all].sort((a, b) => (a.openedAt < b.openedAt ? -1 : 1));
    expect(await ids('until', { until: first!.openedAt })).toEqual([first!.id]);
    expect(await ids('since', { since: second!.openedAt })).toEqual([second!.id]);
    expect(await ids('before', { until: '2000-01-01T00:00:00.000Z' })).toEqual([]);
    // Archives (window closed) take a request once it has ended.
    expect(await ids('closed', { window: 'closed', until: '2000-01-01T00:00:00.000Z' })).toEqual([]);
    expect((await ids('closed-all', { window: 'closed' })).sort()).toEqual([approvedId, riskId].sort());
  });

  it('a changed access summary or report is named by verify', async () => {
    await exported('original');
    const dir = join(work, 'tampered');
    cpSync(join(work, 'original'), dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      cases: Array<{ kind: string; workflowId: string; summary?: string }>;
    };
    const path = manifest.cases.find((c) => c.kind === 'access' && c.workflowId === approvedId)!.summary!;
    const summary = JSON.parse(readFileSync(join(dir, path), 'utf8'));
    summary.approvers = ['mallory@example.com'];
    writeFileSync(join(dir, path), `${JSON.stringify(summary, null, 2)}\n`);
    writeFileSync(
      join(dir, 'report.md'),
      readFileSync(join(dir, 'report.md'), 'utf8').replace('alice@', 'mallory@'),
    );
    const problems = verifyExport(dir).problems.map((p) => `${p.subject}: ${p.problem}`);
    expect(problems).toContainEqual(expect.stringMatching(new RegExp(`^${path}: changed \\(sha256 `)));
    expect(problems).toContain(
      `${path}: differs from its history at approvers[0]: history says "alice@example.com", file says "mallory@example.com"`,
    );
    expect(problems).toContain('report.md: differs from the report the histories give');
  });

  it('the report shows each access case, its decisions, grant, revocation and controls in headless Chromium', async () => {
    const result = await exported('report');
    await checkReport(join(result.dir, 'report.html'), 'evidence-report-access.png', async (page, text) => {
      const summary = await text('#summary');
      expect(summary).toContain('2 other case(s): 2 access.');
      expect(summary).toContain('access revoked 2');
      expect(summary).toContain('IR-4');
      expect(await page.locator('section.case').count()).toBe(2);
      const approved = await text(`section.case:has(h3:text-is("access ${approvedId}"))`);
      expect(approved).toContain(
        `Access jit-a56c727c6603: read-users for ${ci} as arn:aws:iam::123456789012:role/jit-9c7f2b-read-users, 15m, ticket CHG-1; status revoked.`,
      );
      expect(approved).toContain('Requested by rita@example.com');
      expect(approved).toContain(
        'Approvers: alice@example.com. Refused by: rita@example.com, alice@example.com.',
      );
      expect(approved).toContain('Policy decision: allowed at the request');
      expect(approved).toMatch(
        /Granted session nhi-jit-a56c727c6603 for 900s, expires \S+; session policy sha256/,
      );
      expect(approved).toContain('Revoked by alice@example.com');
      expect(approved).toContain('rita@example.com requested this access grant and cannot decide on it');
      expect(approved).toContain('AU-10 Non-repudiation');
      const risk = await text(`section.case:has(h3:text-is("access ${riskId}"))`);
      expect(risk).toContain('Revoked by nhi-enforce');
      expect(risk).toContain('IR-4');
    });
  }, 120_000);
});

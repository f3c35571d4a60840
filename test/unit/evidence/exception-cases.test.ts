// Exception requests as evidence cases, over recorded identity histories (test/fixtures/evidence-exceptions/,
// written by test/integration/identity-exception.test.ts): derived the same every time, verified, and shown in the
// reviewer report as rendered by headless Chromium (JavaScript off). Screenshot:
// test-results/evidence-report-exceptions.png.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CASE_KINDS } from '../../../evidence/case-kinds.ts';
import type { ExceptionSummary } from '../../../evidence/exception-summary.ts';
import { exportEvidence } from '../../../evidence/export.ts';
import { verifyExport } from '../../../evidence/verify.ts';
import { checkReport } from '../../support/browser.ts';
import { exceptionFixtureSource, testSigner } from '../../support/evidence.ts';

const source = exceptionFixtureSource();
const batch = 'arn:aws:iam::123456789012:user/nightly-batch';
const work = mkdtempSync(join(tmpdir(), 'nhi-exception-cases-'));
const exported = (name: string, query = {}) =>
  exportEvidence(source, {
    outDir: join(work, name),
    signer: testSigner(),
    workflowIds: source.ids,
    query,
    now: new Date('2026-11-30T00:00:00.000Z'),
  });

describe('exception requests as evidence cases', () => {
  it('each request is a case with its decisions, signatures checked, policy terms and controls', async () => {
    const result = await exported('all');
    expect(result.cases.map((c) => [c.id.split('@')[0], c.identity.key.split('/')[1], c.status])).toEqual([
      ['refused-1', 'nightly-batch', 'refused'],
      ['refused-2', 'nightly-batch', 'refused'],
      ['refused-3', 'nightly-batch', 'refused'],
      ['exc-1', 'nightly-batch', 'ended'],
      ['exc-2', 'nightly-batch', 'expired'],
      ['exc-1', 'revoked', 'revoked'],
    ]);
    const granted = result.cases[3] as ExceptionSummary;
    expect(granted.decisions.every((d) => d.signatureValid === true)).toBe(true);
    expect(granted.controls.map((c) => c.id)).toEqual(['AU-10', 'CM-3']);
    expect(granted.termsHash).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyExport(result.dir).problems).toEqual([]);
    // Derived again, the same: what verify relies on.
    const runs = (await import('../../../evidence/history-json.ts')).runFromJson;
    const again = CASE_KINDS.exception.derive(
      result.manifest.cases
        .find((c) => c.kind === 'exception')!
        .histories.map((h) => runs(readFileSync(join(result.dir, h), 'utf8'))),
    );
    expect(JSON.parse(JSON.stringify(again))).toEqual(
      JSON.parse(JSON.stringify(result.cases.filter((c) => c.identity.key === batch))),
    );
  });

  it('--action and --identity select requests; a window selects by when they were requested', async () => {
    expect((await exported('action', { action: 'rotate-secret' })).cases.map((c) => c.id)).toEqual([
      `refused-2@${batch}`,
    ]);
    expect((await exported('identity', { identity: batch })).cases).toHaveLength(5);
    expect((await exported('window', { until: '2000-01-01T00:00:00.000Z' })).cases).toEqual([]);
    // Archives (window closed) take a request once it is settled: refused at once, yes; granted and not yet run
    // out by then, not yet.
    const all = (await exported('every')).cases as ExceptionSummary[];
    const granted = all.find((c) => c.id === `exc-1@${batch}`)!;
    const untilGranted = new Date(Date.parse(granted.grantedAt!) + 1).toISOString();
    const archived = await exported('closed', { window: 'closed', until: untilGranted });
    expect(archived.cases.map((c) => c.id)).toEqual(
      all.filter((c) => c.endedAt && c.endedAt < untilGranted).map((c) => c.id),
    );
    expect(archived.cases.map((c) => c.id)).toContain(`refused-1@${batch}`);
    expect(archived.cases.map((c) => c.id)).not.toContain(granted.id);
  });

  it('the report shows each request, its decision trail and its controls in headless Chromium', async () => {
    const result = await exported('report');
    await checkReport(
      join(result.dir, 'report.html'),
      'evidence-report-exceptions.png',
      async (page, text) => {
        const summary = await text('#summary');
        expect(summary).toContain('6 other case(s): 6 exception.');
        expect(summary).toContain('exception refused 3');
        expect(summary).toContain('CM-3 Configuration Change Control 3');
        expect(await page.locator('section.case').count()).toBe(6);
        const granted = await text(`section.case:has(h3:text-is("exception exc-1@${batch}"))`);
        expect(granted).toContain('Requested by bob@example.com');
        expect(granted).toContain('Approved by: alice@example.com. Rejected by: (nobody).');
        expect(granted).toContain('bob@example.com requested this exception and cannot approve it');
        expect(granted).toMatch(/approval alice@example\.com .* accepted verifies/);
        expect(granted).toContain('AU-10 Non-repudiation');
        const revoked = await text(
          'section.case:has(h3:text-is("exception exc-1@arn:aws:iam::123456789012:user/revoked"))',
        );
        expect(revoked).toContain('Revoked by bob@example.com');
      },
    );
  }, 120_000);
});

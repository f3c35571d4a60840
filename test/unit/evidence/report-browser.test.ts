// The reviewer report in a real headless Chromium (playwright-core driving the binary @sparticuz/chromium ships):
// it renders with JavaScript off and the network blocked, the key facts are visible in the DOM, and a screenshot
// is saved to test-results/evidence-report.png.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExportResult, exportEvidence } from '../../../evidence/export.ts';
import { launchChromium, testResults, visibleText } from '../../support/browser.ts';
import { fixtureSource, testSigner } from '../../support/evidence.ts';

let browser: Browser;
let exported: ExportResult;

beforeAll(async () => {
  exported = await exportEvidence(fixtureSource(), {
    outDir: join(mkdtempSync(join(tmpdir(), 'nhi-report-')), 'export'),
    signer: testSigner(),
    now: new Date('2026-11-30T00:00:00.000Z'),
  });
  browser = await launchChromium();
}, 120_000);

afterAll(async () => browser?.close());

describe('reviewer report in headless Chromium', () => {
  it('shows each enforcement’s facts without scripts or network', async () => {
    const html = readFileSync(join(exported.dir, 'report.html'), 'utf8');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//i);

    const context = await browser.newContext({ javaScriptEnabled: false });
    const requests: string[] = [];
    context.on('request', (r) => {
      if (!r.url().startsWith('file:')) requests.push(r.url());
    });
    const page = await context.newPage();
    await page.goto(pathToFileURL(join(exported.dir, 'report.html')).href);

    await expect(page.locator('h1').textContent()).resolves.toMatch(/^nhi-enforce evidence #1/);
    const summary = await visibleText(page.locator('#summary'));
    expect(summary).toContain('3 enforcement(s) on 2 identit(ies)');
    expect(summary).toContain('Time from finding to action: median');
    expect(summary).toMatch(/deactivate-key 1/);
    expect(summary).toMatch(/rejected 1/);
    expect(summary).toMatch(/CM-3 Configuration Change Control 2/);

    const sections = page.locator('section.enforcement');
    await expect(sections.count()).resolves.toBe(3);
    const scope = await visibleText(sections.filter({ hasText: 'scope-down on' }));
    expect(scope).toContain('Approvers: alice@security.');
    expect(scope).toContain('excess-privilege (approval: 1 approval(s))');
    expect(scope).toContain('iam:PutUserPolicy');
    expect(scope).toContain('AC-6 Least Privilege');
    expect(scope).toMatch(/approval \(approve\) by alice@security: accepted/);
    const quarantine = await visibleText(sections.filter({ hasText: 'quarantine on' }));
    expect(quarantine).toContain('Refused by: bob@incident-response.');
    expect(quarantine).toContain('status rejected');
    const key = await visibleText(sections.filter({ hasText: 'deactivate-key on' }));
    expect(key).toContain('Target: AKIAFIXTURE01EXAMPLE.');
    expect(key).toContain('NHI2 Secret Leakage');
    await expect(page.locator('#controls table tbody tr').count()).resolves.toBeGreaterThan(10);

    // Styled by its inline CSS (no stylesheet fetched): enforcement sections have their border.
    // A string expression: this project's TypeScript has no DOM types.
    const border = await page.evaluate(
      "getComputedStyle(document.querySelector('section.enforcement')).borderTopStyle",
    );
    expect(border).toBe('solid');
    expect(requests).toEqual([]);

    mkdirSync(testResults, { recursive: true });
    await page.screenshot({ path: join(testResults, 'evidence-report.png'), fullPage: true });
    await context.close();
  });
});

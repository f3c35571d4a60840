// Histories people can browse: with NHI_TEMPORAL_UI_PORT and NHI_TEMPORAL_UI_CODEC_ENDPOINT set, `nhi stack up`
// serves Temporal's Web UI on loopback, pointed at a codec endpoint; this test serves that endpoint with
// `nhi codec-server` (development key, no token: the dev server's UI cannot send one), and a remediation's page
// loads in headless Chromium showing its input decrypted (rule, identity). Skipped when the stack runs headless
// (the default). Screenshot: test-results/temporal-web-ui.png.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import chromium from '@sparticuz/chromium';
import { chromium as playwright } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporalUi } from '../../infra/services/temporal-ui.ts';
import { remediationWorkflowId } from '../../risk/decide.ts';
import type { RemediationState } from '../../workflows/remediation/definitions.ts';
import {
  deliver,
  finding,
  seedAdminUser,
  startTestWorker,
  type TestWorker,
  waitFor,
} from './identity-support.ts';

const ui = temporalUi();
const results = fileURLToPath(new URL('../../test-results/', import.meta.url));
let w: TestWorker;

let codecServer: ChildProcess | undefined;

describe.skipIf(!ui?.codecEndpoint)('Temporal Web UI', () => {
  beforeAll(async () => {
    w = await startTestWorker('web-ui');
    const port = new URL(ui!.codecEndpoint!).port;
    codecServer = spawn(
      process.execPath,
      [
        fileURLToPath(new URL('../../bin/nhi.js', import.meta.url)),
        'codec-server',
        '--port',
        port,
        '--no-token',
        '--origin',
        `http://127.0.0.1:${ui!.port}`,
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    await new Promise<void>((resolve, reject) => {
      codecServer!.stdout!.once('data', () => resolve());
      codecServer!.once('exit', (code) => reject(new Error(`nhi codec-server exited with ${code}`)));
    });
  });
  afterAll(async () => {
    codecServer?.kill('SIGTERM');
    await w?.stop();
  });

  it('shows a remediation’s decoded input', async () => {
    const { key } = await seedAdminUser(`ui-${Date.now().toString(36)}`, { owner: 'team-ui' });
    w.terminateAtStop.push(`identity/${key.key}`);
    await deliver(w.client, w.taskQueue, key, [
      {
        ...finding(key, 'exposed-secret', { severity: 90, format: 'trufflehog', title: 'key in repo' }),
        secret: { detector: 'AWS', fingerprint: 'c'.repeat(64), hint: 'AKIA…(20)', verified: true },
        evidence: { public: true },
      },
    ]);
    const id = remediationWorkflowId(key.key, 'deactivate-key', 0);
    const handle = w.client.workflow.getHandle(id);
    const state = await waitFor(
      'the remediation',
      async () => (await handle.result()) as RemediationState,
      120_000,
    );
    expect(state.status).toBe('executed');
    const { runId } = await handle.describe();

    const browser = await playwright.launch({
      executablePath: await chromium.executablePath(),
      args: chromium.args,
      headless: true,
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const url = `http://127.0.0.1:${ui!.port}/namespaces/default/workflows/${encodeURIComponent(id)}/${runId}/history`;
      await page.goto(url);
      // The input as the UI decodes it: the rule and the identity, in the page's own text.
      await page.getByText('exposed-access-key').first().waitFor({ timeout: 60_000 });
      const text = await page.locator('body').textContent();
      expect(text).toContain(key.key);
      mkdirSync(results, { recursive: true });
      await page.screenshot({ path: join(results, 'temporal-web-ui.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 240_000);
});

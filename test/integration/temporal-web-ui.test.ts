// Histories people can browse: `nhi stack up` (here: the integration global setup) serves Temporal's Web UI on
// loopback, pointed at the codec endpoint on the port `nhi codec-server` takes by default. This test serves that
// endpoint with a token (an authenticated caller only), signs a headless Chromium in at the codec server's /login,
// sets the UI's own codec settings to include credentials (what a reviewer ticks in the UI), follows the evidence
// report's link to a remediation's page and reads its input decrypted there (rule, identity). A browser that has
// not signed in reads, on that page, where to sign in instead of the input. Skipped only when the UI is switched off (NHI_TEMPORAL_UI_PORT=off or
// NHI_TEMPORAL_UI_CODEC_ENDPOINT=none). Screenshot: test-results/temporal-web-ui.png.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../cli/main.ts';
import { exportEvidence } from '../../evidence/export.ts';
import { temporalUi } from '../../infra/services/temporal-ui.ts';
import { remediationWorkflowId } from '../../risk/decide.ts';
import { signInText } from '../../runtime/codec-server.ts';
import { ENCRYPTED_ENCODING } from '../../runtime/payload-codec.ts';
import type { RemediationState } from '../../workflows/remediation/definitions.ts';
import { launchChromium, testResults } from '../support/browser.ts';
import { testSigner } from '../support/evidence.ts';
import {
  deliver,
  leakedKey,
  seedAdminUser,
  startTestWorker,
  type TestWorker,
  waitFor,
} from './identity-support.ts';

const ui = temporalUi();
const token = randomBytes(18).toString('base64url');
let w: TestWorker;
let codecServer: ChildProcess | undefined;

describe.skipIf(!ui?.codecEndpoint)('Temporal Web UI', () => {
  beforeAll(async () => {
    // A stack started before the UI was on (or with another endpoint) is reused as it is: say so plainly.
    const settings = (await (await fetch(`${ui!.origin}/api/v1/settings`)).json()) as {
      Codec?: { Endpoint?: string };
    };
    if (settings.Codec?.Endpoint !== ui!.codecEndpoint)
      throw new Error(
        `the running Temporal's Web UI decodes through ${settings.Codec?.Endpoint || 'nothing'}, not ${ui!.codecEndpoint}: nhi stack down, then up`,
      );
    // `nhi stack status` tells a reviewer where the UI is and how it decodes.
    const status: string[] = [];
    await main(['stack', 'status'], { out: (l) => status.push(l), err: () => {} });
    expect(status).toContain(
      `web ui: ${ui!.origin} (decodes through ${ui!.codecEndpoint}: run nhi codec-server, sign in at ${ui!.codecEndpoint}/login)`,
    );
    w = await startTestWorker('web-ui');
    codecServer = spawn(
      process.execPath,
      [
        fileURLToPath(new URL('../../bin/nhi.js', import.meta.url)),
        'codec-server',
        '--port',
        new URL(ui!.codecEndpoint!).port,
        '--origin',
        ui!.origin,
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NHI_CODEC_TOKEN: token } },
    );
    const started = await new Promise<{ login: string }>((resolve, reject) => {
      createInterface({ input: codecServer!.stdout! }).once('line', (l) => resolve(JSON.parse(l)));
      codecServer!.once('exit', (code) => reject(new Error(`nhi codec-server exited with ${code}`)));
    });
    expect(started.login).toBe(`${ui!.codecEndpoint}/login`);
  });
  afterAll(async () => {
    codecServer?.kill('SIGTERM');
    await w?.stop();
  });

  it('shows a remediation’s decoded input to a signed-in browser, from the report’s link', async () => {
    const { key } = await seedAdminUser(`ui-${Date.now().toString(36)}`, { owner: 'team-ui' });
    w.terminateAtStop.push(`identity/${key.key}`);
    await deliver(w.client, w.taskQueue, key, [leakedKey(key, { title: 'key in repo' })]);
    const id = remediationWorkflowId(key.key, 'deactivate-key', 0);
    const handle = w.client.workflow.getHandle(id);
    const state = await waitFor(
      'the remediation',
      async () => (await handle.result()) as RemediationState,
      120_000,
    );
    expect(state.status).toBe('executed');
    const { runId } = await handle.describe();
    // What Temporal holds is ciphertext: the UI can only show the input through the codec server.
    const raw = await handle.fetchHistory();
    const input = raw.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    expect(Buffer.from(input?.metadata?.encoding ?? []).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(input?.data ?? []).toString('latin1')).not.toContain('exposed-access-key');

    // The evidence report links the run to its page in this UI: follow that link, not a URL built here.
    const exported = await exportEvidence(w.client, {
      outDir: join(mkdtempSync(join(tmpdir(), 'nhi-web-ui-')), 'export'),
      signer: testSigner(),
      workflowIds: [id],
      webUi: ui!.origin,
    });
    const html = readFileSync(join(exported.dir, 'report.html'), 'utf8');
    const hrefs = [...html.matchAll(/<a href="([^"]+)">Temporal Web UI: run ([^<]+)<\/a>/g)];
    const link = hrefs.find((m) => m[2] === runId)?.[1]?.replaceAll('&amp;', '&');
    expect(link, 'the report links the run to the Web UI').toBeDefined();

    const browser = await launchChromium();
    try {
      const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
      // What a reviewer sets in the UI's codec server settings: this endpoint, with cross-origin credentials.
      await context.addInitScript((endpoint) => {
        // Runs in the page: its localStorage, where the UI keeps these settings (JSON values).
        const store = (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } })
          .localStorage;
        store.setItem('overrideRemoteCodecConfiguration', 'true');
        store.setItem('endpoint', JSON.stringify(endpoint));
        store.setItem('includeCredentials', 'true');
      }, ui!.codecEndpoint!);
      const page = await context.newPage();
      // Not signed in: the run's page says where to sign in, in place of each payload (and shows no input).
      await page.goto(link!);
      await page
        .getByText(signInText(`${ui!.codecEndpoint}/login`))
        .first()
        .waitFor({ timeout: 60_000 });
      expect(await page.locator('body').textContent()).not.toContain('exposed-access-key');

      const decodeStatus = () =>
        page.evaluate(
          (endpoint) =>
            fetch(`${endpoint}/decode`, {
              method: 'POST',
              credentials: 'include',
              headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default' },
              body: JSON.stringify({ payloads: [] }),
            }).then((r) => r.status),
          ui!.codecEndpoint!,
        );

      await page.goto(`${ui!.codecEndpoint}/login`);
      await page.locator('input[name="token"]').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Signed in' }).waitFor({ timeout: 30_000 });

      await page.goto(link!);
      expect(await decodeStatus()).toBe(200);
      // The input as the UI decodes it: the rule and the identity, in the page's own text.
      await page.getByText('exposed-access-key').first().waitFor({ timeout: 60_000 });
      expect(await page.locator('body').textContent()).toContain(key.key);
      mkdirSync(testResults, { recursive: true });
      await page.screenshot({ path: join(testResults, 'temporal-web-ui.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  }, 240_000);
});

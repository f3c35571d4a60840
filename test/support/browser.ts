// Headless Chromium for tests of HTML that people read: playwright-core driving the binary that @sparticuz/chromium
// ships, so nothing is downloaded.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import chromium from '@sparticuz/chromium';
import { type Browser, type Locator, type Page, chromium as playwright } from 'playwright-core';

/** Where screenshots go (test-results/, beside the other test output). */
export const testResults = fileURLToPath(new URL('../../test-results/', import.meta.url));

export async function launchChromium(): Promise<Browser> {
  return playwright.launch({
    executablePath: await chromium.executablePath(),
    args: chromium.args,
    headless: true,
  });
}

/** The text as a reviewer sees it rendered (innerText: cells apart, hidden text left out), spaces collapsed. */
export async function visibleText(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: what is rendered is what these tests check
  return (await locator.innerText()).replace(/\s+/g, ' ');
}

/**
 * Opens a self-contained report file with JavaScript off, lets `check` read it (`text` of a selector, as rendered),
 * then saves a full-page screenshot to test-results/<screenshot> and closes the browser.
 */
export async function checkReport(
  htmlPath: string,
  screenshot: string,
  check: (page: Page, text: (selector: string) => Promise<string>) => Promise<void>,
): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
    await page.goto(pathToFileURL(htmlPath).href);
    await check(page, (selector) => visibleText(page.locator(selector)));
    mkdirSync(testResults, { recursive: true });
    await page.screenshot({ path: join(testResults, screenshot), fullPage: true });
  } finally {
    await browser.close();
  }
}

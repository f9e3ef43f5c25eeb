import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { launchBrowser, screenshotPath, watchConsole } from './browser.ts';
import { PAGES } from '../src/ui/store.ts';

let browser: BrowserContext;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

it('System page self-test passes on the browser adapter', async () => {
  const page = await browser.newPage();
  const errors = watchConsole(page);
  await page.goto(`${inject('baseUrl')}#/system`);

  await page.getByTestId('adapter').waitFor({ timeout: 60_000 });
  expect(await page.getByTestId('fallback').textContent()).toMatch(/yes|no/);

  await page.getByTestId('run-selftest').click();
  const summary = page.getByTestId('selftest-summary');
  await summary.waitFor({ timeout: 480_000 });
  await page.screenshot({ path: screenshotPath('system-selftest.png'), fullPage: true });

  const failures = await page.locator('tr.fail').allTextContents();
  expect(failures, `failed kernels: ${failures.join('\n')}\n${errors.join('\n')}`).toEqual([]);
  expect(await summary.textContent()).toMatch(/^All passed: (\d+) of \1 kernels/);

  // The run is stored in IndexedDB and listed after a reload.
  await page.reload();
  await page.getByTestId('adapter').waitFor({ timeout: 60_000 });
  await expect.poll(() => page.locator('.history li').count(), { timeout: 10_000 }).toBeGreaterThan(0);
});

it('every page opens with its own content', async () => {
  const page = await browser.newPage();
  const errors = watchConsole(page);
  for (const id of PAGES) {
    await page.goto(`${inject('baseUrl')}#/${id}`);
    const root = page.getByTestId(`page-${id}`);
    await root.waitFor({ timeout: 30_000 });
    const text = (await root.textContent()) ?? '';
    expect(text, `page ${id}`).not.toMatch(/not built yet/i);
    expect(text.length, `page ${id} has almost no text`).toBeGreaterThan(40);
  }
  expect(errors, errors.join('\n')).toEqual([]);
});

it('a browser without WebGPU gets the how-to page', async () => {
  const page = await browser.newPage();
  await page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined, configurable: true });
    delete (Navigator.prototype as unknown as { gpu?: unknown }).gpu;
  });
  await page.goto(`${inject('baseUrl')}#/system`);
  const panel = page.getByTestId('no-webgpu');
  await panel.waitFor({ timeout: 30_000 });
  expect(await panel.textContent()).toMatch(/Chrome or Edge 113\+/);
});

/**
 * A micro data-scaling sweep in Chromium (WebGPU on SwiftShader, real IndexedDB and OPFS): three
 * sizes, one seed, a micro model trained for a few steps, started from the Scaling page's form. A
 * reload mid-sweep keeps the finished cell, and Resume finishes the rest. The chart then shows three
 * points with intervals, the CSV export has three rows, and a point opens the cell's evaluation in
 * Inspect.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser, screenshotPath, watchConsole } from './browser.ts';

let browser: BrowserContext;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

async function download(page: Page, button: RegExp): Promise<{ name: string; text: string }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  return { name: file.suggestedFilename(), text: await readFile((await file.path()) as string, 'utf8') };
}

/** Reads one stored cell of the only experiment straight from IndexedDB. */
function storedCell(page: Page, id: string): Promise<Record<string, unknown>> {
  return page.evaluate(
    (cellId) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const request = indexedDB.open('math-reasoning-workbench');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const db = request.result;
          const read = db.transaction('scalingCells').objectStore('scalingCells').getAll();
          read.onsuccess = () => {
            resolve((read.result as Record<string, unknown>[]).find((cell) => cell.id === cellId)!);
            db.close();
          };
          read.onerror = () => reject(read.error);
        };
      }),
    id,
  );
}

/** Micro settings: 1 + 2 + 3 optimizer steps of a 2 × 32 model, 3 + 3 test problems of at most 6 tokens per cell. */
const FORM: [string, string][] = [
  ['experiment-name', 'micro sweep'],
  ['experiment-sizes', '8, 16, 24'],
  ['experiment-seeds', '1'],
  ['experiment-epochs', '1'],
  ['experiment-test-size', '3'],
  ['experiment-context', '96'],
  ['experiment-batch', '8'],
  ['experiment-micro-batch', '8'],
  ['experiment-vocab', '400'],
  ['experiment-max-tokens', '6'],
  ['experiment-eval-batch', '3'],
];

it('micro sweep resumes, plots and exports', async () => {
  const page = await browser.newPage();
  const errors = watchConsole(page);
  await page.goto(`${inject('baseUrl')}#/scaling`);
  await page.getByTestId('run-experiment').waitFor({ timeout: 60_000 });

  // An impossible value is rejected with the field named, and Start stays disabled.
  await page.getByTestId('experiment-epochs').fill('0');
  expect(await page.getByTestId('experiment-form-error').textContent()).toBe('epochs: expected an integer from 1 to 1000, got 0');
  expect(await page.getByTestId('experiment-start').isDisabled()).toBe(true);

  await page.getByTestId('experiment-demo').click();
  await page.locator('[data-testid="run-experiment"] summary', { hasText: 'Data and evaluation' }).click();
  for (const [testId, value] of FORM) await page.getByTestId(testId).fill(value);
  await page.getByTestId('experiment-preset').selectOption('micro');
  await page.locator('[data-testid="experiment-families"] label', { hasText: 'arithmetic' }).locator('input').check();
  await expect.poll(() => page.getByTestId('experiment-start').textContent()).toBe('Start 3 cells');
  await page.getByTestId('experiment-start').click();

  await page.getByTestId('experiment-progress').waitFor({ timeout: 60_000 });

  // Reload while the second cell runs; the first stays done, and Resume finishes the sweep.
  const cells = page.getByTestId('experiment-cell');
  await expect.poll(() => cells.nth(1).getAttribute('data-status').catch(() => null), { timeout: 300_000, interval: 500 }).toBe('running');
  const firstBefore = await storedCell(page, 'plain-mixed-s1-n8');
  expect(firstBefore.status).toBe('done');
  await page.reload();
  await page.getByTestId('experiment-cells').waitFor({ timeout: 60_000 });
  expect(await cells.nth(1).textContent()).toMatch(/interrupted/);
  await page.getByTestId('experiment-resume').click();
  await expect.poll(() => page.getByTestId('experiment-message').textContent().catch(() => ''), { timeout: 540_000, interval: 2000 }).toBe('Experiment finished: 3 cells done, 0 failed, 0 to run.');
  expect(await storedCell(page, 'plain-mixed-s1-n8')).toEqual(firstBefore);

  expect(await cells.count()).toBe(3);
  for (let i = 0; i < 3; i++) expect(await cells.nth(i).getAttribute('data-status')).toBe('done');

  const chart = page.getByTestId('experiment-normal');
  await expect.poll(() => chart.locator('.chart-point').count(), { timeout: 30_000 }).toBe(3);
  for (let i = 0; i < 3; i++) {
    expect(await chart.locator('.chart-point').nth(i).getAttribute('aria-label')).toMatch(/accuracy [\d.]+% \(95% interval [\d.]+% – [\d.]+%\)/);
  }
  expect(await page.getByTestId('experiment-hard').locator('.chart-point').count()).toBe(3);
  expect(await page.getByTestId('experiment-loss').locator('svg path').count()).toBeGreaterThan(0);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshotPath('experiment-sweep.png'), fullPage: true });

  const csv = await download(page, /Export the data of micro sweep: Synthetic test set, normal problems as CSV/);
  const rows = csv.text.trim().split('\n');
  expect(rows[0]).toBe('label,size,accuracy,low,high,total,correct,eval_run_id,source,note');
  expect(rows.slice(1).map((r) => r.split(',').slice(0, 2).join(','))).toEqual(['plain · mixed,8', 'plain · mixed,16', 'plain · mixed,24']);

  // A point opens the cell's evaluation run, stored like any other eval run.
  await chart.locator('.chart-point').nth(2).click();
  await expect.poll(() => page.evaluate(() => location.hash)).toMatch(/^#\/inspect\?run=[\w-]+$/);
  await expect.poll(() => page.getByTestId('page-inspect').textContent(), { timeout: 30_000 }).toMatch(/plain-mixed-s1-n24/);
  expect(errors).toEqual([]);
});

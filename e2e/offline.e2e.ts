/**
 * Offline use and the Scaling page, in Chromium with a real service worker and IndexedDB: load the
 * app once, go offline, reload, then use the reference panel, CSV import and the chart exports.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
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

async function cachedUrls(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      urls.push(...(await cache.keys()).map((request) => `${name} ${request.url}`));
    }
    return urls;
  });
}

async function download(page: Page, button: RegExp): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
  return { name: file.suggestedFilename(), bytes: await readFile((await file.path()) as string) };
}

/** The built app the test server serves, as e2e/serve.ts chooses it. */
const DIST = process.env.MWB_E2E_DIST ?? join(import.meta.dirname, '..', 'dist');

const CSV = ['size,accuracy,label,low,high', '1000,0.21,cluster,0.19,0.23', '4000,0.30,cluster,0.28,0.32', '16K,,cluster,,', '64000,0.41,cluster,0.39,0.43'].join('\n');

it('Scaling page works offline after one load', async () => {
  const page = await browser.newPage();
  const errors = watchConsole(page);
  await page.goto(`${inject('baseUrl')}#/scaling`);
  await page.getByTestId('reference-panel').waitFor({ timeout: 60_000 });

  // The service worker precaches the shell, then controls the page.
  await page.evaluate(() => navigator.serviceWorker.ready);
  await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 30_000 }).toBe(true);
  const cached = await cachedUrls(page);
  expect(cached.some((u) => /^mwb-shell-\w+ .*\/assets\/index-[\w-]+\.js$/.test(u)), cached.join('\n')).toBe(true);
  expect(cached.some((u) => /\/assets\/gpu\.worker-[\w-]+\.js$/.test(u)), cached.join('\n')).toBe(true);
  expect(cached.some((u) => /\$%7B/.test(u)), cached.join('\n')).toBe(false);
  // Every built asset (scripts, styles, the GPU worker, KaTeX fonts) is in the cache; source maps are not needed.
  const assets = (await readdir(join(DIST, 'assets'))).filter((name) => !name.endsWith('.map'));
  const missing = assets.filter((name) => !cached.some((u) => u.endsWith(`/assets/${name}`)));
  expect(missing, `not precached:\n${missing.join('\n')}`).toEqual([]);

  await browser.setOffline(true);
  try {
    await page.reload();
    await page.getByTestId('page-scaling').waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => navigator.onLine)).toBe(false);

    // Reference panel: MATH has 6 + 6 + 4 points from the Skywork-Math paper, each labeled with its table.
    const math = page.getByTestId('reference-math');
    await expect.poll(() => math.locator('.chart-point').count()).toBe(16);
    expect(await page.getByTestId('reference-gsm8k').locator('.chart-point').count()).toBe(13);
    expect(await math.locator('svg').textContent()).toMatch(/arXiv:2407\.08348v2, Tables 3, 4, 9 and 13/);
    await math.locator('.chart-point').first().hover();
    const tooltip = math.getByTestId('chart-tooltip');
    await tooltip.waitFor();
    expect(await tooltip.textContent()).toMatch(/LLaMA2-7B \(paper\).*N = 60K.*accuracy 15\.16%.*Table 9/);
    expect(await page.getByTestId('reference-math-fits').locator('tbody tr').count()).toBe(6);

    // CSV import: three good rows are plotted, the bad one is reported by line.
    await page.getByTestId('csv-input').setInputFiles({ name: 'cluster-runs.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
    const report = page.getByTestId('import-report');
    await report.waitFor();
    expect(await report.textContent()).toMatch(/Imported cluster-runs\.csv: 3 points in 1 series \(1K–64K\); 1 row skipped/);
    expect(await page.getByTestId('rejected-rows').textContent()).toBe('line 4: accuracy is empty');
    const chart = page.getByTestId('import-chart');
    await expect.poll(() => chart.locator('.chart-point').count()).toBe(3);
    expect(await chart.locator('.chart-point').nth(1).getAttribute('aria-label')).toMatch(/N = 4K.*accuracy 30\.00% \(95% interval 28\.00% – 32\.00%\)/);
    // Full-page screenshots taken while scrolled draw the sticky top bar mid-page, so scroll up first.
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: screenshotPath('scaling-offline.png'), fullPage: true });
    await chart.locator('svg').screenshot({ path: screenshotPath('scaling-import-chart.png') });

    // Exports: the CSV has one row per plotted point; the SVG and the 2× PNG carry the chart.
    const csv = await download(page, /Export the data of Imported points.* as CSV/);
    expect(csv.name).toBe('imported-points-accuracy-vs-training-data-size.csv');
    const rows = csv.bytes.toString('utf8').trim().split('\n');
    expect(rows[0]).toBe('label,size,accuracy,low,high,total,correct,eval_run_id,source,note');
    expect(rows.slice(1).map((r) => r.split(',').slice(0, 5).join(','))).toEqual(['cluster,1000,0.21,0.19,0.23', 'cluster,4000,0.3,0.28,0.32', 'cluster,64000,0.41,0.39,0.43']);
    const svg = await download(page, /Export Imported points.* as SVG/);
    expect(svg.bytes.toString('utf8')).toMatch(/^<\?xml[\s\S]*<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"[\s\S]*cluster[\s\S]*<\/svg>/);
    const png = await download(page, /Export Imported points.* as PNG/);
    expect(png.bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(png.bytes.readUInt32BE(16)).toBe(2 * 880);
    const json = JSON.parse((await download(page, /Export the data and fits of Imported points.* as JSON/)).bytes.toString('utf8'));
    expect(json.series[0].points).toHaveLength(3);
    expect(json.fits[0].fits.map((f: { model: string; ok: boolean }) => `${f.model} ${f.ok}`)).toEqual(['log-linear true', 'power-law true']);

    // Imported points are stored in IndexedDB and come back after another offline reload.
    await page.reload();
    await expect.poll(() => page.getByTestId('import-chart').locator('.chart-point').count(), { timeout: 30_000 }).toBe(3);
    expect(await page.getByTestId('stored-imports').textContent()).toMatch(/cluster-runs\.csv.*1 row left out/);
  } finally {
    await browser.setOffline(false);
  }
  expect(errors.filter((e) => !/Failed to load resource/.test(e))).toEqual([]);
});

it('experiment results plot, list failures and open Inspect', async () => {
  const cell = (id: string, seed: number, dataSize: number, correct: number) => ({
    id,
    variant: { methods: ['evol', 'xwin'], curriculum: 'staged', seed },
    dataSize,
    status: 'done',
    evaluations: [
      { testSet: 'normal', correct, total: 100, evalRunId: `eval-${id}` },
      { testSet: 'hard', correct: Math.round(correct / 2), total: 100, evalRunId: `eval-${id}-hard` },
    ],
    trainingLoss: [
      { step: 0, loss: 2.4 },
      { step: 20, loss: 1.6 - dataSize / 10000 },
    ],
  });
  const results = {
    format: 'mwb-scaling-results',
    version: 1,
    experiment: { id: 'e2e-sweep', name: 'e2e sweep', createdAt: '2026-12-01T10:00:00Z' },
    cells: [cell('c1', 0, 1000, 22), cell('c2', 0, 2000, 31), cell('c3', 0, 4000, 38), { ...cell('c4', 0, 8000, 0), status: 'failed', error: 'loss became NaN at step 14', evaluations: [] }],
  };

  const page = await browser.newPage();
  await page.goto(`${inject('baseUrl')}#/scaling`);
  await page.getByTestId('experiments-panel').waitFor({ timeout: 60_000 });
  await page.getByTestId('results-input').setInputFiles({ name: 'results.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(results)) });

  const normal = page.getByTestId('experiment-normal');
  await expect.poll(() => normal.locator('.chart-point').count(), { timeout: 30_000 }).toBe(3);
  expect(await page.getByTestId('experiment-hard').locator('.chart-point').count()).toBe(3);
  expect(await page.getByTestId('failed-cells').textContent()).toBe('evol + xwin · staged · seed 0 · N=8K: loss became NaN at step 14');
  expect(await page.getByTestId('experiment-loss').locator('svg path[stroke-dasharray="3 3"]').count()).toBe(1);
  await page.getByTestId('experiment-charts').screenshot({ path: screenshotPath('scaling-experiment.png') });

  await normal.locator('.chart-point').nth(1).click();
  await expect.poll(() => page.evaluate(() => location.hash)).toBe('#/inspect?run=eval-c2');
});

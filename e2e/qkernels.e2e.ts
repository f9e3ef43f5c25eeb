import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { BrowserContext } from 'playwright-core';
import { launchBrowser, screenshotPath, watchConsole } from './browser.ts';

let browser: BrowserContext;
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** Self-test rows of the quantized kernels and the sampler, by kernel name. */
const EXPECTED = [
  'qgemv F32',
  'qgemv F16',
  'qgemv Q4_0',
  'qgemv Q8_0',
  'qgemv Q4_K',
  'qgemv Q6_K',
  'qgemm Q4_0',
  'qgemm Q4_K',
  'qgemm Q6_K',
  'qembed Q4_K',
  'qembed F16',
  'sample',
  'sample distribution',
];

it('quantized kernels and sampling pass in the browser', async () => {
  const page = await browser.newPage();
  const errors = watchConsole(page);
  await page.goto(`${inject('baseUrl')}#/system`);
  await page.getByTestId('adapter').waitFor({ timeout: 60_000 });

  const started = Date.now();
  await page.getByTestId('run-selftest').click();
  await page.getByTestId('selftest-summary').waitFor({ timeout: 480_000 });
  console.log(`self-test took ${((Date.now() - started) / 1000).toFixed(1)} s`);
  await page.screenshot({ path: screenshotPath('qkernels-selftest.png'), fullPage: true });

  const rows = await page.locator('[data-testid="selftest-table"] tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({ cells: [...tr.querySelectorAll('td')].map((td) => td.textContent ?? ''), message: tr.getAttribute('title') ?? '' })),
  );
  for (const kernel of EXPECTED) {
    const row = rows.find((r) => r.cells[1] === kernel);
    expect(row, `self-test row "${kernel}" is missing; rows: ${rows.map((r) => r.cells[1]).join(', ')}`).toBeDefined();
    expect(row!.cells[0], `${kernel}: ${row!.message}\n${errors.join('\n')}`).toBe('pass');
  }
});

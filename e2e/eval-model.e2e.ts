/**
 * Evaluation with a local model in Chromium (WebGPU on SwiftShader, real OPFS and IndexedDB). A tiny
 * GGUF model goes into the model cache through the Models page, and the GSM8K test file is loaded on
 * the Evaluate page. A run of 20 problems starts from the "Run a model" panel, and the page is
 * reloaded mid-run. The run then resumes, and every result stored before the reload is kept unchanged.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { encodeGguf } from '../src/model/gguf/writer.ts';
import { randomModel } from '../src/model/random-model.ts';
import { tinyModelOptions } from '../src/model/test-models.ts';
import { SHARED_DATA } from '../test/cli.ts';
import { launchBrowser, screenshotPath, watchConsole } from './browser.ts';

const GSM8K_TEST = join(SHARED_DATA, 'gsm8k', 'test.jsonl');

let browser: BrowserContext;
let dir: string;
let modelPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mwb-eval-model-e2e-'));
  modelPath = join(dir, 'tiny-eval.gguf');
  writeFileSync(modelPath, await encodeGguf(randomModel(await tinyModelOptions({ seed: 5, contextLength: 1024 })).spec));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface StoredResult {
  problemIndex: number;
  output: string;
  verdict: string;
  finishedAt: number;
}

/** Reads the results of the only model run straight from IndexedDB. */
function storedResults(page: Page): Promise<StoredResult[]> {
  return page.evaluate(
    () =>
      new Promise<StoredResult[]>((resolve, reject) => {
        const request = indexedDB.open('math-reasoning-workbench');
        request.onerror = () => reject(request.error);
        request.onsuccess = () => {
          const db = request.result;
          const read = db.transaction('evalResults').objectStore('evalResults').getAll();
          read.onsuccess = () => {
            resolve((read.result as StoredResult[]).map(({ problemIndex, output, verdict, finishedAt }) => ({ problemIndex, output, verdict, finishedAt })));
            db.close();
          };
          read.onerror = () => reject(read.error);
        };
      }),
  );
}

it('model run resumes after a reload without losing results', async () => {
  const page = await browser.newPage();
  const errors = watchConsole(page);

  await page.goto(`${inject('baseUrl')}#/models`);
  await page.getByTestId('model-file').setInputFiles(modelPath);
  await expect.poll(() => page.getByTestId('transfer-message').textContent(), { timeout: 60_000 }).toBe('Added tiny-eval.gguf to the cache.');

  await page.goto(`${inject('baseUrl')}#/evaluate`);
  await page.getByTestId('bench-file').setInputFiles(GSM8K_TEST);
  await expect.poll(() => page.getByTestId('bench-report').textContent(), { timeout: 60_000 }).toMatch(/Loaded 1,319 problems/);

  const panel = page.getByTestId('run-model');
  await expect.poll(() => panel.getByTestId('model-run-model').inputValue(), { timeout: 30_000 }).toBe('tiny-eval.gguf');
  await panel.getByTestId('model-run-limit').fill('20');
  await panel.getByTestId('model-run-batch').fill('2');
  await panel.getByTestId('model-run-context').fill('1024');
  await panel.getByTestId('model-run-max-tokens').fill('12');
  await panel.getByTestId('model-run-start').click();

  // Reload once a few problems are stored and the run is still going.
  await expect.poll(async () => (await storedResults(page)).length, { timeout: 300_000, interval: 500 }).toBeGreaterThanOrEqual(4);
  const progress = (await panel.getByTestId('model-run-progress').textContent()) ?? '';
  expect(progress).toMatch(/of 20 samples · running accuracy .* tokens\/s · ETA/);
  await page.reload();
  await page.getByTestId('page-evaluate').waitFor({ timeout: 60_000 });
  const before = await storedResults(page);
  expect(before.length).toBeGreaterThanOrEqual(4);
  expect(before.length).toBeLessThan(20);

  const unfinished = page.getByTestId('unfinished-runs');
  await expect.poll(() => unfinished.textContent(), { timeout: 30_000 }).toMatch(new RegExp(`${before.length} of 20 stored.*interrupted`));
  await unfinished.getByTestId('model-run-resume').click();
  await expect.poll(() => page.getByTestId('model-run-message').textContent().catch(() => ''), { timeout: 540_000, interval: 2000 }).toMatch(/finished: \d+ of 20 correct/);

  // The ended run no longer shows as running: Stop goes away and Start is enabled again.
  await expect.poll(() => panel.getByTestId('model-run-stop').count(), { timeout: 10_000 }).toBe(0);
  await expect.poll(() => panel.getByTestId('model-run-start').isEnabled(), { timeout: 10_000 }).toBe(true);

  const after = await storedResults(page);
  expect(after.map((r) => r.problemIndex).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  for (const earlier of before) expect(after.find((r) => r.problemIndex === earlier.problemIndex)).toEqual(earlier);
  expect(await page.getByTestId('runs').textContent()).toMatch(/tiny-eval\.gguf.*finished.*20/);
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: screenshotPath('eval-model-run.png'), fullPage: true });
  expect(errors).toEqual([]);
});

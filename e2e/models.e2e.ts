/**
 * The Models page in Chromium (WebGPU on SwiftShader). A tiny GGUF model added through the file
 * input is cached in OPFS, survives a reload, loads onto the GPU and solves a prompt with the text
 * streaming in. Also a URL download, the memory limit, the engine's kernel check and deleting.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { encodeGguf } from '../src/model/gguf/writer.ts';
import { randomModel } from '../src/model/random-model.ts';
import { tinyModelOptions } from '../src/model/test-models.ts';
import { launchBrowser, screenshotPath, watchConsole } from './browser.ts';

let browser: BrowserContext;
let dir: string;
let modelPath: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mwb-models-e2e-'));
  modelPath = join(dir, 'tiny-llama.gguf');
  writeFileSync(modelPath, await encodeGguf(randomModel(await tinyModelOptions({ fileType: 'q8_0', seed: 9 })).spec));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openModelsPage(page: Page): Promise<void> {
  await page.goto(`${inject('baseUrl')}#/models`);
  await page.getByTestId('cached-models').waitFor({ timeout: 60_000 });
}

it('file to cache, reload, solve', async () => {
  const page = await browser.newPage();
  const errors = watchConsole(page);
  await openModelsPage(page);
  await expect.poll(() => page.getByTestId('cached-models').textContent(), { timeout: 30_000 }).toMatch(/No models yet/);

  await page.getByTestId('model-file').setInputFiles(modelPath);
  await expect.poll(() => page.getByTestId('transfer-message').textContent(), { timeout: 60_000 }).toBe('Added tiny-llama.gguf to the cache.');
  const row = page.getByTestId('cached-model');
  await expect.poll(() => row.textContent()).toMatch(/tiny-llama\.gguf.*KiB/);

  await row.getByTestId('model-info').click();
  await expect.poll(() => page.getByTestId('model-facts').textContent(), { timeout: 30_000 }).toMatch(/Architecturellama.*Layers2/);

  // OPFS keeps the file across a reload.
  await page.reload();
  await page.getByTestId('cached-models').waitFor();
  await expect.poll(() => page.getByTestId('cached-model').textContent(), { timeout: 30_000 }).toMatch(/tiny-llama\.gguf/);

  await page.getByTestId('setting-context').fill('512');
  await page.getByTestId('cached-model').getByTestId('model-load').click();
  await expect.poll(() => page.getByTestId('loaded-model').textContent(), { timeout: 300_000 }).toMatch(/Context, batch512 tokens, 1 sequence, KV cache in f32/);

  // Record every change of the output while it streams.
  await page.evaluate(() => {
    const lengths: number[] = [];
    (window as unknown as { solveLengths: number[] }).solveLengths = lengths;
    new MutationObserver(() => {
      const output = document.querySelector('[data-testid="solve-output"]');
      if (output) lengths.push(output.textContent?.length ?? 0);
    }).observe(document.querySelector('[data-testid="solve"]')!, { subtree: true, childList: true, characterData: true });
  });
  await page.getByTestId('solve-prompt').fill('What is 2 + 2?');
  await page.getByTestId('solve-max-tokens').fill('20');
  await page.getByTestId('solve-run').click();
  await expect.poll(() => page.getByTestId('solve-stats').textContent().catch(() => ''), { timeout: 300_000 }).toMatch(/\d+ tokens at [\d.]+ tokens\/s/);
  const output = (await page.getByTestId('solve-output').textContent()) ?? '';
  expect(output.length).toBeGreaterThan(0);
  const lengths = await page.evaluate(() => (window as unknown as { solveLengths: number[] }).solveLengths);
  expect(new Set(lengths.filter((n) => n > 0)).size, 'distinct output lengths while streaming').toBeGreaterThanOrEqual(3);
  await page.screenshot({ path: screenshotPath('models-solve.png'), fullPage: true });

  // The loaded model also runs model-driven augmentation on the Data page. A random-weight model
  // writes no gradable solution, so each item is rejected with its reason, and the shard completes.
  const seeds = join(dir, 'seeds.jsonl');
  writeFileSync(seeds, ['What is 3 + 4?', 'What is 5 + 6?'].map((q, i) => JSON.stringify({ question: q, answer: `#### ${i === 0 ? 7 : 11}` })).join('\n'));
  await page.getByRole('link', { name: 'Data' }).click();
  await page.getByTestId('backend-local').check();
  await expect.poll(() => page.getByTestId('local-model-status').textContent(), { timeout: 30_000 }).toMatch(/Loaded: .*\(tiny-llama\.gguf\)/);
  await page.getByTestId('model-shard-name').fill('local shard');
  await page.getByTestId('seed-file').setInputFiles(seeds);
  await page.getByTestId('samples-k').fill('1');
  await page.getByTestId('agreement').fill('1');
  await page.getByTestId('model-method-backward').uncheck();
  await page.getByTestId('model-method-evol').uncheck();
  await page.getByTestId('model-shard').getByLabel('Max tokens').fill('16');
  await page.getByTestId('create-model-shard').click();
  const shardRow = page.getByTestId('shard-local shard');
  await expect.poll(() => shardRow.getByTestId('shard-state').textContent(), { timeout: 300_000 }).toMatch(/^complete/);
  expect(await shardRow.textContent()).toMatch(/model \(local: tiny-llama\.gguf\)/);
  expect(await shardRow.getByTestId('shard-progress').textContent()).toMatch(/^0 stored of 2 seeds, 2 rejected/);
  await page.getByTestId('rejected-items').locator('summary').click();
  expect(await page.getByTestId('rejected-items').textContent()).toMatch(/#0 selfcorrect: .+/);
  await page.screenshot({ path: screenshotPath('data-local-model.png'), fullPage: true });
  expect(errors.filter((e) => !/service worker/i.test(e))).toEqual([]);
});

it('URL download, engine check, memory limit, delete', async () => {
  const page = await browser.newPage();
  await openModelsPage(page);

  // Addresses that cannot be downloaded get a message naming the URL and what to do.
  await page.getByTestId('model-url').fill('ftp://127.0.0.1/model.gguf');
  await page.getByTestId('model-download').click();
  await expect.poll(() => page.getByTestId('transfer-message').textContent(), { timeout: 30_000 }).toMatch(/^ftp:\/\/127\.0\.0\.1\/model\.gguf: only http:\/\/ and https:\/\/ .*file picker/);
  await page.getByTestId('model-url').fill('http://127.0.0.1:9/model.gguf');
  await page.getByTestId('model-download').click();
  await expect.poll(() => page.getByTestId('transfer-message').textContent(), { timeout: 30_000 }).toMatch(/^http:\/\/127\.0\.0\.1:9\/model\.gguf: the request failed before any response .*CORS/);

  // A blob: URL of the same bytes replaces a download server.
  const bytes = [...readFileSync(modelPath)];
  const url = await page.evaluate((data) => URL.createObjectURL(new Blob([new Uint8Array(data)])), bytes);
  await page.getByTestId('model-url').fill(url);
  await page.getByTestId('model-download').click();
  await expect.poll(() => page.getByTestId('transfer-message').textContent(), { timeout: 60_000 }).toMatch(/^Added [0-9a-f-]+\.gguf to the cache\.$/);
  await expect.poll(() => page.getByTestId('cached-model').count()).toBe(2);

  await page.getByText('Engine check').click();
  await page.getByTestId('engine-check').click();
  await expect.poll(() => page.getByTestId('engine-check-summary').textContent().catch(() => ''), { timeout: 300_000 }).toBe('3 of 3 kernels match their reference.');

  await page.getByTestId('setting-memory').fill('0.01');
  await page.getByTestId('cached-model').first().getByTestId('model-load').click();
  await expect
    .poll(() => page.getByTestId('load-error').textContent().catch(() => ''), { timeout: 60_000 })
    .toMatch(/needs [\d.]+ (KiB|MiB) of GPU memory .*but 10\.2 KiB is available \(the memory limit set on the Models page\)/);

  const downloaded = page.getByTestId('cached-model').filter({ hasNotText: 'tiny-llama' });
  await downloaded.getByTestId('model-delete').click();
  await downloaded.getByTestId('model-delete-confirm').click();
  await expect.poll(() => page.getByTestId('cached-model').count(), { timeout: 30_000 }).toBe(1);
});

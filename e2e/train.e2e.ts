/**
 * The Train page in Chromium with real IndexedDB, OPFS and WebGPU (SwiftShader). A shard made on the
 * Data page trains a micro model to the end. A second run with the same settings is interrupted by
 * a page reload after a checkpoint, resumes on its own and ends with the same loss curve. The
 * trained model then downloads as a GGUF file.
 */
import { readFileSync } from 'node:fs';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { launchBrowser, screenshotPath, watchConsole } from './browser.ts';

let browser: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.newPage();
  errors = watchConsole(page);
});
afterAll(async () => {
  await browser?.close();
});

interface StoredRun {
  status: string;
  step: number;
  totalSteps?: number;
  resumes?: { step: number }[];
  lastCheckpoint?: { step: number };
  losses: number[];
  heldOut: number[];
}

/** Reads a run and its curves straight from IndexedDB. */
function storedRun(name: string): Promise<StoredRun | null> {
  return page.evaluate(
    (runName) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('math-reasoning-workbench');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['trainRuns', 'trainSteps', 'trainEvals'], 'readonly');
          const runs = tx.objectStore('trainRuns').getAll();
          runs.onsuccess = () => {
            const run = runs.result.find((r: { name: string }) => r.name === runName);
            if (!run) {
              db.close();
              resolve(null);
              return;
            }
            const range = IDBKeyRange.bound([run.id, -Infinity], [run.id, Infinity]);
            const steps = tx.objectStore('trainSteps').getAll(range);
            const evals = tx.objectStore('trainEvals').getAll(range);
            tx.oncomplete = () => {
              db.close();
              resolve({
                status: run.status,
                step: run.step,
                totalSteps: run.totalSteps,
                resumes: run.resumes,
                lastCheckpoint: run.lastCheckpoint,
                losses: steps.result.map((s: { loss: number }) => s.loss),
                heldOut: evals.result.map((s: { loss: number }) => s.loss),
              });
            };
          };
        };
      }),
    name,
  );
}

async function startRun(name: string): Promise<void> {
  await page.getByTestId('run-name').fill(name);
  const stage1 = page.getByTestId('run-stage1');
  const option = stage1.locator('option', { hasText: 'train e2e' });
  await stage1.selectOption(await option.getAttribute('value'));
  await page.getByTestId('run-preset').selectOption('micro');
  const fields: Record<string, string> = { vocab: '340', context: '192', epochs: '2', batch: '4', microBatch: '2', learningRate: '0.003', heldOut: '2', evalEvery: '3', checkpointEvery: '2', seed: '5' };
  for (const [field, value] of Object.entries(fields)) await page.getByTestId(`run-${field}`).fill(value);
  await expect.poll(() => page.getByTestId('start-run').isEnabled(), { timeout: 60_000 }).toBe(true);
  await page.getByTestId('start-run').click();
}

it('trains, resumes after a reload with the same curve, and exports GGUF', async () => {
  await page.goto(`${inject('baseUrl')}#/data`);
  await page.getByTestId('page-data').waitFor({ timeout: 60_000 });
  await page.getByTestId('shard-name').fill('train e2e');
  await page.getByTestId('shard-size').fill('12');
  await page.getByTestId('shard-seed').fill('3');
  await page.getByTestId('create-shard-button').click();
  await expect.poll(() => page.getByTestId('shard-train e2e').getByTestId('shard-state').textContent(), { timeout: 60_000 }).toMatch(/^complete/);

  await page.goto(`${inject('baseUrl')}#/train`);
  await page.getByTestId('page-train').waitFor({ timeout: 60_000 });

  // An uninterrupted run: 10 training examples, batch 4 → 3 steps per epoch, 6 steps.
  await startRun('straight');
  await expect.poll(async () => (await storedRun('straight'))?.status, { timeout: 600_000, interval: 1000 }).toBe('completed');
  const straight = (await storedRun('straight'))!;
  expect(straight.losses).toHaveLength(6);
  expect(straight.heldOut).toHaveLength(2);
  expect(straight.losses[5]).toBeLessThan(straight.losses[0]);
  await expect.poll(() => page.getByTestId('run-state').textContent()).toBe('completed');

  // The same settings again, reloaded after the checkpoint of step 2 and before the end.
  await startRun('reloaded');
  await expect.poll(async () => (await storedRun('reloaded'))?.step ?? 0, { timeout: 600_000, interval: 200 }).toBeGreaterThanOrEqual(3);
  const before = (await storedRun('reloaded'))!;
  expect(before.status).toBe('running');
  expect(before.lastCheckpoint?.step).toBeGreaterThanOrEqual(2);
  await page.reload();
  await page.getByTestId('page-train').waitFor({ timeout: 60_000 });
  await expect.poll(async () => (await storedRun('reloaded'))?.status, { timeout: 600_000, interval: 1000 }).toBe('completed');
  const reloaded = (await storedRun('reloaded'))!;
  expect(reloaded.resumes).toHaveLength(1);
  expect(reloaded.resumes![0].step).toBeGreaterThanOrEqual(2);
  expect(reloaded.resumes![0].step).toBeLessThan(6);
  expect(reloaded.losses).toHaveLength(6);
  for (let i = 0; i < 6; i++) expect(Math.abs(reloaded.losses[i] - straight.losses[i]), `loss of step ${i + 1}`).toBeLessThan(1e-5);
  expect(reloaded.heldOut).toHaveLength(2);
  for (let i = 0; i < 2; i++) expect(Math.abs(reloaded.heldOut[i] - straight.heldOut[i])).toBeLessThan(1e-5);
  await page.getByTestId('loss-chart').waitFor();
  await page.screenshot({ path: screenshotPath('train-page.png'), fullPage: true });

  // Export the weights as GGUF through a download.
  const download = page.waitForEvent('download', { timeout: 120_000 });
  await page.getByTestId('export-run').click();
  const file = await (await download).path();
  expect(readFileSync(file).subarray(0, 4).toString('latin1')).toBe('GGUF');
  expect(errors.filter((e) => !/favicon/.test(e))).toEqual([]);
});

/**
 * Evaluate and Inspect pages in Chromium with real IndexedDB. The tests load the GSM8K test file
 * through the file input and import outputs made "elsewhere" (some right, some wrong, one unparsed,
 * one carrying HTML). They read the accuracy and its interval, filter and read a chain of thought
 * rendered by KaTeX, and see everything again after a reload.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect, inject, it } from 'vitest';
import { SHARED_DATA } from '../test/cli.ts';
import { launchBrowser, screenshotPath, watchConsole } from './browser.ts';

const GSM8K_TEST = join(SHARED_DATA, 'gsm8k/test.jsonl');
const files = mkdtempSync(join(tmpdir(), 'mwb-eval-e2e-'));

let browser: BrowserContext;
beforeAll(async () => {
  browser = await launchBrowser();
});
// Each test opens its own page; closing them keeps earlier pages' workers off the CPU.
afterEach(async () => {
  for (const open of browser.pages()) await open.close();
});
afterAll(async () => {
  await browser?.close();
});

const INJECTION = 'Hello <img src=x onerror="window.__injected = 1"> and <script>window.__injected = 2</script> done.';

/** 95% Wilson score interval, written out here so the page's numbers are checked independently. */
function wilson(correct: number, n: number): [number, number] {
  const z = 1.959964;
  const p = correct / n;
  const center = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z / (1 + (z * z) / n)) * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [center - half, center + half];
}

/**
 * Outputs for the first 20 GSM8K test problems: 12 right (with inline and display LaTeX), 6 wrong
 * (one of them carrying HTML markup), 2 without any answer.
 */
function writeOutputs(): { path: string; correct: number; wrong: number; unparsed: number; injectedId: string } {
  const golds = readFileSync(GSM8K_TEST, 'utf8')
    .split('\n')
    .slice(0, 20)
    .map((line) => (JSON.parse(line) as { answer: string }).answer.split('####')[1].trim());
  const lines = golds.map((gold, i) => {
    if (i < 12) return { id: i, output: `We compute $${gold} = ${gold}$ step by step:\n$$\\frac{${gold}}{1} = ${gold}$$\nThe answer is ${gold}.` };
    if (i === 12) return { id: i, output: `${INJECTION} The answer is ${Number(gold) + 1}.` };
    if (i < 18) return { id: i, output: `I think it is $\\sqrt{${i}}$. The answer is ${Number(gold) + 1000}.` };
    return { id: i, output: 'I do not know.' };
  });
  const path = join(files, 'outputs.jsonl');
  writeFileSync(path, lines.map((l) => JSON.stringify(l)).join('\n'));
  return { path, correct: 12, wrong: 6, unparsed: 2, injectedId: '12' };
}

async function openEvaluate(page: Page): Promise<void> {
  await page.goto(`${inject('baseUrl')}#/evaluate`);
  await page.getByTestId('page-evaluate').waitFor({ timeout: 30_000 });
}

it('imported run inspected safely across reload', async () => {
  const page = await browser.newPage();
  const errors = watchConsole(page);
  await openEvaluate(page);
  expect(await page.getByTestId('run-model').textContent()).toMatch(/Add a GGUF model on the Models page first/);

  // Load the benchmark through the file input.
  await page.getByTestId('bench-file').setInputFiles(GSM8K_TEST);
  const benchReport = page.getByTestId('bench-report');
  await benchReport.waitFor({ timeout: 60_000 });
  expect(await benchReport.textContent()).toMatch(/Loaded 1,319 problems from test\.jsonl/);
  await expect.poll(() => page.getByTestId('benchmark-row').count()).toBe(1);

  // Import outputs and read the accuracy with its interval.
  const outputs = writeOutputs();
  await page.getByTestId('import-model').fill('elsewhere-7b');
  await page.getByTestId('outputs-file').setInputFiles(outputs.path);
  const importReport = page.getByTestId('import-report');
  await importReport.waitFor({ timeout: 60_000 });
  expect(await importReport.textContent()).toMatch(/20 problems/);
  const [low, high] = wilson(outputs.correct, 20);
  const accuracy = `60.0% (95% CI ${(low * 100).toFixed(1)}–${(high * 100).toFixed(1)}%)`;
  await expect.poll(() => page.getByTestId('run-accuracy').textContent()).toBe(accuracy);
  await page.getByTestId('run-details-toggle').click();
  expect(await page.getByTestId('details-top1').textContent()).toContain('12 of 20 problems');
  await page.screenshot({ path: screenshotPath('eval-runs.png'), fullPage: true });

  // Inspect: only the wrong ones, then the one carrying HTML.
  await page.getByTestId('run-inspect').click();
  await page.getByTestId('page-inspect').waitFor();
  await expect.poll(() => page.getByTestId('filter-count').textContent()).toBe('20 of 20 problems');
  await page.getByTestId('filter-verdict').selectOption('wrong');
  await expect.poll(() => page.getByTestId('filter-count').textContent()).toBe(`${outputs.wrong} of 20 problems`);
  const verdicts = await page.getByTestId('problem-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-verdict')));
  expect(verdicts).toEqual(Array(outputs.wrong).fill('wrong'));

  await page.getByTestId('problem-row').first().click();
  const output = page.getByTestId('detail-output');
  await output.waitFor();
  expect(await output.textContent()).toContain('<img src=x onerror="window.__injected = 1">');
  expect(await output.textContent()).toContain('<script>window.__injected = 2</script>');
  expect(await page.locator('main img').count()).toBe(0);
  expect(await page.locator('main script').count()).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { __injected?: number }).__injected)).toBeUndefined();
  expect(await page.getByTestId('detail-extracted').textContent()).toMatch(/\d/);
  expect(await page.getByTestId('detail-gold').locator('.katex').count()).toBe(1);

  // A wrong answer with LaTeX: its chain of thought is typeset by KaTeX.
  await page.getByTestId('problem-row').nth(1).click();
  await expect.poll(() => output.locator('.katex').count()).toBeGreaterThan(0);
  expect(await output.locator('.katex-error').count()).toBe(0);
  await page.screenshot({ path: screenshotPath('eval-inspect.png'), fullPage: true });

  // Everything is still there after a reload, down to the chosen problem.
  const url = page.url();
  expect(url).toMatch(/#\/inspect\?run=.*&problem=13$/);
  await page.reload();
  await page.getByTestId('detail-output').waitFor({ timeout: 30_000 });
  expect(await page.getByTestId('detail-problem').textContent()).toBeTruthy();
  await expect.poll(() => page.getByTestId('filter-count').textContent()).toBe('20 of 20 problems');
  await openEvaluate(page);
  await expect.poll(() => page.getByTestId('run-accuracy').textContent()).toBe(accuracy);
  expect(await page.getByTestId('benchmark-row').textContent()).toContain('1,319');
  expect(errors).toEqual([]);
});

it('broken lines reported, benchmark deleted', async () => {
  const page = await browser.newPage();
  await openEvaluate(page);
  const path = join(files, 'broken.jsonl');
  writeFileSync(path, ['{"question": "What is 1+1?", "answer": "1+1=2\\n#### 2"}', '{"question": "cut off', '{"question": "no answer line", "answer": "2"}', '{"question": "What is 2+2?", "answer": "#### 4"}'].join('\n'));
  await page.getByTestId('bench-name').fill('broken file');
  await page.getByTestId('bench-file').setInputFiles(path);
  const issues = page.getByTestId('bench-issues');
  await issues.waitFor({ timeout: 30_000 });
  const text = await issues.textContent();
  expect(text).toMatch(/2 lines were skipped/);
  expect(text).toMatch(/Line 2: invalid JSON/);
  expect(text).toMatch(/Line 3: "answer" has no "#### N" final answer/);
  expect(await page.getByTestId('bench-report').textContent()).toMatch(/Loaded 2 problems/);

  // A file of the wrong shape names the missing fields.
  await page.getByTestId('bench-kind').selectOption('math');
  await page.getByTestId('bench-file').setInputFiles(path);
  await page.getByTestId('bench-error').waitFor();
  expect(await page.getByTestId('bench-error').textContent()).toMatch(/not a MATH file: line 1 has no "problem", "solution"/);

  // The list fills in from IndexedDB after the page opens, so rows are counted by name: the rejected
  // second upload adds none, and deleting removes the one the first upload added.
  const row = page.getByTestId('benchmark-row').filter({ hasText: 'broken file' });
  await expect.poll(() => row.count()).toBe(1);
  const others = await page.getByTestId('benchmark-row').filter({ hasNotText: 'broken file' }).count();
  await row.getByTestId('delete-benchmark').click();
  await row.getByTestId('delete-benchmark-confirm').click();
  await expect.poll(() => row.count()).toBe(0);
  expect(await page.getByTestId('benchmark-row').count()).toBe(others);
});

it('GSM8K 8-shot prompt preview and export', async () => {
  const page = await browser.newPage();
  await openEvaluate(page);
  await page.getByTestId('bench-kind').selectOption('gsm8k');
  await page.getByTestId('bench-name').fill('GSM8K train');
  await page.getByTestId('bench-file').setInputFiles(join(SHARED_DATA, 'gsm8k/train.jsonl'));
  await expect.poll(() => page.getByTestId('bench-report').textContent(), { timeout: 60_000 }).toMatch(/Loaded 7,473 problems/);

  await page.getByTestId('template-choice').selectOption('gsm8k-8shot');
  const source = page.getByTestId('exemplar-source');
  await source.selectOption({ label: 'GSM8K train' });
  const preview = page.getByTestId('template-preview');
  await expect.poll(async () => ((await preview.textContent()) ?? '').split('Question:').length - 1, { timeout: 30_000 }).toBe(9);
  const previewText = (await preview.textContent()) ?? '';
  expect(previewText).toMatch(/The answer is -?[\d.]+\.\n\nQuestion:/);
  expect(previewText).not.toMatch(/<<|####/);
  expect(previewText.endsWith('Answer:')).toBe(true);

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-prompts').click()]);
  const exported = readFileSync((await download.path())!, 'utf8').trim().split('\n');
  expect(exported).toHaveLength(1319);
  const first = JSON.parse(exported[0]) as { id: string; problem: string; prompt: string };
  expect(first.id).toBe('0');
  expect(first.prompt).toBe(previewText);
});

it('Inspect table virtualized for 1,319 rows', async () => {
  const page = await browser.newPage();
  await openEvaluate(page);
  const golds = readFileSync(GSM8K_TEST, 'utf8')
    .trim()
    .split('\n')
    .map((line) => (JSON.parse(line) as { answer: string }).answer.split('####')[1].trim());
  const path = join(files, 'all-outputs.jsonl');
  writeFileSync(path, golds.map((gold, i) => JSON.stringify({ id: i, output: `The answer is ${i % 4 === 0 ? gold : 'unknown'}.` })).join('\n'));
  await page.getByTestId('import-benchmark').selectOption({ label: 'GSM8K test (1,319 problems)' });
  await page.getByTestId('import-name').fill('whole split');
  await page.getByTestId('outputs-file').setInputFiles(path);
  await expect.poll(() => page.getByTestId('import-report').textContent(), { timeout: 60_000 }).toMatch(/1,319 problems/);

  await page.getByTestId('run-row').filter({ hasText: 'whole split' }).getByTestId('run-inspect').click();
  await page.getByTestId('inspect-run').waitFor({ timeout: 60_000 });
  await expect.poll(() => page.getByTestId('filter-count').textContent(), { timeout: 90_000 }).toBe('1,319 of 1,319 problems');
  expect(await page.getByTestId('problem-row').count()).toBeLessThan(60);
  await page.locator('.problem-scroll').evaluate((element) => element.scrollTo(0, element.scrollHeight));
  await expect.poll(() => page.getByTestId('problem-row').last().textContent()).toMatch(/^1319/);
  expect(await page.getByTestId('problem-row').count()).toBeLessThan(60);
});

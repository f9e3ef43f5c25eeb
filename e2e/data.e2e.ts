import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { SHARED_DATA } from '../test/cli.ts';
import { launchBrowser, screenshotPath, watchConsole } from './browser.ts';

let browser: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  browser = await launchBrowser();
  page = await browser.newPage();
  errors = watchConsole(page);
  await page.goto(`${inject('baseUrl')}#/data`);
  await page.getByTestId('page-data').waitFor({ timeout: 60_000 });
});
afterAll(async () => {
  await browser?.close();
});

/** Problems stored for a shard, counted straight from IndexedDB. */
function storedInDatabase(name: string): Promise<{ problems: number; stored: number; nextIndex: number; counted: number }> {
  return page.evaluate(
    (shardName) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('math-reasoning-workbench');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction(['synthShards', 'synthProblems'], 'readonly');
          const all = tx.objectStore('synthShards').getAll();
          all.onsuccess = () => {
            const shard = all.result.find((s: { name: string }) => s.name === shardName);
            const count = tx.objectStore('synthProblems').count(IDBKeyRange.bound([shard.id, -Infinity], [shard.id, Infinity]));
            count.onsuccess = () => {
              const counted = Object.values(shard.counts.method as Record<string, number>).reduce((a, b) => a + b, 0);
              resolve({ problems: count.result, stored: shard.stored, nextIndex: shard.nextIndex, counted });
              db.close();
            };
          };
        };
      }),
    name,
  );
}

function shardRow(name: string) {
  return page.getByTestId(`shard-${name}`);
}

it('creates a shard, resumes it after a reload and browses it', async () => {
  await page.getByTestId('shard-name').fill('e2e shard');
  await page.getByTestId('shard-size').fill('30000');
  await page.getByTestId('shard-seed').fill('7');
  await page.getByTestId('create-shard-button').click();

  // Reload while the run is in flight: the worker dies with the page mid-batch.
  const progress = shardRow('e2e shard').getByTestId('shard-progress');
  await expect.poll(async () => Number((await progress.textContent())?.match(/^([\d,]+) stored/)?.[1].replace(/,/g, '') ?? 0), { timeout: 120_000, interval: 100 }).toBeGreaterThan(0);
  await page.reload();
  await page.getByTestId('page-data').waitFor();
  const state = shardRow('e2e shard').getByTestId('shard-state');
  await expect.poll(() => state.textContent(), { timeout: 30_000 }).toMatch(/^interrupted/);

  const interrupted = await storedInDatabase('e2e shard');
  expect(interrupted.stored).toBeGreaterThan(0);
  expect(interrupted.stored).toBeLessThan(30_000);
  expect(interrupted.problems).toBe(interrupted.stored);
  expect(interrupted.counted).toBe(interrupted.stored);
  expect(interrupted.nextIndex).toBe(interrupted.stored);

  await shardRow('e2e shard').getByTestId('resume-shard').click();
  await expect.poll(() => state.textContent(), { timeout: 230_000, interval: 500 }).toMatch(/^complete/);
  const done = await storedInDatabase('e2e shard');
  expect(done).toEqual({ problems: 30_000, stored: 30_000, nextIndex: 30_000, counted: 30_000 });

  // Counts by method, stage and difficulty.
  await shardRow('e2e shard').getByRole('button', { name: 'e2e shard' }).click();
  const methods = page.getByTestId('counts-method');
  await expect.poll(() => methods.textContent()).toMatch(/backward7,500/);
  expect(await methods.textContent()).toMatch(/evol7,500.*plain7,500.*selfcorrect7,500/);
  expect(await page.getByTestId('counts-stage').textContent()).toMatch(/normal30,000/);
  expect(await page.getByTestId('counts-difficulty').locator('tbody tr').count()).toBeGreaterThanOrEqual(3);

  // Browse, search and filter.
  await expect.poll(() => page.getByTestId('match-count').textContent(), { timeout: 30_000 }).toBe('30,000 problems match');
  await expect.poll(() => page.getByTestId('problem-row').count()).toBeGreaterThan(3);
  await page.getByTestId('problem-search').fill('marbles');
  await page.getByTestId('problem-search-button').click();
  await expect.poll(async () => Number((await page.getByTestId('match-count').textContent())?.replace(/\D/g, '')), { timeout: 30_000 }).toBeLessThan(30_000);
  await expect.poll(() => page.getByTestId('problem-row').first().textContent()).toMatch(/marbles/i);
  await page.getByTestId('filter-method').selectOption('backward');
  await expect.poll(() => page.getByTestId('problem-row').first().textContent(), { timeout: 30_000 }).toMatch(/backward.*unknown variable X/s);
  await page.screenshot({ path: screenshotPath('data-browser.png'), fullPage: true });

  // Export as Alpaca JSONL.
  await page.getByTestId('export-format').selectOption('alpaca');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByTestId('export-button').click()]);
  const exported = readFileSync((await download.path())!, 'utf8').trim().split('\n');
  expect(exported).toHaveLength(30_000);
  expect(Object.keys(JSON.parse(exported[0]))).toEqual(expect.arrayContaining(['instruction', 'input', 'output', 'answer', 'method']));
  expect(errors).toEqual([]);
});

it('imports JSONL with a bad line and flags a test problem', async () => {
  const gsm8k = readFileSync(join(SHARED_DATA, 'gsm8k', 'test.jsonl'), 'utf8').split('\n');
  const file = join(tmpdir(), `mwb-e2e-import-${Date.now()}.jsonl`);
  writeFileSync(
    file,
    [
      JSON.stringify({ instruction: 'What is 2 + 3?', input: '', output: '2 + 3 = 5.\nThe answer is 5' }),
      '{"instruction": broken',
      gsm8k[5],
      JSON.stringify({ messages: [{ role: 'user', content: 'What is $\\frac{1}{2} + \\frac{1}{4}$?' }, { role: 'assistant', content: 'It is $\\boxed{\\frac{3}{4}}$.' }] }),
    ].join('\n'),
  );
  await page.getByTestId('import-file').setInputFiles(file);
  const report = page.getByTestId('import-report');
  await report.waitFor({ timeout: 60_000 });
  expect(await report.textContent()).toMatch(/Imported 3 problems/);
  expect(await page.getByTestId('import-errors').textContent()).toMatch(/Line 2: invalid JSON/);
  const rejected = page.getByTestId('rejected-items');
  await rejected.locator('summary').click();
  expect(await rejected.textContent()).toMatch(/1 rejected item.*#2 plain: line 2: invalid JSON/s);

  await page.getByTestId('decontam-files').setInputFiles(join(SHARED_DATA, 'gsm8k', 'test.jsonl'));
  await page.getByTestId('decontam-button').click();
  const decontam = page.getByTestId('decontam-report');
  await decontam.waitFor({ timeout: 60_000 });
  expect(await decontam.textContent()).toMatch(/1 of 3 problems flagged against 1,319 test problems/);
  expect(await decontam.locator('tbody tr').textContent()).toContain(JSON.parse(gsm8k[5]).question.slice(0, 40));
  await page.screenshot({ path: screenshotPath('data-decontam.png'), fullPage: true });
  expect(errors).toEqual([]);
});

/** An OpenAI-style server on 127.0.0.1 that answers the augmentation prompts for "What is 3 + 4?", with CORS for the page. */
async function startFakeModel(): Promise<{ url: string; close(): Promise<void>; requests: () => number }> {
  const { createServer } = await import('node:http');
  let requests = 0;
  const server = createServer((request, response) => {
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'content-type, authorization', 'access-control-allow-methods': 'POST, OPTIONS' };
    if (request.method === 'OPTIONS') return response.writeHead(204, cors).end();
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      requests++;
      const prompt: string = JSON.parse(body).messages[0].content;
      let content = '3 + 4 = 7.\nThe answer is 7';
      if (prompt.startsWith('Rewrite a math problem for backward')) content = 'Problem: What is X + 4? If we know the answer to the above question is 7, what is the value of unknown variable X?\nX: 3';
      else if (prompt.startsWith('Rewrite the following math problem into a harder one')) content = 'Problem: What is 30 + 40?';
      else if (prompt.includes('make one plausible mistake')) content = '3 + 4 = 8.\nChecking: 3 + 4 = 7, not 8.\nThe answer is 7';
      else if (prompt.includes('unknown variable X')) content = 'X + 4 = 7, so X = 3.\nThe answer is 3';
      else if (prompt.includes('30 + 40')) content = '30 + 40 = 70.\nThe answer is 70';
      else if (prompt.includes('Reply with the single word')) content = 'ready';
      response.writeHead(200, { ...cors, 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

it('augments seed problems through a remote endpoint', async () => {
  const model = await startFakeModel();
  try {
    const seeds = join(tmpdir(), `mwb-e2e-seeds-${Date.now()}.jsonl`);
    writeFileSync(seeds, [0, 1, 2].map(() => JSON.stringify({ question: 'What is 3 + 4?', answer: 'Add them: 3 + 4 = 7.\n#### 7' })).join('\n'));
    await page.getByTestId('endpoint-url').fill(model.url);
    await page.getByTestId('endpoint-model').fill('tiny-test-model');
    await page.getByTestId('endpoint-test').click();
    await expect.poll(() => page.getByTestId('endpoint-status').textContent(), { timeout: 30_000 }).toMatch(/The endpoint replied: ready/);

    await page.getByTestId('model-shard-name').fill('remote shard');
    await page.getByTestId('seed-file').setInputFiles(seeds);
    await page.getByTestId('samples-k').fill('2');
    await page.getByTestId('agreement').fill('2');
    await page.getByTestId('create-model-shard').click();
    const state = shardRow('remote shard').getByTestId('shard-state');
    await expect.poll(() => state.textContent(), { timeout: 60_000 }).toMatch(/^complete/);
    expect(await shardRow('remote shard').getByTestId('shard-progress').textContent()).toMatch(/^3 stored of 3 seeds/);
    const methods = await page.getByTestId('counts-method').textContent();
    expect(methods).toMatch(/backward1.*evol1.*selfcorrect1/);
    await expect.poll(() => page.getByTestId('problem-row').count(), { timeout: 30_000 }).toBe(3);
    await page.screenshot({ path: screenshotPath('data-remote.png'), fullPage: true });
    expect(await page.getByTestId('problem-list').textContent()).toMatch(/unknown variable X/);
    expect(model.requests()).toBeGreaterThanOrEqual(8);
    expect(errors).toEqual([]);
  } finally {
    await model.close();
  }
});

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../test/cli.ts';

/** Runs mwb without blocking this process, so the test's HTTP server can reply to it. */
function runMwbAsync(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'mwb.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

let server: Server;
let baseUrl: string;
let failing = false;
const auth: (string | undefined)[] = [];

beforeAll(async () => {
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      auth.push(request.headers.authorization);
      if (failing) return void response.writeHead(503).end('overloaded');
      const prompt: string = JSON.parse(body).messages[0].content;
      let content = '3 + 4 = 7.\nThe answer is 7';
      if (prompt.startsWith('Rewrite a math problem for backward')) content = 'Problem: What is X + 4? If we know the answer to the above question is 7, what is the value of unknown variable X?\nX: 3';
      else if (prompt.includes('unknown variable X')) content = 'X = 3.\nThe answer is 3';
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('mwb synth with a model endpoint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mwb-synth-model-'));
  const seeds = join(dir, 'seeds.jsonl');
  writeFileSync(seeds, ['{"question": "What is 3 + 4?", "answer": "3 + 4 = 7\\n#### 7"}', 'not json', '{"question": "What is 3 + 4?", "answer": "#### 7"}'].join('\n'));

  it('writes verified model-made items', async () => {
    failing = false;
    const out = join(dir, 'model.jsonl');
    const result = await runMwbAsync(
      ['synth', '--endpoint', baseUrl, '--model', 'tiny', '--api-key-env', 'MWB_TEST_KEY', '--seeds', seeds, '--stage', 'normal', '--methods', 'backward,plain', '--count', '5', '--seed', '1', '--k', '2', '--out', out],
      { MWB_TEST_KEY: 'secret-1' },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/seeds\.jsonl: skipped line 2: invalid JSON/);
    expect(result.stderr).toMatch(/wrote 2 items from seeds 0–1; 0 rejected; next --start 2/);
    const records = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(records.map((r) => [r.method, r.answer, r.generator])).toEqual([
      ['backward', '3', 'model'],
      ['plain', '7', 'model'],
    ]);
    expect(auth.every((a) => a === 'Bearer secret-1')).toBe(true);
  });

  it('stops after endpoint failures with the resume index', async () => {
    failing = true;
    const result = await runMwbAsync(['synth', '--endpoint', baseUrl, '--model', 'tiny', '--seeds', seeds, '--stage', 'normal', '--methods', 'plain', '--count', '2', '--seed', '1', '--max-failures', '1', '--retries', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/seed 0 .* rejected: endpoint failed: HTTP 503/);
    expect(result.stderr).toMatch(/stopped after 1 endpoint failures in a row; rerun with --start 0/);
  });

  it('names a missing key variable', async () => {
    const result = await runMwbAsync(['synth', '--endpoint', baseUrl, '--model', 'tiny', '--api-key-env', 'MWB_NO_SUCH_VAR', '--seeds', seeds, '--stage', 'normal', '--methods', 'plain', '--count', '1', '--seed', '1']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--api-key-env MWB_NO_SUCH_VAR: that environment variable is not set/);
  });
});

import 'fake-indexeddb/auto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WorkbenchDatabase } from '../db/database.ts';
import { projectGrader } from './augment/grader.ts';
import { augmentWithModel, type ModelAugmentOptions } from './augment/model.ts';
import { OpenAiCompatibleClient, parseRetryAfter, RemoteGenerationError } from './remote.ts';
import { createModelShard, runModelShard, seedFromRecord } from './store/model-run.ts';

type Handler = (prompt: string, request: IncomingMessage, response: ServerResponse) => void;

/** An OpenAI-style chat server on 127.0.0.1; each test sets `handler` to script its replies. */
let server: Server;
let baseUrl: string;
let handler: Handler;
const requests: { prompt: string; body: Record<string, unknown>; auth?: string }[] = [];

function reply(response: ServerResponse, content: string): void {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(JSON.stringify({ id: 'x', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }] }));
}

/** Answers the augmentation prompts about 3 + 4 like a small model would. */
const fakeModel: Handler = (prompt, _request, response) => {
  if (prompt.startsWith('Rewrite a math problem for backward')) return reply(response, 'Problem: What is X + 4? If we know the answer to the above question is 7, what is the value of unknown variable X?\nX: 3');
  if (prompt.startsWith('Rewrite the following math problem into a harder one')) return reply(response, 'Problem: What is 30 + 40?');
  if (prompt.includes('make one plausible mistake')) return reply(response, '3 + 4 = 8.\nChecking: 3 + 4 = 7, not 8.\nThe answer is 7');
  const problem = /Problem: (.*)/.exec(prompt)?.[1] ?? '';
  if (problem.includes('unknown variable X')) return reply(response, 'X + 4 = 7, so X = 3.\nThe answer is 3');
  if (problem.includes('30 + 40')) return reply(response, '30 + 40 = 70.\nThe answer is 70');
  return reply(response, '3 + 4 = 7.\nThe answer is 7');
};

beforeAll(async () => {
  server = createServer((request, response) => {
    let data = '';
    request.on('data', (chunk) => (data += chunk));
    request.on('end', () => {
      const body = JSON.parse(data || '{}');
      const prompt = body.messages?.[0]?.content ?? '';
      requests.push({ prompt, body, auth: request.headers.authorization });
      handler(prompt, request, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});
afterEach(() => {
  requests.length = 0;
});

const fast = { backoffMs: 5, maxBackoffMs: 50, timeoutMs: 2000 };

describe('OpenAiCompatibleClient', () => {
  it('sends a chat completion and returns the content', async () => {
    handler = fakeModel;
    const client = new OpenAiCompatibleClient({ baseUrl: `${baseUrl}/`, model: 'tiny', apiKey: 'k-123' }, fast);
    expect(await client.generate('What is 3 + 4?', { maxTokens: 64, temperature: 0.5, seed: 9, stop: ['\n\n'] })).toMatch(/The answer is 7/);
    expect(requests[0].body).toMatchObject({ model: 'tiny', max_tokens: 64, temperature: 0.5, seed: 9, stop: ['\n\n'] });
    expect(requests[0].auth).toBe('Bearer k-123');
  });

  it('retries 429, 500 and malformed bodies, then succeeds', async () => {
    const script = ['429', '500', 'not-json', 'no-content', 'ok'];
    handler = (prompt, request, response) => {
      const step = script.shift();
      if (step === '429') return response.writeHead(429, { 'retry-after': '0' }).end('slow down');
      if (step === '500') return response.writeHead(500).end('boom');
      if (step === 'not-json') return response.writeHead(200).end('<html>proxy error</html>');
      if (step === 'no-content') return response.writeHead(200, { 'content-type': 'application/json' }).end('{"choices": []}');
      fakeModel(prompt, request, response);
    };
    const retries: string[] = [];
    const client = new OpenAiCompatibleClient({ baseUrl, model: 'tiny' }, { ...fast, onRetry: (r) => retries.push(r.reason) });
    expect(await client.generate('What is 3 + 4?')).toMatch(/The answer is 7/);
    expect(retries).toHaveLength(4);
    expect(retries[0]).toMatch(/HTTP 429/);
    expect(retries[1]).toMatch(/HTTP 500/);
    expect(retries[2]).toMatch(/malformed reply .* not JSON/);
    expect(retries[3]).toMatch(/no choices\[0\]\.message\.content/);
  });

  it('gives up after the retries with the last reason', async () => {
    handler = (_prompt, _request, response) => void response.writeHead(503).end('overloaded');
    const client = new OpenAiCompatibleClient({ baseUrl, model: 'tiny' }, { ...fast, maxRetries: 2 });
    const error = await client.generate('x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteGenerationError);
    expect(error).toMatchObject({ kind: 'http', status: 503, attempts: 3 });
    expect((error as Error).message).toMatch(/HTTP 503 .* overloaded\. \(failed 3 attempts\)/);
    expect(requests).toHaveLength(3);
  });

  it('does not retry a wrong key', async () => {
    handler = (_prompt, _request, response) => void response.writeHead(401).end('invalid api key');
    const error = await new OpenAiCompatibleClient({ baseUrl, model: 'tiny', apiKey: 'bad' }, fast).generate('x').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'http', status: 401, attempts: 1 });
    expect((error as Error).message).toMatch(/Check the API key/);
    expect(requests).toHaveLength(1);
  });

  it('times out a slow reply and retries it', async () => {
    let calls = 0;
    handler = (prompt, request, response) => {
      if (calls++ === 0) return void setTimeout(() => fakeModel(prompt, request, response), 600);
      fakeModel(prompt, request, response);
    };
    const retries: string[] = [];
    const output = await new OpenAiCompatibleClient({ baseUrl, model: 'tiny' }, { ...fast, timeoutMs: 200, onRetry: (r) => retries.push(r.reason) }).generate('What is 3 + 4?');
    expect(output).toMatch(/The answer is 7/);
    expect(retries[0]).toMatch(/no reply .* within 200 ms/);
  });

  it('reports an unreachable server as a network failure', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await new OpenAiCompatibleClient({ baseUrl: `http://127.0.0.1:${port}/v1`, model: 'tiny' }, { ...fast, maxRetries: 1 }).generate('x').catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'network', attempts: 2 });
    expect((error as Error).message).toMatch(/cannot reach http:\/\/127\.0\.0\.1:\d+\/v1\/chat\/completions/);
  });

  it('validates the endpoint settings', () => {
    expect(() => new OpenAiCompatibleClient({ baseUrl: '127.0.0.1:8000', model: 'm' })).toThrow(/must start with http/);
    expect(() => new OpenAiCompatibleClient({ baseUrl: 'http://127.0.0.1:8000/v1', model: ' ' })).toThrow(/model name is missing/);
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(null)).toBeNull();
  });
});

const OPTIONS: ModelAugmentOptions = { method: 'plain', stage: 'normal', k: 3, minAgreement: 2, temperature: 0.7, maxTokens: 256, evolRounds: 2, seed: 1 };
const SEED = { id: 'seed-1', problem: 'What is 3 + 4?', answer: '7' };

describe('augmentWithModel', () => {
  it('builds and verifies items for every method', async () => {
    handler = fakeModel;
    const client = new OpenAiCompatibleClient({ baseUrl, model: 'tiny' }, fast);
    const plain = await augmentWithModel(SEED, 0, client, projectGrader, OPTIONS);
    expect(plain).toMatchObject({ item: { method: 'plain', answer: '7', generator: 'model', verification: 'verified', verificationDetail: '3 of 3 samples agree' } });
    const backward = await augmentWithModel(SEED, 1, client, projectGrader, { ...OPTIONS, method: 'backward' });
    expect(backward).toMatchObject({ item: { method: 'backward', answer: '3', problem: expect.stringMatching(/unknown variable X/) } });
    const evol = await augmentWithModel(SEED, 2, client, projectGrader, { ...OPTIONS, method: 'evol' });
    expect(evol).toMatchObject({ item: { method: 'evol', answer: '70', problem: 'What is 30 + 40?', meta: { operators: expect.any(Array) } } });
    const selfcorrect = await augmentWithModel(SEED, 3, client, projectGrader, { ...OPTIONS, method: 'selfcorrect' });
    expect(selfcorrect).toMatchObject({ item: { method: 'selfcorrect', answer: '7', solution: expect.stringMatching(/not 8/) } });
  });

  it('rejects disagreeing samples and a wrong majority', async () => {
    let n = 0;
    handler = (_prompt, _request, response) => reply(response, `The answer is ${[5, 6, 7][n++ % 3]}`);
    const client = new OpenAiCompatibleClient({ baseUrl, model: 'tiny' }, fast);
    expect(await augmentWithModel(SEED, 0, client, projectGrader, OPTIONS)).toMatchObject({ rejected: { reason: 'only 1 of 3 samples agree (need 2)', endpointFailure: false } });
    handler = (_prompt, _request, response) => reply(response, 'The answer is 8');
    expect(await augmentWithModel(SEED, 0, client, projectGrader, OPTIONS)).toMatchObject({ rejected: { reason: 'majority answer 8 differs from the reference 7' } });
    handler = (_prompt, _request, response) => reply(response, 'I will not rewrite it.');
    expect(await augmentWithModel(SEED, 0, client, projectGrader, { ...OPTIONS, method: 'backward' })).toMatchObject({ rejected: { reason: expect.stringMatching(/malformed rewrite/) } });
  });
});

describe('model shards', () => {
  it('pause when the endpoint is down and resume without losing items', async () => {
    const db = new WorkbenchDatabase(`model-shard-test-${crypto.randomUUID()}`);
    const seeds = Array.from({ length: 5 }, (_, i) => ({ ...SEED, id: `seed-${i}` }));
    const shard = await createModelShard(db, {
      name: 'remote',
      stage: 'normal',
      methods: ['plain', 'selfcorrect'],
      seed: 3,
      seeds,
      settings: { baseUrl, model: 'tiny', k: 2, minAgreement: 2, temperature: 0.7, maxTokens: 128, seedFile: 'seeds.jsonl', evolRounds: 1 },
    });
    const client = new OpenAiCompatibleClient({ baseUrl, model: 'tiny' }, { ...fast, maxRetries: 1 });
    let served = 0;
    handler = (prompt, request, response) => {
      // Serves two batches (a plain seed takes k = 2 requests, a self-correction seed 1), then fails like an overloaded gateway.
      if (served++ < 6) return fakeModel(prompt, request, response);
      response.writeHead(502).end('bad gateway');
    };
    const paused = await runModelShard(db, shard.id, client, projectGrader, { concurrency: 2 });
    expect(paused.status).toBe('paused');
    expect(paused.error).toMatch(/endpoint failed: HTTP 502 .*bad gateway\. \(failed 2 attempts\)\. Nothing from this batch was stored; press Resume to retry from seed 5/);
    expect(paused).toMatchObject({ stored: 4, nextIndex: 4 });

    handler = fakeModel;
    const done = await runModelShard(db, shard.id, client, projectGrader, { concurrency: 2 });
    expect(done).toMatchObject({ status: 'complete', stored: 5, rejected: 0, nextIndex: 5 });
    const problems = await db.synthProblems.where('[shardId+index]').between([shard.id, 0], [shard.id, 10]).toArray();
    expect(problems.map((p) => p.method)).toEqual(['plain', 'selfcorrect', 'plain', 'selfcorrect', 'plain']);
    await db.delete();
  });

  it('read seeds from GSM8K and MATH records', () => {
    expect(seedFromRecord({ question: 'Q', answer: 'work\n#### 1,200' }, 1)).toEqual({ id: 'line 1', problem: 'Q', answer: '1,200' });
    expect(seedFromRecord({ problem: 'P', solution: 'so $\\boxed{\\frac{1}{2}}$', unique_id: 'train/x/1.json' }, 2)).toEqual({ id: 'train/x/1.json', problem: 'P', answer: '\\frac{1}{2}' });
    expect(seedFromRecord({ text: 'no' }, 3)).toMatch(/line 3: expected a "question", "problem" or "instruction"/);
  });
});

import { describe, expect, it } from 'vitest';
import { detectFormat, readOutputLine } from './import-formats.ts';

const VLLM_BATCH = {
  id: 'vllm-1',
  custom_id: 'test/algebra/1.json',
  response: {
    status_code: 200,
    request_id: 'r1',
    body: { choices: [{ index: 0, message: { role: 'assistant', content: 'So $\\boxed{2}$.' }, finish_reason: 'stop' }], usage: { completion_tokens: 17 } },
  },
  error: null,
};

const LM_EVAL = {
  doc_id: 3,
  doc: { question: 'How many eggs?', answer: '... #### 18' },
  target: '18',
  arguments: { gen_args_0: { arg_0: 'Question: How many eggs?\nAnswer:', arg_1: { until: ['Question:'] } } },
  resps: [['She sells 9 eggs. The answer is 18.', 'The answer is 17.']],
  filtered_resps: ['18'],
  filter: 'strict-match',
  metrics: ['exact_match'],
  exact_match: 1,
};

describe('output formats', () => {
  it('detects each format from its fields', () => {
    expect(detectFormat({ id: 1, output: 'x' })).toBe('generic');
    expect(detectFormat({ problem: 'p', outputs: ['a', 'b'] })).toBe('generic');
    expect(detectFormat(VLLM_BATCH)).toBe('vllm-batch');
    expect(detectFormat({ request_id: '0', prompt: 'p', outputs: [{ text: 't', token_ids: [1, 2] }] })).toBe('vllm-offline');
    expect(detectFormat(LM_EVAL)).toBe('lm-eval');
    expect(detectFormat({ question: 'q', answer: 'a' })).toBeNull();
  });

  it('reads generic lines with several outputs and token counts', () => {
    const read = readOutputLine({ id: 7, problem: 'p', output: ['a', 'b'], tokens: [3, 4], ms: 120 }, 'generic');
    expect(read).toEqual({
      ok: true,
      line: {
        keys: { ids: ['7'], texts: ['p'] },
        prompt: '',
        ms: 120,
        outputs: [
          { text: 'a', tokens: 3, stopReason: 'unknown' },
          { text: 'b', tokens: 4, stopReason: 'unknown' },
        ],
      },
    });
  });

  it('rejects generic lines without output or key', () => {
    expect(readOutputLine({ id: 1, output: 5 }, 'generic')).toMatchObject({ ok: false, error: expect.stringMatching(/"output" must be a string/) });
    expect(readOutputLine({ output: 'x' }, 'generic')).toMatchObject({ ok: false, error: expect.stringMatching(/no "id", "problem"/) });
  });

  it('reads vLLM batch outputs and their failures', () => {
    const read = readOutputLine(VLLM_BATCH, 'vllm-batch');
    expect(read).toMatchObject({ ok: true, line: { keys: { ids: ['test/algebra/1.json'] }, outputs: [{ text: 'So $\\boxed{2}$.', tokens: 17, stopReason: 'stop' }] } });
    expect(readOutputLine({ ...VLLM_BATCH, response: null, error: { message: 'boom' } }, 'vllm-batch')).toMatchObject({ ok: false, error: expect.stringMatching(/failed: .*boom/) });
    expect(readOutputLine({ ...VLLM_BATCH, response: { status_code: 400, body: null } }, 'vllm-batch')).toMatchObject({ ok: false, error: expect.stringMatching(/HTTP status 400/) });
  });

  it('reads vLLM RequestOutput lines', () => {
    const read = readOutputLine({ request_id: '5', prompt: 'Q: x', outputs: [{ text: 'A', token_ids: [1, 2, 3], finish_reason: 'length' }] }, 'vllm-offline');
    expect(read).toMatchObject({ ok: true, line: { keys: { ids: ['5'], prompt: 'Q: x' }, outputs: [{ text: 'A', tokens: 3, stopReason: 'length' }] } });
  });

  it('reads lm-evaluation-harness samples with repeats and both argument layouts', () => {
    const read = readOutputLine(LM_EVAL, 'lm-eval');
    expect(read).toMatchObject({
      ok: true,
      line: { keys: { texts: ['How many eggs?'], docId: 3, prompt: 'Question: How many eggs?\nAnswer:' }, outputs: [{ text: 'She sells 9 eggs. The answer is 18.' }, { text: 'The answer is 17.' }] },
    });
    const older = readOutputLine({ ...LM_EVAL, arguments: [['old prompt', { until: [] }]] }, 'lm-eval');
    expect(older).toMatchObject({ ok: true, line: { prompt: 'old prompt' } });
    expect(readOutputLine({ ...LM_EVAL, resps: [[[-1.5, false]]] }, 'lm-eval')).toMatchObject({ ok: false, error: expect.stringMatching(/no generated text/) });
  });
});

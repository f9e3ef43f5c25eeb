import { describe, expect, it } from 'vitest';
import type { BenchmarkProblemRecord } from '../db/eval.ts';
import {
  ALPACA_COT_TEXT,
  builtinTemplate,
  cleanGsm8kSolution,
  renderMessages,
  renderPrompt,
  selectExemplars,
  validateTemplate,
  type ChatMessage,
  type ResolvedExemplar,
} from './templates.ts';

function problem(index: number, text: string, solution: string, gold: string): BenchmarkProblemRecord {
  return { benchmarkId: 'b', index, problemId: String(index), line: index + 1, problem: text, solution, gold };
}

const EXEMPLARS: ResolvedExemplar[] = [
  { problemId: 'a', problem: 'What is 1+1?', solution: '1+1 = 2.', answer: '2' },
  { problemId: 'b', problem: 'What is 2+3?', solution: '2+3 = 5.', answer: '5' },
];

describe('prompt templates', () => {
  it('renders the Skywork-Math zero-shot CoT prompt exactly', () => {
    const prompt = renderPrompt(builtinTemplate('alpaca-cot'), 'What is $2+2$?');
    expect(prompt).toBe(
      'Below is an instruction that describes a task. Write a response that appropriately completes the request.\n\n' +
        "### Instruction:\nWhat is $2+2$?\n\n### Response: Let's think step by step.",
    );
    expect(ALPACA_COT_TEXT.endsWith("### Response: Let's think step by step.")).toBe(true);
  });

  it('inserts problem text literally, placeholders and $ patterns included', () => {
    const text = 'Cost is $$& {problem} $1 {answer}';
    const prompt = renderPrompt(builtinTemplate('alpaca-cot'), text);
    expect(prompt).toContain(`### Instruction:\n${text}\n\n`);
  });

  it('renders few-shot exemplars before the question', () => {
    const template = builtinTemplate('gsm8k-8shot');
    template.fewShot!.count = 2;
    const prompt = renderPrompt(template, 'How many?', EXEMPLARS);
    expect(prompt).toBe('Question: What is 1+1?\nAnswer: 1+1 = 2. The answer is 2.\n\nQuestion: What is 2+3?\nAnswer: 2+3 = 5. The answer is 5.\n\nQuestion: How many?\nAnswer:');
  });

  it('writes Minerva-style MATH exemplars', () => {
    const template = builtinTemplate('math-4shot');
    const prompt = renderPrompt(template, 'Find $x$.', EXEMPLARS.slice(0, 1));
    expect(prompt).toBe(
      'Problem:\nWhat is 1+1?\n\nSolution:\n1+1 = 2.\nFinal Answer: The final answer is $2$. I hope it is correct.\n\nProblem:\nFind $x$.\n\nSolution:',
    );
  });

  it('ignores exemplars for a zero-shot template', () => {
    expect(renderPrompt(builtinTemplate('alpaca-cot'), 'Q', EXEMPLARS)).not.toContain('1+1');
  });

  it('chat templates need renderChat and pass messages to it', () => {
    const template = builtinTemplate('chat-boxed');
    expect(() => renderPrompt(template, 'Q')).toThrow(/needs a loaded model/);
    let seen: { messages: ChatMessage[]; addGenerationPrompt: boolean } | null = null;
    const prompt = renderPrompt(template, 'What is 3+4?', [], (messages, addGenerationPrompt) => {
      seen = { messages, addGenerationPrompt };
      return messages.map((m) => `<${m.role}>${m.content}`).join('') + '<assistant>';
    });
    expect(seen!.addGenerationPrompt).toBe(true);
    expect(seen!.messages).toEqual([{ role: 'user', content: 'What is 3+4?\n\nSolve the problem step by step, then write the final answer inside \\boxed{}.' }]);
    expect(prompt.endsWith('<assistant>')).toBe(true);
  });

  it('chat few-shot turns exemplars into earlier turns', () => {
    const template = { ...builtinTemplate('chat-boxed'), system: 'You are careful.', fewShot: { count: 2, seed: 0, exemplar: '{problem} {answer}', separator: '\n\n' } };
    const messages = renderMessages(template, 'Q?', EXEMPLARS);
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user', 'assistant', 'user']);
    expect(messages[2].content).toContain('\\boxed{2}');
    expect(messages[5].content.startsWith('Q?')).toBe(true);
  });

  it('validateTemplate names each problem', () => {
    expect(validateTemplate(builtinTemplate('math-4shot'))).toEqual([]);
    const broken = { ...builtinTemplate('gsm8k-8shot'), name: ' ', text: 'no placeholder', stop: [''] };
    broken.fewShot = { ...broken.fewShot!, count: 0, exemplar: 'only {solution}' };
    const problems = validateTemplate(broken);
    expect(problems).toHaveLength(5);
    expect(problems.join(' ')).toMatch(/name/);
    expect(problems.join(' ')).toMatch(/\{problem\}, where/);
    expect(problems.join(' ')).toMatch(/from 1 to 32, got 0/);
    expect(problems.join(' ')).toMatch(/exemplar text must contain/);
    expect(problems.join(' ')).toMatch(/Stop sequences/);
  });
});

describe('selectExemplars', () => {
  const pool = Array.from({ length: 50 }, (_, i) => problem(i, `Problem ${i}?`, `Work ${i} <<${i}*1=${i}>>${i}\n#### ${i}`, String(i)));

  it('is deterministic for a seed and differs across seeds', () => {
    const a = selectExemplars(pool, 'gsm8k', { count: 8, seed: 0 });
    const b = selectExemplars(pool, 'gsm8k', { count: 8, seed: 0 });
    const c = selectExemplars(pool, 'gsm8k', { count: 8, seed: 1 });
    expect(a).toEqual(b);
    expect(a.map((e) => e.problemId)).not.toEqual(c.map((e) => e.problemId));
    expect(new Set(a.map((e) => e.problemId)).size).toBe(8);
  });

  it('cleans GSM8K solutions of annotations and the #### line', () => {
    const [exemplar] = selectExemplars(pool, 'gsm8k', { count: 1, seed: 3 });
    expect(exemplar.solution).not.toMatch(/<<|####/);
    expect(exemplar.solution).toBe(`Work ${exemplar.problemId} ${exemplar.problemId}`);
    expect(exemplar.answer).toBe(exemplar.problemId);
    expect(cleanGsm8kSolution('a = <<1+1=2>>2\nb\n#### 2')).toBe('a = 2\nb');
  });

  it('passes over long and solution-less problems', () => {
    const mixed = [problem(0, 'short', 'ok', '1'), problem(1, 'x'.repeat(2000), 'long', '2'), { ...problem(2, 'no solution', '', '3'), solution: undefined }];
    expect(selectExemplars(mixed, 'math', { count: 1, seed: 0 }).map((e) => e.problemId)).toEqual(['0']);
    expect(() => selectExemplars(mixed, 'math', { count: 2, seed: 0 })).toThrow(/Only 1 of 3 problems can serve as exemplars.*2 are needed/);
  });
});

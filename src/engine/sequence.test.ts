/** SequenceText: end-of-generation tokens, stop strings split across tokens, limits and streaming. */
import { describe, expect, it } from 'vitest';
import type { TokenStreamDecoder } from '../model/tokenizer/tokenizer.ts';
import { SequenceText, type SequenceLimits } from './sequence.ts';

/** Token id i decodes to PIECES[i]; id 9 is the end-of-generation token. */
const PIECES = ['The', ' answer', ' is', ' 4', '2', '.', '\n', '##', '#', '<eos>'];
const EOS = 9;

function sequence(limits: Partial<SequenceLimits>, promptLength = 3): { text: SequenceText; streamed: string[] } {
  const decoder = { push: (id: number) => PIECES[id], flush: () => '' } as unknown as TokenStreamDecoder;
  const text = new SequenceText(decoder, (id) => id === EOS, { maxTokens: 100, stop: [], contextLength: 1000, ...limits }, promptLength);
  return { text, streamed: [] };
}

function feed(state: { text: SequenceText; streamed: string[] }, tokens: number[]): void {
  for (const token of tokens) {
    if (state.text.finished) break;
    state.streamed.push(state.text.push(token));
  }
  if (state.text.finished) state.streamed.push(state.text.flushPiece());
}

describe('SequenceText', () => {
  it('end-of-generation token ends without its text', () => {
    const state = sequence({});
    feed(state, [0, 1, 2, 3, EOS, 5]);
    expect(state.text.stopReason).toBe('eos');
    expect(state.text.text).toBe('The answer is 4');
    expect(state.text.tokens).toEqual([0, 1, 2, 3]);
    expect(state.streamed.join('')).toBe('The answer is 4');
  });

  it('stop string across tokens is cut and never streamed', () => {
    const state = sequence({ stop: ['\n###'] });
    feed(state, [0, 1, 2, 3, 6, 7, 8, 4]);
    expect(state.text.stopReason).toBe('stop');
    expect(state.text.text).toBe('The answer is 4');
    expect(state.streamed.join('')).toBe('The answer is 4');
    // Text that could start the stop string is held back until it is decided.
    expect(state.streamed.some((piece) => piece.includes('\n'))).toBe(false);
  });

  it('held-back text is streamed once it cannot match', () => {
    const state = sequence({ stop: ['\n###'], maxTokens: 6 });
    feed(state, [0, 1, 6, 2, 3, 5]);
    expect(state.text.stopReason).toBe('length');
    expect(state.streamed.join('')).toBe('The answer\n is 4.');
  });

  it('token limit and zero tokens', () => {
    const limited = sequence({ maxTokens: 2 });
    feed(limited, [0, 1, 2]);
    expect(limited.text.stopReason).toBe('length');
    expect(limited.text.tokens).toEqual([0, 1]);
    expect(sequence({ maxTokens: 0 }).text.stopReason).toBe('length');
  });

  it('context end stops after the last token that fits', () => {
    // Prompt 3 + tokens fed back must stay within 6 positions: the 4th token is sampled but never fed.
    const state = sequence({ contextLength: 6 });
    feed(state, [0, 1, 2, 3, 4]);
    expect(state.text.stopReason).toBe('context');
    expect(state.text.tokens).toEqual([0, 1, 2, 3]);
  });
});

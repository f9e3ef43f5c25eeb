import { describe, expect, it } from 'vitest';
import { checkModelFileName, fileNameFromUrl } from './model-files.ts';

describe('model file names', () => {
  it('URLs give their last path segment as a .gguf name', () => {
    expect(fileNameFromUrl('https://host/x/Model-Q4_0.gguf?download=1')).toBe('Model-Q4_0.gguf');
    expect(fileNameFromUrl('https://host/get/123')).toBe('123.gguf');
    expect(fileNameFromUrl('https://host/')).toBe('model.gguf');
    expect(fileNameFromUrl('https://host/a%20b.gguf')).toBe('a b.gguf');
    expect(() => fileNameFromUrl('not a url')).toThrow(/"not a url" is not a valid URL/);
  });

  it('cache names are plain .gguf names', () => {
    expect(checkModelFileName(' tiny.gguf ')).toBe('tiny.gguf');
    expect(() => checkModelFileName('../x.gguf')).toThrow(/not a valid model file name/);
    expect(() => checkModelFileName('model.bin')).toThrow(/does not end in \.gguf/);
  });
});

import { describe, expect, it } from 'vitest';
import { DEMO_SPEC } from '../../../scaling/experiment/demo.ts';
import { ExperimentSpecError, resolveSpec } from '../../../scaling/experiment/spec.ts';
import { formFromSpec, specFromForm } from './experiment-form.ts';

describe('experiment form', () => {
  it('round-trips the demo preset', () => {
    const form = formFromSpec(DEMO_SPEC);
    expect(form.sizes).toBe('1000, 2000, 4000');
    expect(form.normalDifficulty).toBe('1');
    expect(form.layers).toBe('2');
    expect(resolveSpec(specFromForm(form))).toEqual(resolveSpec(DEMO_SPEC));
  });

  it('reads level ranges and lists', () => {
    const form = { ...formFromSpec(DEMO_SPEC), sizes: '100 200,400', seeds: '1, 2', hardDifficulty: '3-5', benchmarkId: 'b1', benchmarkKind: 'math' as const, benchmarkLimit: '50' };
    const spec = resolveSpec(specFromForm(form));
    expect(spec.sizes).toEqual([100, 200, 400]);
    expect(spec.seeds).toEqual([1, 2]);
    expect(spec.data.hardDifficulty).toEqual([3, 5]);
    expect(spec.benchmark).toEqual({ kind: 'math', id: 'b1', limit: 50 });
  });

  it('passes text on so the check names the field', () => {
    const form = { ...formFromSpec(DEMO_SPEC), sizes: '500, lots' };
    expect(() => resolveSpec(specFromForm(form))).toThrow(ExperimentSpecError);
    expect(() => resolveSpec(specFromForm(form))).toThrow(/field "sizes\[1\]": expected an integer from 1 to 200000, got "lots"/);
    const empty = { ...formFromSpec(DEMO_SPEC), epochs: '' };
    expect(() => resolveSpec(specFromForm(empty))).toThrow(/field "epochs"/);
    const layers = { ...formFromSpec(DEMO_SPEC), layers: 'two' };
    expect(() => resolveSpec(specFromForm(layers))).toThrow(/field "model.blockCount"/);
  });

  it('leaves layers blank for the preset', () => {
    const form = { ...formFromSpec(DEMO_SPEC), preset: 'tiny', layers: '' };
    expect(resolveSpec(specFromForm(form)).model.blockCount).toBe(2);
    expect(formFromSpec(specFromForm({ ...form, preset: 'mini' })).layers).toBe('');
    expect(resolveSpec(specFromForm({ ...form, preset: 'mini', layers: '3' })).model.blockCount).toBe(3);
  });
});

import { describe, expect, it } from 'vitest';
import { runMwb } from '../../test/cli.ts';

describe('mwb CLI', () => {
  it('lists commands with --help', () => {
    const result = runMwb(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/gpu\s+show the WebGPU adapter/);
  });

  it('rejects an unknown command with exit 1', () => {
    const result = runMwb(['no-such-command']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/unknown command "no-such-command"/);
  });

  it('gpu --json prints adapter, features and limits', () => {
    const result = runMwb(['gpu', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.adapter.vendor).toBeTypeOf('string');
    expect(json.adapter.isFallbackAdapter).toBeTypeOf('boolean');
    expect(json.features).toContain('shader-f16');
    expect(json.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
  });

  it('gpu rejects unknown options and names them', () => {
    const result = runMwb(['gpu', '--frobnicate']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--frobnicate/);
  });

  it('exits 2 with instructions when there is no adapter', () => {
    const result = runMwb(['gpu'], { VK_ICD_FILENAMES: '/nonexistent/icd.json' });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/WebGPU is not available/);
    expect(result.stderr).toMatch(/mesa-vulkan-drivers/);
  });

  it('gpu --selftest passes every kernel', () => {
    const result = runMwb(['gpu', '--selftest', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const rows = JSON.parse(result.stdout).selftest as { pass: boolean; message: string }[];
    expect(rows.length).toBeGreaterThanOrEqual(9);
    expect(rows.filter((r) => !r.pass).map((r) => r.message)).toEqual([]);
  });
});

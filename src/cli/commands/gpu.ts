/** `mwb gpu`: the WebGPU adapter, its features and limits; `--selftest` runs every kernel against its reference. */
import { acquireGpu } from '../../gpu/session.ts';
import { runSelfTest } from '../../kernels/selftest.ts';
import { dequantize } from '../../model/quant/index.ts';
import { parseCommandArgs, printJson, type Command } from '../command.ts';

export const gpuCommand: Command = {
  name: 'gpu',
  summary: 'show the WebGPU adapter, features and limits (--selftest checks every kernel)',
  usage: `mwb gpu [--json] [--selftest]

Prints the adapter Node's WebGPU (Dawn) finds: vendor, architecture, whether it is a fallback
(software) adapter, the features enabled on the device and its limits.

Options:
  --json       print one JSON object: {adapter: {...}, features: [...], limits: {...}[, selftest: [...]]}
  --selftest   run every kernel on random inputs against its TypeScript reference`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, selftest: { type: 'boolean' } }, false);
    const ctx = await acquireGpu();
    const s = ctx.summary;
    const adapter = { vendor: s.vendor, architecture: s.architecture, device: s.device, description: s.description, isFallbackAdapter: s.isFallbackAdapter };
    const selftest = values.selftest ? await runSelfTest(ctx, undefined, { dequantize }) : undefined;
    if (values.json) {
      printJson({ adapter, adapterFeatures: s.adapterFeatures, features: s.features, limits: s.limits, ...(selftest ? { selftest } : {}) });
    } else {
      console.log(`adapter       ${s.vendor || '(unknown vendor)'} / ${s.architecture || '(unknown architecture)'}${s.description ? ` (${s.description})` : ''}`);
      console.log(`fallback      ${s.isFallbackAdapter ? 'yes (software adapter)' : 'no'}`);
      console.log(`features      ${s.features.join(', ') || '(none)'}`);
      console.log(`offered       ${s.adapterFeatures.join(', ')}`);
      console.log('limits');
      for (const [name, value] of Object.entries(s.limits).sort()) console.log(`  ${name.padEnd(44)} ${value}`);
      if (selftest) {
        console.log('self-test');
        for (const row of selftest) {
          const rate = Number.isFinite(row.rate) ? `${row.rate.toFixed(3)} ${row.rateUnit}` : '';
          console.log(`  ${row.pass ? 'pass' : 'FAIL'}  ${`${row.kernel} ${row.dtype}`.padEnd(24)} ${row.shape.padEnd(18)} ${row.ms.toFixed(2).padStart(9)} ms  ${rate}`);
          if (!row.pass) console.log(`        ${row.message}`);
        }
      }
    }
    return selftest && selftest.some((row) => !row.pass) ? 1 : 0;
  },
};

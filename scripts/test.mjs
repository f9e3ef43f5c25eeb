// `npm test`: installs what is missing, then type-checks, runs the unit tests on the real WebGPU
// adapter in Node, builds the app and runs the browser tests in headless Chromium.
// Options: --unit (unit tests only), --e2e (browser tests only), --heavy (the opt-in 7B-shape suite).
import { existsSync } from 'node:fs';
import { ensureNodeModules, headlessEnv, root, run } from './common.mjs';
import { join } from 'node:path';

const args = new Set(process.argv.slice(2));
const unitOnly = args.has('--unit');
const e2eOnly = args.has('--e2e');
const heavy = args.has('--heavy');

ensureNodeModules();

const lavapipe = existsSync('/usr/share/vulkan/icd.d/lvp_icd.json');
const chromium = existsSync(process.env.MWB_CHROMIUM ?? '/usr/bin/chromium');
if (!lavapipe || !chromium) {
  const missing = [!lavapipe && 'Mesa 25 lavapipe (mesa-vulkan-drivers from bookworm-backports)', !chromium && 'Chromium (chromium)'].filter(Boolean).join(' and ');
  if (process.getuid?.() === 0) {
    console.log(`Installing ${missing}…`);
    const { code } = run('bash', [join(root, 'scripts/install-system-deps.sh')]);
    if (code !== 0) process.exit(code);
  } else {
    console.error(
      `Missing system packages: ${missing}.\n` +
        'Tests run real WebGPU on software adapters and never skip. On Debian 12 install them with\n' +
        '  sudo bash scripts/install-system-deps.sh\n' +
        'Elsewhere: a Vulkan driver for Node (Mesa 25+ lavapipe works) and Chromium 113+ (set MWB_CHROMIUM to its path).',
    );
    process.exit(1);
  }
}

const env = headlessEnv();
const steps = [];
if (heavy) {
  steps.push(['heavy suite (7B-shape files, long sweeps)', ['node_modules/vitest/vitest.mjs', 'run', '--config', 'test/heavy.config.ts']]);
} else {
  if (!e2eOnly) {
    steps.push(['type check', ['node_modules/typescript/bin/tsc', '-p', '.']]);
    steps.push(['unit tests (Node, WebGPU on lavapipe)', ['node_modules/vitest/vitest.mjs', 'run']]);
  }
  if (!unitOnly) {
    steps.push(['build', ['node_modules/vite/bin/vite.js', 'build', '--logLevel', 'warn']]);
    steps.push(['browser tests (Chromium, WebGPU on SwiftShader)', ['node_modules/vitest/vitest.mjs', 'run', '--config', 'e2e/vitest.config.ts']]);
  }
}

const timings = [];
for (const [name, command] of steps) {
  console.log(`\n=== ${name} ===`);
  const { code, seconds } = run(process.execPath, command, { env });
  timings.push(`${name}: ${seconds} s${code === 0 ? '' : ` (exit ${code})`}`);
  if (code !== 0) {
    console.error(`\n${name} failed.\n${timings.join('\n')}`);
    process.exit(code);
  }
}
console.log(`\nAll steps passed.\n${timings.join('\n')}`);

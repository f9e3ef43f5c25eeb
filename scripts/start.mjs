// `npm start`: installs npm packages if needed, builds the app and serves it on http://127.0.0.1:5173.
import { spawn } from 'node:child_process';
import { ensureNodeModules, root, run } from './common.mjs';
import { join } from 'node:path';

ensureNodeModules();
console.log('Building the workbench…');
const build = run(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn']);
if (build.code !== 0) process.exit(build.code);

const port = process.env.PORT ?? '5173';
console.log(`
Math Reasoning Workbench: http://127.0.0.1:${port}/

Open it in a browser with WebGPU:
  - Chrome or Edge 113+ (Windows, macOS, ChromeOS; on Linux start it with --enable-unsafe-webgpu)
  - Safari 26+ (macOS, iOS)
  - Firefox 141+ (Windows; elsewhere set dom.webgpu.enabled in about:config)
No GPU: Chromium runs WebGPU on its SwiftShader software adapter with --enable-unsafe-webgpu.
Press Ctrl+C to stop.
`);
const server = spawn(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'preview', '--host', '127.0.0.1', '--port', port, '--strictPort'], {
  cwd: root,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code) => process.exit(code ?? 0));

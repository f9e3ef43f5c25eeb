/** Errors raised by the GPU runtime. Each message says what failed and what to do next. */

export const WEBGPU_HELP = [
  'How to get WebGPU:',
  '- Chrome or Edge 113+ on Windows, macOS and ChromeOS: on by default. On Linux, start Chrome with',
  '  --enable-unsafe-webgpu (and --enable-features=Vulkan if no adapter is found).',
  '- Safari 26+ on macOS and iOS: on by default.',
  '- Firefox 141+ on Windows: on by default; elsewhere set dom.webgpu.enabled to true in about:config.',
  '- No GPU at all: Chromium runs WebGPU on its SwiftShader software adapter with --enable-unsafe-webgpu;',
  '  Node (the mwb CLI and tests) uses Mesa lavapipe: install mesa-vulkan-drivers 25 or newer',
  '  (Debian 12: from bookworm-backports).',
].join('\n');

/** navigator.gpu is missing or no adapter was returned. */
export class GpuUnavailableError extends Error {
  constructor(public readonly reason: string) {
    super(`WebGPU is not available: ${reason}\n${WEBGPU_HELP}`);
    this.name = 'GpuUnavailableError';
  }
}

/** The adapter offers less of a limit than the workload needs. */
export class GpuLimitError extends Error {
  constructor(
    public readonly limit: string,
    public readonly needed: number,
    public readonly available: number,
  ) {
    super(
      `The GPU adapter's ${limit} is ${available}, but ${needed} is needed. ` +
        'Use a smaller model, context or batch, or a GPU with a higher limit.',
    );
    this.name = 'GpuLimitError';
  }
}

/** The device was lost (driver reset, out of memory, destroy()). The next request re-creates it. */
export class DeviceLostError extends Error {
  constructor(public readonly lostReason: string, detail: string) {
    super(`The GPU device was lost (${lostReason}): ${detail || 'no detail given'}. The next action re-creates the device.`);
    this.name = 'DeviceLostError';
  }
}

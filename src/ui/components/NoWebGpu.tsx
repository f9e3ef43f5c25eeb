import { WEBGPU_HELP } from '../../gpu/errors.ts';

/** Shown instead of a page when the browser has no WebGPU or no adapter. */
export function NoWebGpu({ reason }: { reason: string }) {
  return (
    <section className="panel error-panel" role="alert" data-testid="no-webgpu">
      <h1>WebGPU is not available</h1>
      <p>{reason}</p>
      <p>The workbench runs models, training and kernels on the GPU through WebGPU, so it needs a browser and adapter that provide it.</p>
      <pre className="help">{WEBGPU_HELP}</pre>
    </section>
  );
}

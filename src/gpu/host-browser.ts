/** Browser host: navigator.gpu and WGSL bundled by Vite as text. */
import { setShaderLoader } from './shader-source.ts';
import { setGpuProvider } from './session.ts';

const sources = import.meta.glob('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;
const byName = new Map(Object.entries(sources).map(([path, text]) => [path.replace(/^.*\/(.+)\.wgsl$/, '$1'), text]));

export function useBrowserGpu(): void {
  setShaderLoader((name) => {
    const text = byName.get(name);
    if (text === undefined) throw new Error(`Shader "${name}" is not in the bundle (known: ${[...byName.keys()].join(', ')}).`);
    return text;
  });
  setGpuProvider(() => (typeof navigator !== 'undefined' ? navigator.gpu : undefined));
}

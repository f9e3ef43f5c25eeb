/**
 * WGSL source lookup and a small preprocessor shared by the browser and Node.
 * The browser registers sources imported as text through Vite, Node reads shaders/ from disk;
 * kernels only call getShaderSource(name).
 */

export type ShaderLoader = (name: string) => string;

let loader: ShaderLoader | null = null;
const cache = new Map<string, string>();

export function setShaderLoader(next: ShaderLoader): void {
  loader = next;
  cache.clear();
}

export function getShaderSource(name: string): string {
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  if (!loader) throw new Error(`No WGSL loader is registered, so shader "${name}" cannot be read. Call useNodeGpu() or useBrowserGpu() first.`);
  const text = loader(name);
  cache.set(name, text);
  return text;
}

export type ShaderDefines = Record<string, string | number | boolean>;

/**
 * Expands `#if NAME` / `#else` / `#endif` lines (NAME is true when defined and not false/0)
 * and replaces `{{NAME}}` with the define's value. Nothing else is changed.
 */
export function preprocessWgsl(source: string, defines: ShaderDefines, fileName = 'shader'): string {
  const out: string[] = [];
  const stack: { active: boolean; parentActive: boolean; sawElse: boolean }[] = [];
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const directive = /^\s*#(if|else|endif)\b\s*(!?)(\w*)/.exec(line);
    const parentActive = stack.length === 0 || stack[stack.length - 1].active;
    if (directive) {
      const [, kind, negate, name] = directive;
      if (kind === 'if') {
        if (!name) throw new Error(`${fileName}.wgsl line ${i + 1}: #if needs a define name`);
        const value = defines[name];
        let truth = value !== undefined && value !== false && value !== 0 && value !== '0';
        if (negate) truth = !truth;
        stack.push({ active: parentActive && truth, parentActive, sawElse: false });
      } else if (kind === 'else') {
        const top = stack[stack.length - 1];
        if (!top || top.sawElse) throw new Error(`${fileName}.wgsl line ${i + 1}: #else without a matching #if`);
        top.sawElse = true;
        top.active = top.parentActive && !top.active;
      } else {
        if (!stack.pop()) throw new Error(`${fileName}.wgsl line ${i + 1}: #endif without a matching #if`);
      }
      out.push('');
      continue;
    }
    out.push(parentActive ? line : '');
  }
  if (stack.length) throw new Error(`${fileName}.wgsl: ${stack.length} #if block(s) are not closed with #endif`);
  return out.join('\n').replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in defines)) throw new Error(`${fileName}.wgsl uses {{${name}}} but no value was given for it`);
    return String(defines[name]);
  });
}

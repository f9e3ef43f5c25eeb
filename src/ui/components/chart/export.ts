/**
 * Image and file exports of a chart. The SVG is serialized with its computed styles inlined, so it
 * renders the same outside the page. The PNG is that SVG drawn onto a canvas at 2× scale. Files are
 * downloaded through a Blob URL.
 */

/** Style properties copied onto each exported element; presentation attributes already cover most. */
const INLINED_PROPERTIES = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-dasharray',
  'stroke-opacity',
  'opacity',
  'font-family',
  'font-size',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
  'visibility',
];

/** Serializes an SVG element to standalone SVG text, inlining computed styles and dropping interaction attributes. */
export function serializeSvg(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const sources = [svg, ...svg.querySelectorAll('*')];
  const targets = [clone, ...clone.querySelectorAll('*')];
  const view = svg.ownerDocument.defaultView;
  sources.forEach((source, i) => {
    const target = targets[i] as SVGElement;
    if (view && source instanceof view.SVGElement) {
      const computed = view.getComputedStyle(source);
      const declarations = INLINED_PROPERTIES.map((name) => [name, computed.getPropertyValue(name)] as const).filter(([, value]) => value !== '');
      target.setAttribute('style', declarations.map(([name, value]) => `${name}:${value}`).join(';'));
    }
    for (const name of ['tabindex', 'role', 'aria-label', 'aria-labelledby', 'aria-describedby', 'class', 'data-series', 'cursor']) target.removeAttribute(name);
  });
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const { width, height } = svgSize(svg);
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}\n`;
}

/** Returns the SVG's size in its own units (the viewBox), independent of how large the page draws it. */
export function svgSize(svg: SVGSVGElement): { width: number; height: number } {
  const box = svg.viewBox.baseVal;
  if (box && box.width > 0) return { width: box.width, height: box.height };
  return { width: svg.width.baseVal.value, height: svg.height.baseVal.value };
}

/** Draws SVG text onto a canvas at `scale` times its size and returns the PNG. */
export async function svgToPng(svgText: string, width: number, height: number, scale = 2): Promise<Blob> {
  const url = URL.createObjectURL(new Blob([svgText], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.decoding = 'sync';
    const loaded = new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error('the browser could not draw the chart SVG as an image'));
    });
    image.src = url;
    await loaded;
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no 2D canvas context is available for the PNG export');
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('the canvas could not encode a PNG'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Saves a blob as a file through a temporary link to its Blob URL. */
export function downloadBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.style.display = 'none';
  document.body.append(link);
  link.click();
  link.remove();
  // Revoke after the click has been handled; revoking at once can cancel the download in some browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function downloadText(text: string, fileName: string, type: string): void {
  downloadBlob(new Blob([text], { type }), fileName);
}

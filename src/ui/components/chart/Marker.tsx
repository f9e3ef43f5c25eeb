/** Point markers and the series palette. Shapes repeat every four series so series differ by more than color. */

/** Okabe–Ito colors (readable with common color-vision deficiencies), without its yellow, then four more. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#332288', '#882255', '#117733', '#999933'];

export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond';
export const MARKER_SHAPES: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond'];

export function seriesColor(index: number): string {
  return PALETTE[index % PALETTE.length];
}

export function seriesShape(index: number): MarkerShape {
  return MARKER_SHAPES[index % MARKER_SHAPES.length];
}

/** Draws a marker centred on (x, y), `size` pixels across. */
export function Marker({ shape, x, y, size = 7, color }: { shape: MarkerShape; x: number; y: number; size?: number; color: string }) {
  const h = size / 2;
  const common = { fill: color, stroke: '#ffffff', strokeWidth: 1 };
  switch (shape) {
    case 'square':
      return <rect x={x - h} y={y - h} width={size} height={size} {...common} />;
    case 'triangle':
      return <polygon points={`${x},${y - h * 1.2} ${x + h * 1.1},${y + h * 0.8} ${x - h * 1.1},${y + h * 0.8}`} {...common} />;
    case 'diamond':
      return <polygon points={`${x},${y - h * 1.3} ${x + h * 1.1},${y} ${x},${y + h * 1.3} ${x - h * 1.1},${y}`} {...common} />;
    default:
      return <circle cx={x} cy={y} r={h} {...common} />;
  }
}

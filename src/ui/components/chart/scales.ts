/** Axis scales and ticks for the hand-written SVG charts: linear and base-10 logarithmic. */

export type ScaleKind = 'linear' | 'log';

export interface Tick {
  value: number;
  /** Empty for a minor tick, which is drawn shorter and without a label. */
  label: string;
}

export interface Scale {
  kind: ScaleKind;
  domain: [number, number];
  range: [number, number];
  /** Maps a data value to a pixel coordinate. */
  map(value: number): number;
  ticks: Tick[];
}

/** Widens a degenerate or empty domain so a single value or no data still gives a usable axis. */
function widen(domain: [number, number], kind: ScaleKind): [number, number] {
  let [lo, hi] = domain;
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return kind === 'log' ? [1, 10] : [0, 1];
  if (kind === 'log') {
    lo = Math.max(lo, Number.MIN_VALUE);
    hi = Math.max(hi, lo);
    return hi / lo < 1.0001 ? [lo / 2, hi * 2] : [lo, hi];
  }
  if (hi - lo < 1e-12 * Math.max(1, Math.abs(lo))) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 0.5;
    return [lo - pad, hi + pad];
  }
  return [lo, hi];
}

/**
 * Places log ticks, labeled at each power of ten. Below two decades of span the 2× and 5× ticks are
 * labeled too, so a short range still has labels. The other multiples are unlabeled minor ticks.
 */
export function logTicks(domain: [number, number], format: (value: number) => string): Tick[] {
  const [lo, hi] = domain;
  const first = Math.floor(Math.log10(lo));
  const last = Math.ceil(Math.log10(hi));
  const labelMultiples = Math.log10(hi / lo) < 2 ? [1, 2, 5] : [1];
  const ticks: Tick[] = [];
  for (let exponent = first; exponent <= last; exponent++) {
    const decade = 10 ** exponent;
    for (let m = 1; m <= 9; m++) {
      const value = Number((m * decade).toPrecision(12));
      if (value < lo * (1 - 1e-9) || value > hi * (1 + 1e-9)) continue;
      ticks.push({ value, label: labelMultiples.includes(m) ? format(value) : '' });
    }
  }
  return ticks;
}

/** Picks a "nice" step (1, 2 or 5 times a power of ten) giving about `count` intervals over the span. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  for (const nice of [1, 2, 5]) if (fraction <= nice) return nice * power;
  return 10 * power;
}

/** Linear ticks at multiples of a nice step; the domain is expected to be extended with `niceDomain` first. */
export function linearTicks(domain: [number, number], format: (value: number) => string, count = 5): Tick[] {
  const [lo, hi] = domain;
  const step = niceStep(hi - lo, count);
  const ticks: Tick[] = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) {
    const value = Number((k * step).toPrecision(12));
    ticks.push({ value, label: format(value) });
  }
  return ticks;
}

/** Extends a linear domain outward to multiples of its nice step, optionally within hard limits. */
export function niceDomain(domain: [number, number], count = 5, limits: [number, number] = [-Infinity, Infinity]): [number, number] {
  const [lo, hi] = widen(domain, 'linear');
  const step = niceStep(hi - lo, count);
  return [Math.max(limits[0], Math.floor(lo / step) * step), Math.min(limits[1], Math.ceil(hi / step) * step)];
}

export function createScale(kind: ScaleKind, domain: [number, number], range: [number, number], format: (value: number) => string): Scale {
  const d = widen(domain, kind);
  const [r0, r1] = range;
  if (kind === 'log') {
    const l0 = Math.log10(d[0]);
    const l1 = Math.log10(d[1]);
    return { kind, domain: d, range, map: (v) => r0 + ((Math.log10(v) - l0) / (l1 - l0)) * (r1 - r0), ticks: logTicks(d, format) };
  }
  return { kind, domain: d, range, map: (v) => r0 + ((v - d[0]) / (d[1] - d[0])) * (r1 - r0), ticks: linearTicks(d, format) };
}

/** Pads a log domain by a factor on each side so points do not sit on the frame. */
export function padLogDomain(min: number, max: number, factor = 1.5): [number, number] {
  return [min / factor, max * factor];
}

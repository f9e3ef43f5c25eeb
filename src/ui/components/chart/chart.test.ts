import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { formatSize } from '../../../scaling/format.ts';
import { LineChart } from './LineChart.tsx';
import { createScale, linearTicks, logTicks, niceDomain, niceStep } from './scales.ts';

describe('chart scales', () => {
  it('labels log ticks at decades over a wide range', () => {
    const ticks = logTicks([500, 3e6], formatSize);
    expect(ticks.filter((t) => t.label).map((t) => t.label)).toEqual(['1K', '10K', '100K', '1M']);
    expect(ticks.filter((t) => !t.label).length).toBeGreaterThan(20);
  });

  it('adds 2× and 5× labels over a short range', () => {
    const ticks = logTicks([700, 12000], formatSize);
    expect(ticks.filter((t) => t.label).map((t) => t.label)).toEqual(['1K', '2K', '5K', '10K']);
  });

  it('maps log and linear values to pixels', () => {
    const log = createScale('log', [1e3, 1e6], [0, 300], formatSize);
    expect(log.map(1e3)).toBeCloseTo(0, 9);
    expect(log.map(1e4)).toBeCloseTo(100, 9);
    expect(log.map(1e6)).toBeCloseTo(300, 9);
    const linear = createScale('linear', [0, 1], [400, 0], String);
    expect(linear.map(0.25)).toBeCloseTo(300, 9);
  });

  it('chooses nice steps and domains', () => {
    expect(niceStep(0.37, 5)).toBeCloseTo(0.1, 12);
    expect(niceStep(23, 5)).toBe(5);
    expect(niceDomain([0.213, 0.428], 5, [0, 1])).toEqual([0.2, 0.45]);
    expect(niceDomain([0.93, 0.99], 5, [0, 1])).toEqual([0.92, 1]);
    expect(linearTicks([0.2, 0.45], (v) => `${Math.round(v * 100)}%`).map((t) => t.label)).toEqual(['20%', '25%', '30%', '35%', '40%', '45%']);
  });

  it('widens a degenerate domain', () => {
    const single = createScale('log', [1000, 1000], [0, 100], formatSize);
    expect(single.domain).toEqual([500, 2000]);
    const flat = createScale('linear', [0.4, 0.4], [0, 100], String);
    expect(flat.domain[0]).toBeLessThan(0.4);
    expect(flat.domain[1]).toBeGreaterThan(0.4);
  });
});

describe('LineChart', () => {
  const markup = renderToStaticMarkup(
    createElement(LineChart, {
      title: 'Test chart',
      description: 'Two points.',
      x: { label: 'size', scale: 'log', domain: [500, 20000], format: formatSize },
      y: { label: 'accuracy', scale: 'linear', domain: [0, 0.5], format: (v: number) => `${Math.round(v * 100)}%` },
      series: [
        {
          id: 'a',
          label: 'series A',
          points: [
            { x: 1000, y: 0.2, yLow: 0.15, yHigh: 0.25, details: ['series A', 'N = 1K'], onActivate: () => undefined },
            { x: 10000, y: 0.4, details: ['series A', 'N = 10K'] },
          ],
        },
      ],
      curves: [{ id: 'fit', label: 'series A: log-linear fit', points: [{ x: 500, y: 0.1 }, { x: 20000, y: 0.45 }], color: '#000', dash: '7 4' }],
      caption: 'Source: a test',
    }),
  );

  it('renders accessible points with their details', () => {
    expect(markup).toContain('<title');
    expect(markup).toMatch(/role="button"[^>]*aria-label="series A; N = 1K"/);
    expect(markup).toMatch(/role="img"[^>]*aria-label="series A; N = 10K"/);
    expect(markup.match(/class="chart-point"/g)).toHaveLength(2);
  });

  it('draws interval bars, fit curves, legend and caption', () => {
    // One interval bar: a vertical line and two caps.
    const bar = /<g stroke="[^"]+" stroke-width="1.25">((?:<line [^>]*><\/line>)+)<\/g>/.exec(markup);
    expect(bar?.[1].match(/<line /g)).toHaveLength(3);
    expect(markup).toContain('stroke-dasharray="7 4"');
    expect(markup).toContain('series A: log-linear fit');
    expect(markup).toContain('Source: a test');
    for (const label of ['1K', '2K', '5K', '10K', '20%', '40%']) expect(markup).toContain(`>${label}</text>`);
  });
});

/**
 * A general line chart drawn as SVG. It draws series of points with optional vertical interval bars,
 * joined by lines, and extra curves such as fits, dashed, on linear or log axes. The legend and a
 * caption are inside the SVG, so image exports carry them. Points show a tooltip on hover or focus
 * and can be activated by click or keyboard. Styling is in presentation attributes, so a serialized
 * copy of the SVG looks the same outside the page.
 */
import { useId, useState, type KeyboardEvent, type Ref } from 'react';
import { createScale, type ScaleKind } from './scales.ts';
import { Marker, seriesColor, seriesShape, type MarkerShape } from './Marker.tsx';
import './chart.css';

export interface ChartPoint {
  x: number;
  y: number;
  yLow?: number;
  yHigh?: number;
  /** Tooltip lines; the first is also the accessible name with the rest joined. */
  details: string[];
  /** Called on click or Enter; the point is then announced as a button. */
  onActivate?: () => void;
}

export interface ChartSeries {
  id: string;
  label: string;
  points: ChartPoint[];
  /** Join the points with a line (default true). */
  connect?: boolean;
  /** Defaults to the palette entry of the series index. */
  color?: string;
  shape?: MarkerShape;
}

export interface ChartCurve {
  id: string;
  label: string;
  points: { x: number; y: number }[];
  color: string;
  /** SVG stroke-dasharray, e.g. "6 4". */
  dash: string;
}

export interface ChartAxis {
  label: string;
  scale: ScaleKind;
  domain: [number, number];
  format: (value: number) => string;
}

export interface LineChartProps {
  title: string;
  /** Short prose summary for assistive technology. */
  description: string;
  x: ChartAxis;
  y: ChartAxis;
  series: ChartSeries[];
  curves?: ChartCurve[];
  /** Small text under the legend, e.g. the data source. */
  caption?: string;
  width?: number;
  plotHeight?: number;
  svgRef?: Ref<SVGSVGElement>;
  testId?: string;
}

const MARGIN = { left: 64, right: 20, top: 40, bottom: 60 };
const LEGEND_COLUMN = 270;
const LEGEND_ROW = 20;
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const MAX_LEGEND_CHARS = 38;

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function pathOf(points: { x: number; y: number }[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(2)},${p.y.toFixed(2)}`).join('');
}

interface Hovered {
  series: number;
  point: number;
}

export function LineChart({ title, description, x, y, series, curves = [], caption, width = 760, plotHeight = 320, svgRef, testId }: LineChartProps) {
  const id = useId();
  const [hovered, setHovered] = useState<Hovered | null>(null);

  const plotLeft = MARGIN.left;
  const plotRight = width - MARGIN.right;
  const plotTop = MARGIN.top;
  const plotBottom = MARGIN.top + plotHeight;
  const xScale = createScale(x.scale, x.domain, [plotLeft, plotRight], x.format);
  const yScale = createScale(y.scale, y.domain, [plotBottom, plotTop], y.format);

  const legendItems = [
    ...series.map((s, i) => ({ key: `s-${s.id}`, label: s.label, color: s.color ?? seriesColor(i), shape: s.shape ?? seriesShape(i), dash: '' })),
    ...curves.map((c) => ({ key: `c-${c.id}`, label: c.label, color: c.color, shape: null, dash: c.dash })),
  ];
  const columns = Math.max(1, Math.floor((width - MARGIN.left) / LEGEND_COLUMN));
  const legendTop = plotBottom + MARGIN.bottom;
  const legendHeight = Math.ceil(legendItems.length / columns) * LEGEND_ROW;
  const captionY = legendTop + legendHeight + 14;
  const height = captionY + (caption ? 12 : 0);

  const inDomain = (v: number, scale: typeof xScale) => Number.isFinite(v) && (scale.kind !== 'log' || v > 0);
  const clipId = `${id}-clip`.replace(/:/g, '');
  const active = hovered ? series[hovered.series]?.points[hovered.point] : undefined;

  const onKey = (event: KeyboardEvent, point: ChartPoint) => {
    if (point.onActivate && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      point.onActivate();
    }
  };

  return (
    <div className="chart" data-testid={testId}>
      <svg
        ref={svgRef}
        xmlns="http://www.w3.org/2000/svg"
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        role="group"
        aria-labelledby={`${id}-title`}
        aria-describedby={`${id}-desc`}
        fontFamily={FONT}
        fontSize={12}
        style={{ maxWidth: '100%', height: 'auto' }}
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{description}</desc>
        <rect x={0} y={0} width={width} height={height} fill="#ffffff" />
        <text x={plotLeft} y={22} fontSize={15} fontWeight={600} fill="#1b1f24">
          {title}
        </text>
        <defs>
          <clipPath id={clipId}>
            <rect x={plotLeft} y={plotTop} width={plotRight - plotLeft} height={plotBottom - plotTop} />
          </clipPath>
        </defs>

        {/* Grid and axes */}
        <g aria-hidden="true">
          {yScale.ticks.map((t) => (
            <line key={`gy${t.value}`} x1={plotLeft} x2={plotRight} y1={yScale.map(t.value)} y2={yScale.map(t.value)} stroke={t.label ? '#e4e7eb' : '#f2f4f6'} />
          ))}
          {xScale.ticks.map((t) => (
            <line key={`gx${t.value}`} x1={xScale.map(t.value)} x2={xScale.map(t.value)} y1={plotTop} y2={plotBottom} stroke={t.label ? '#e4e7eb' : '#f2f4f6'} />
          ))}
          <rect x={plotLeft} y={plotTop} width={plotRight - plotLeft} height={plotBottom - plotTop} fill="none" stroke="#8c959f" />
          {xScale.ticks.map((t) => (
            <g key={`tx${t.value}`}>
              <line x1={xScale.map(t.value)} x2={xScale.map(t.value)} y1={plotBottom} y2={plotBottom + (t.label ? 6 : 3)} stroke="#57606a" />
              {t.label && (
                <text x={xScale.map(t.value)} y={plotBottom + 19} textAnchor="middle" fill="#1b1f24">
                  {t.label}
                </text>
              )}
            </g>
          ))}
          {yScale.ticks.map((t) => (
            <g key={`ty${t.value}`}>
              <line x1={plotLeft - 5} x2={plotLeft} y1={yScale.map(t.value)} y2={yScale.map(t.value)} stroke="#57606a" />
              <text x={plotLeft - 8} y={yScale.map(t.value) + 4} textAnchor="end" fill="#1b1f24">
                {t.label}
              </text>
            </g>
          ))}
          <text x={(plotLeft + plotRight) / 2} y={plotBottom + 38} textAnchor="middle" fill="#1b1f24">
            {x.label}
          </text>
          <text x={16} y={(plotTop + plotBottom) / 2} textAnchor="middle" fill="#1b1f24" transform={`rotate(-90 16 ${(plotTop + plotBottom) / 2})`}>
            {y.label}
          </text>
        </g>

        {/* Curves, then series lines, interval bars and points */}
        <g clipPath={`url(#${clipId})`} aria-hidden="true">
          {curves.map((c) => {
            const pts = c.points.filter((p) => inDomain(p.x, xScale) && Number.isFinite(p.y)).map((p) => ({ x: xScale.map(p.x), y: yScale.map(p.y) }));
            return <path key={c.id} d={pathOf(pts)} fill="none" stroke={c.color} strokeWidth={1.5} strokeDasharray={c.dash} />;
          })}
          {series.map((s, i) => {
            if (s.connect === false) return null;
            const pts = [...s.points].filter((p) => inDomain(p.x, xScale)).sort((a, b) => a.x - b.x).map((p) => ({ x: xScale.map(p.x), y: yScale.map(p.y) }));
            return <path key={s.id} d={pathOf(pts)} fill="none" stroke={s.color ?? seriesColor(i)} strokeWidth={1.75} />;
          })}
          {series.map((s, i) =>
            s.points
              .filter((p) => inDomain(p.x, xScale) && p.yLow !== undefined && p.yHigh !== undefined)
              .map((p, j) => {
                const cx = xScale.map(p.x);
                const color = s.color ?? seriesColor(i);
                return (
                  <g key={`${s.id}-bar-${j}`} stroke={color} strokeWidth={1.25}>
                    <line x1={cx} x2={cx} y1={yScale.map(p.yLow as number)} y2={yScale.map(p.yHigh as number)} />
                    <line x1={cx - 4} x2={cx + 4} y1={yScale.map(p.yLow as number)} y2={yScale.map(p.yLow as number)} />
                    <line x1={cx - 4} x2={cx + 4} y1={yScale.map(p.yHigh as number)} y2={yScale.map(p.yHigh as number)} />
                  </g>
                );
              }),
          )}
        </g>
        <g>
          {series.map((s, i) =>
            s.points.map((p, j) => {
              if (!inDomain(p.x, xScale)) return null;
              const cx = xScale.map(p.x);
              const cy = yScale.map(p.y);
              const isActive = hovered?.series === i && hovered.point === j;
              return (
                <g
                  key={`${s.id}-pt-${j}`}
                  className="chart-point"
                  data-series={s.id}
                  tabIndex={0}
                  role={p.onActivate ? 'button' : 'img'}
                  aria-label={p.details.join('; ')}
                  cursor={p.onActivate ? 'pointer' : 'default'}
                  onMouseEnter={() => setHovered({ series: i, point: j })}
                  onMouseLeave={() => setHovered(null)}
                  onFocus={() => setHovered({ series: i, point: j })}
                  onBlur={() => setHovered(null)}
                  onClick={p.onActivate}
                  onKeyDown={(event) => onKey(event, p)}
                >
                  <circle cx={cx} cy={cy} r={9} fill="transparent" />
                  <Marker shape={s.shape ?? seriesShape(i)} x={cx} y={cy} size={isActive ? 10 : 7} color={s.color ?? seriesColor(i)} />
                </g>
              );
            }),
          )}
        </g>

        {/* Legend and caption */}
        <g aria-hidden="true">
          {legendItems.map((item, k) => {
            const lx = plotLeft + (k % columns) * LEGEND_COLUMN;
            const ly = legendTop + Math.floor(k / columns) * LEGEND_ROW;
            return (
              <g key={item.key}>
                <line x1={lx} x2={lx + 24} y1={ly} y2={ly} stroke={item.color} strokeWidth={item.shape ? 1.75 : 1.5} strokeDasharray={item.dash || undefined} />
                {item.shape && <Marker shape={item.shape} x={lx + 12} y={ly} color={item.color} />}
                <text x={lx + 30} y={ly + 4} fill="#1b1f24">
                  <title>{item.label}</title>
                  {truncate(item.label, MAX_LEGEND_CHARS)}
                </text>
              </g>
            );
          })}
          {caption && (
            <text x={plotLeft} y={captionY} fontSize={10.5} fill="#57606a">
              {caption}
            </text>
          )}
        </g>
      </svg>
      {active && hovered && (
        <div
          className="chart-tooltip"
          role="status"
          style={{ left: `${(xScale.map(active.x) / width) * 100}%`, top: `${(yScale.map(active.y) / height) * 100}%` }}
          data-testid="chart-tooltip"
        >
          <strong>{series[hovered.series].label}</strong>
          {active.details.map((line, k) => (
            <div key={k}>{line}</div>
          ))}
        </div>
      )}
    </div>
  );
}

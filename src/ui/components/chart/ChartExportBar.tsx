/** Export buttons for one chart: the image as PNG (2×) or SVG, and its data as CSV or JSON. */
import { useState, type RefObject } from 'react';
import { downloadBlob, downloadText, serializeSvg, svgSize, svgToPng } from './export.ts';

export interface ChartExportBarProps {
  /** Names the chart in button labels and file names. */
  title: string;
  fileStem: string;
  svgRef: RefObject<SVGSVGElement | null>;
  csv: () => string;
  json: () => string;
}

export function ChartExportBar({ title, fileStem, svgRef, csv, json }: ChartExportBarProps) {
  const [error, setError] = useState<string | null>(null);

  const run = async (kind: string, action: () => Promise<void> | void) => {
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(`${kind} export failed: ${(e as Error).message}`);
    }
  };

  const svgText = () => {
    const svg = svgRef.current;
    if (!svg) throw new Error('the chart is not on the page');
    return { text: serializeSvg(svg), ...svgSize(svg) };
  };

  return (
    <div className="chart-export" role="group" aria-label={`Export ${title}`}>
      <span>Export:</span>
      <button type="button" aria-label={`Export ${title} as PNG`} onClick={() => void run('PNG', async () => {
        const { text, width, height } = svgText();
        downloadBlob(await svgToPng(text, width, height, 2), `${fileStem}.png`);
      })}>
        PNG
      </button>
      <button type="button" aria-label={`Export ${title} as SVG`} onClick={() => void run('SVG', () => downloadText(svgText().text, `${fileStem}.svg`, 'image/svg+xml'))}>
        SVG
      </button>
      <button type="button" aria-label={`Export the data of ${title} as CSV`} onClick={() => void run('CSV', () => downloadText(csv(), `${fileStem}.csv`, 'text/csv'))}>
        CSV
      </button>
      <button type="button" aria-label={`Export the data and fits of ${title} as JSON`} onClick={() => void run('JSON', () => downloadText(json(), `${fileStem}.json`, 'application/json'))}>
        JSON
      </button>
      {error && (
        <span className="bad" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

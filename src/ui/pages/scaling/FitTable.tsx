/** Fitted parameters, R² and caveats for each series of a chart. */
import { describeFit, type FitResult, type SeriesFits } from '../../../scaling/fit.ts';
import { formatNumber } from '../../../scaling/format.ts';

const MODEL_NAMES = { 'log-linear': 'log-linear: a + b·ln N', 'power-law': 'power law: A − B·N^(−α)' } as const;

/** Formats a parameter in percentage points with its standard error, e.g. "b = 6.025 ± 0.257". */
function parameter(name: string, value: number, stdErr: number | null, percent = true): string {
  const scale = percent ? 100 : 1;
  return `${name} = ${formatNumber(value * scale)}${stdErr !== null ? ` ± ${formatNumber(stdErr * scale, 3)}` : ''}`;
}

function parameters(fit: FitResult): string {
  if (!fit.ok) return '–';
  if (fit.model === 'log-linear') return `${parameter('a', fit.a, fit.aStdErr)}, ${parameter('b', fit.b, fit.bStdErr)}`;
  return `${parameter('A', fit.A, fit.AStdErr)}, ${parameter('B', fit.B, fit.BStdErr)}, ${parameter('α', fit.alpha, fit.alphaStdErr, false)}`;
}

function notes(fit: FitResult): string[] {
  const lines = fit.ok ? [describeFit(fit)] : [`Failed: ${fit.reason}.`];
  if (fit.weighted) lines.push('Weighted by interval widths.');
  return [...lines, ...fit.warnings];
}

export function FitTable({ fits, testId }: { fits: SeriesFits[]; testId?: string }) {
  const rows = fits.flatMap((s) => s.fits.map((fit) => ({ series: s.label, fit })));
  if (rows.length === 0) return null;
  return (
    <table className="fit-table" data-testid={testId}>
      <caption>Fits (a, b, A, B in percentage points; ± one standard error)</caption>
      <thead>
        <tr>
          <th>Series</th>
          <th>Model</th>
          <th>Parameters</th>
          <th className="num">R²</th>
          <th className="num">RMSE (pp)</th>
          <th className="num">Points</th>
          <th>Notes</th>
        </tr>
      </thead>
      <tbody>
        {rows.map(({ series, fit }) => (
          <tr key={`${series}-${fit.model}`} className={fit.ok ? undefined : 'fit-failed'}>
            <td>{series}</td>
            <td>{MODEL_NAMES[fit.model]}</td>
            <td>{parameters(fit)}</td>
            <td className="num">{fit.ok ? formatNumber(fit.r2, 4) : '–'}</td>
            <td className="num">{fit.ok ? formatNumber(fit.rmse * 100, 3) : '–'}</td>
            <td className="num">{fit.points}</td>
            <td>
              {notes(fit).map((line, i) => (
                <div key={i}>{line}</div>
              ))}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

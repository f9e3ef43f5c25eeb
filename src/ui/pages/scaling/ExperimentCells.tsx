/**
 * The cells of a stored experiment with their status, accuracies and times, and the buttons that
 * resume an interrupted sweep or run its failed cells again.
 */
import { wilsonInterval } from '../../../eval/statistics.ts';
import type { ExperimentCell, ExperimentResults } from '../../../scaling/results.ts';
import { resumeExperiment, useExperimentRun } from './experiment-run-store.ts';

function accuracy(cell: ExperimentCell, key: string): string {
  const evaluation = cell.evaluations.find((e) => (e.testSet === 'benchmark' ? `benchmark:${e.benchmark}` : e.testSet) === key);
  if (!evaluation) return '–';
  const { low, high } = wilsonInterval(evaluation.correct, evaluation.total);
  const pct = (x: number) => (100 * x).toFixed(1);
  return `${pct(evaluation.correct / evaluation.total)}% [${pct(low)}, ${pct(high)}]`;
}

function elapsed(cell: ExperimentCell): string {
  if (!cell.startedAt || !cell.finishedAt) return '–';
  const seconds = Math.round((Date.parse(cell.finishedAt) - Date.parse(cell.startedAt)) / 1000);
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

export function ExperimentCells({ results }: { results: ExperimentResults }) {
  const runningId = useExperimentRun((s) => s.runningId);
  const progress = useExperimentRun((s) => s.progress);
  const runningHere = runningId === results.experiment.id;
  const benchmarks = [...new Set(results.cells.flatMap((c) => c.evaluations.filter((e) => e.testSet === 'benchmark').map((e) => `benchmark:${e.benchmark}`)))];
  const unfinished = results.cells.filter((c) => c.status === 'pending' || c.status === 'running').length;
  const failed = results.cells.filter((c) => c.status === 'failed').length;

  return (
    <div data-testid="experiment-cells">
      <h3>Cells</h3>
      {!runningHere && unfinished > 0 && (
        <p>
          {unfinished} cell{unfinished === 1 ? '' : 's'} not finished
          {results.cells.some((c) => c.status === 'running') ? ' (the sweep was interrupted, for example by a reload)' : ''}.{' '}
          <button type="button" disabled={runningId !== null} onClick={() => void resumeExperiment(results.experiment.id)} data-testid="experiment-resume">
            Resume
          </button>
        </p>
      )}
      {!runningHere && failed > 0 && (
        <p>
          <button type="button" className="secondary" disabled={runningId !== null} onClick={() => void resumeExperiment(results.experiment.id, true)} data-testid="experiment-retry">
            Run the {failed} failed cell{failed === 1 ? '' : 's'} again
          </button>
        </p>
      )}
      <table className="results compact">
        <thead>
          <tr>
            <th>Cell</th>
            <th className="num">Examples</th>
            <th>Status</th>
            <th>Normal test</th>
            <th>Hard test</th>
            {benchmarks.map((b) => (
              <th key={b}>{b.slice('benchmark:'.length)}</th>
            ))}
            <th className="num">Time</th>
          </tr>
        </thead>
        <tbody>
          {results.cells.map((cell) => {
            const live = runningHere && progress?.cellId === cell.id;
            return (
              <tr key={cell.id} data-testid="experiment-cell" data-status={cell.status}>
                <td>{cell.id}</td>
                <td className="num">{cell.dataSize.toLocaleString('en-US')}</td>
                <td className={cell.status === 'failed' ? 'bad' : undefined} title={cell.error}>
                  {cell.status === 'running' && !runningHere ? 'interrupted' : cell.status}
                  {live && progress ? ` (${progress.phase} ${progress.done}/${progress.total})` : ''}
                  {cell.status === 'failed' && cell.error ? `: ${cell.error}` : ''}
                </td>
                <td>{accuracy(cell, 'normal')}</td>
                <td>{accuracy(cell, 'hard')}</td>
                {benchmarks.map((b) => (
                  <td key={b}>{accuracy(cell, b)}</td>
                ))}
                <td className="num">{elapsed(cell)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

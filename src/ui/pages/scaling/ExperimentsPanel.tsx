/**
 * Stored experiment results: open a results.json, pick a stored experiment, and see one accuracy
 * chart per test set, the training-loss curves, the cells with their status and the cells that failed.
 */
import { useLiveQuery } from 'dexie-react-hooks';
import { useMemo, useState, type ChangeEvent } from 'react';
import { getDatabase } from '../../../db/database.ts';
import { deleteExperiment, loadExperimentResults, saveExperimentResults } from '../../../db/scaling.ts';
import { experimentPanels, experimentSeries, failedCells, lossCurves } from '../../../scaling/experiment-series.ts';
import { parseResults, ResultsFormatError, type ExperimentResults } from '../../../scaling/results.ts';
import { gpuWorker } from '../../worker-client.ts';
import { ExperimentCells } from './ExperimentCells.tsx';
import { useExperimentRun } from './experiment-run-store.ts';
import { LossChart } from './LossChart.tsx';
import { ScalingChart } from './ScalingChart.tsx';
import { useScalingView } from './scaling-store.ts';

function ExperimentCharts({ results }: { results: ExperimentResults }) {
  const splitSeeds = useScalingView((s) => s.splitSeeds);
  const panels = useMemo(() => experimentPanels(results).map((panel) => ({ ...panel, series: experimentSeries(results, panel.key, { splitSeeds }) })), [results, splitSeeds]);
  const curves = useMemo(() => lossCurves(results), [results]);
  const failed = failedCells(results);
  const counts = results.cells.reduce<Record<string, number>>((acc, c) => ({ ...acc, [c.status]: (acc[c.status] ?? 0) + 1 }), {});

  return (
    <div data-testid="experiment-charts">
      <p>
        {results.cells.length} cells: {Object.entries(counts).map(([status, n]) => `${n} ${status}`).join(', ')}. Created {new Date(results.experiment.createdAt).toLocaleString('en-US')}.
        Pooled seeds share one interval computed from their summed counts, which leaves out seed-to-seed variation.
      </p>
      {panels.map((panel) =>
        panel.series.length > 0 ? (
          <ScalingChart key={panel.key} title={`${results.experiment.name}: ${panel.title}`} series={panel.series} caption={`Experiment ${results.experiment.id}`} testId={`experiment-${panel.key.replace(/[^a-z0-9]+/gi, '-')}`} />
        ) : (
          <p key={panel.key} className="muted">
            {panel.title}: no finished cell has results on this test set yet.
          </p>
        ),
      )}
      {curves.length > 0 ? <LossChart title={`${results.experiment.name}: training loss`} curves={curves} testId="experiment-loss" /> : <p className="muted">No cell has logged a training loss yet.</p>}
      {failed.length > 0 && (
        <>
          <h3>Failed cells</h3>
          <ul className="bad" data-testid="failed-cells">
            {failed.map((f) => (
              <li key={f.id}>
                {f.label}: {f.reason}
              </li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

export function ExperimentsPanel() {
  const db = getDatabase();
  const { selectedExperiment, splitSeeds, set } = useScalingView();
  const runningId = useExperimentRun((s) => s.runningId);
  const [error, setError] = useState<string[] | null>(null);
  const experiments = useLiveQuery(() => db.scalingExperiments.orderBy('createdAt').reverse().toArray(), []);
  const selected = selectedExperiment ?? experiments?.[0]?.id ?? null;
  // A live query, so cells written while a sweep runs appear without a reload.
  const results = useLiveQuery(() => (selected ? loadExperimentResults(db, selected) : Promise.resolve(null)), [selected]);

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const input = event.target;
    const file = input.files?.[0];
    if (!file) return;
    setError(null);
    try {
      const parsed = parseResults(await file.text(), file.name);
      await saveExperimentResults(db, parsed);
      set({ selectedExperiment: parsed.experiment.id });
    } catch (e) {
      setError(e instanceof ResultsFormatError ? [`${file.name} could not be opened:`, ...e.problems] : [`${file.name} could not be opened: ${(e as Error).message}`]);
    } finally {
      input.value = '';
    }
  };

  return (
    <section className="panel" aria-labelledby="experiments-heading" data-testid="experiments-panel">
      <h2 id="experiments-heading">Your experiments</h2>
      <p>
        Experiments run above and stored results appear here as their cells are written. You can also open a results file in the workbench's scaling-results format (JSON, described in docs/scaling.md), for
        example one written on another machine.
      </p>
      <label className="file-button">
        Open results.json…
        <input type="file" accept=".json,application/json" onChange={(e) => void onFile(e)} data-testid="results-input" />
      </label>
      {error && (
        <ul className="bad" role="alert" data-testid="results-error">
          {error.map((line, i) => (
            <li key={i}>{line}</li>
          ))}
        </ul>
      )}
      {experiments && experiments.length === 0 && <p className="muted">No experiment results are stored in this browser yet.</p>}
      {experiments && experiments.length > 0 && (
        <>
          <div className="experiment-picker">
            <label>
              Experiment:{' '}
              <select value={selected ?? ''} onChange={(e) => set({ selectedExperiment: e.target.value })}>
                {experiments.map((e) => (
                  <option key={e.id} value={e.id}>
                    {e.name} ({e.id})
                  </option>
                ))}
              </select>
            </label>{' '}
            <label>
              <input type="checkbox" checked={splitSeeds} onChange={(e) => set({ splitSeeds: e.target.checked })} /> one line per seed
            </label>{' '}
            <button
              type="button"
              className="link-button"
              disabled={runningId !== null && runningId === selected}
              title={runningId === selected ? 'Pause the experiment before deleting it.' : undefined}
              onClick={() => {
                if (selected && window.confirm(`Delete experiment ${selected} and all its cells from this browser?`)) {
                  void deleteExperiment(db, selected);
                  // Training checkpoints of its unfinished cells live in OPFS, which the worker manages.
                  void gpuWorker()
                    .removeExperimentFiles(selected)
                    .catch((e: unknown) => console.warn(`[scaling] removing the checkpoints of experiment ${selected} failed: ${(e as Error).message}`));
                  set({ selectedExperiment: null });
                }
              }}
            >
              Delete
            </button>
          </div>
          {results && <ExperimentCharts results={results} />}
          {results && <ExperimentCells results={results} />}
        </>
      )}
    </section>
  );
}

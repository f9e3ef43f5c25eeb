/** The Evaluate page: benchmarks, model runs in the browser, imported runs with their scores, and prompt templates. */
import { BenchmarksPanel } from './BenchmarksPanel.tsx';
import { ImportOutputsPanel } from './ImportOutputsPanel.tsx';
import { LoadBenchmarkPanel } from './LoadBenchmarkPanel.tsx';
import { RunModelPanel } from './RunModelPanel.tsx';
import { RunsPanel } from './RunsPanel.tsx';
import { TemplatesPanel } from './TemplatesPanel.tsx';
import './evaluate.css';

export function EvaluatePage() {
  return (
    <div data-testid="page-evaluate">
      <h1>Evaluate</h1>
      <LoadBenchmarkPanel />
      <BenchmarksPanel />
      <RunModelPanel />
      <ImportOutputsPanel />
      <RunsPanel />
      <TemplatesPanel />
    </div>
  );
}

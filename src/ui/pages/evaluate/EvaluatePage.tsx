/** The Evaluate page: benchmarks, imported and local runs with their scores, and prompt templates. */
import { BenchmarksPanel } from './BenchmarksPanel.tsx';
import { ImportOutputsPanel } from './ImportOutputsPanel.tsx';
import { LoadBenchmarkPanel } from './LoadBenchmarkPanel.tsx';
import { RunsPanel } from './RunsPanel.tsx';
import { TemplatesPanel } from './TemplatesPanel.tsx';
import './evaluate.css';

export function EvaluatePage() {
  return (
    <div data-testid="page-evaluate">
      <h1>Evaluate</h1>
      <section className="panel" data-testid="local-runs-note">
        <h2>Evaluate a model in this browser</h2>
        <p className="not-yet">Not available yet: running a model here needs the WebGPU inference engine, which is not built yet.</p>
        <p>
          Until then, export the prompts below, generate the outputs elsewhere (vLLM, lm-evaluation-harness or your own script), and import them
          to grade and inspect them here.
        </p>
      </section>
      <LoadBenchmarkPanel />
      <BenchmarksPanel />
      <ImportOutputsPanel />
      <RunsPanel />
      <TemplatesPanel />
    </div>
  );
}

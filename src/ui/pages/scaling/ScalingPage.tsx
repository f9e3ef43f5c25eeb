/**
 * The Scaling page: runs data-scaling experiments, and plots accuracy against training-data size for
 * stored experiments, imported points and the Skywork-Math paper's reference points, with
 * log-linear and power-law fits.
 */
import { ALPHA_MAX, ALPHA_MIN } from '../../../scaling/fit.ts';
import { ExperimentsPanel } from './ExperimentsPanel.tsx';
import { RunExperimentPanel } from './RunExperimentPanel.tsx';
import { ImportPanel } from './ImportPanel.tsx';
import { ReferencePanel } from './ReferencePanel.tsx';
import { useScalingView } from './scaling-store.ts';
import './scaling.css';

function FitSettings() {
  const { showLogLinear, showPowerLaw, weighted, set } = useScalingView();
  return (
    <div className="panel fit-settings" role="group" aria-label="Fit settings">
      <strong>Fits on every chart:</strong>{' '}
      <label>
        <input type="checkbox" checked={showLogLinear} onChange={(e) => set({ showLogLinear: e.target.checked })} /> log-linear acc = a + b·ln N
      </label>{' '}
      <label>
        <input type="checkbox" checked={showPowerLaw} onChange={(e) => set({ showPowerLaw: e.target.checked })} /> saturating power law acc = A − B·N<sup>−α</sup>
      </label>{' '}
      <label>
        <input type="checkbox" checked={weighted} onChange={(e) => set({ weighted: e.target.checked })} /> weight points by their interval widths
      </label>
      <p className="muted">
        Least-squares fits; the power law searches α from {ALPHA_MIN} to {ALPHA_MAX}, and a fit at either end of that range says the data do not determine the saturation. Dashed: log-linear;
        dotted: power law.
      </p>
    </div>
  );
}

export function ScalingPage() {
  return (
    <div data-testid="page-scaling">
      <h1>Scaling</h1>
      <p>Accuracy against training-data size, with 95% intervals and fitted curves. Hover a point for its run; click a point of an experiment to open its evaluation in Inspect.</p>
      <FitSettings />
      <RunExperimentPanel />
      <ExperimentsPanel />
      <ImportPanel />
      <ReferencePanel />
    </div>
  );
}

/** The Models page: the browser's model cache, metadata, loading a model onto the GPU and solving problems with it. */
import { useEffect } from 'react';
import { AddModelPanel } from './AddModelPanel.tsx';
import { CachedModelsPanel } from './CachedModelsPanel.tsx';
import { LoadedModelPanel } from './LoadedModelPanel.tsx';
import { ModelInfoPanel } from './ModelInfoPanel.tsx';
import { refreshCache, refreshLoaded } from './models-store.ts';
import { SolvePanel } from './SolvePanel.tsx';
import './models.css';

export function ModelsPage() {
  useEffect(() => {
    void refreshCache();
    void refreshLoaded();
  }, []);

  return (
    <div data-testid="page-models">
      <h1>Models</h1>
      <AddModelPanel />
      <CachedModelsPanel />
      <ModelInfoPanel />
      <LoadedModelPanel />
      <SolvePanel />
    </div>
  );
}

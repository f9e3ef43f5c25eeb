import { useEffect } from 'react';
import { NoWebGpu } from './components/NoWebGpu.tsx';
import { DataPage } from './pages/data/DataPage.tsx';
import { EvaluatePage } from './pages/evaluate/EvaluatePage.tsx';
import { InspectPage } from './pages/inspect/InspectPage.tsx';
import { ModelsPage } from './pages/models/ModelsPage.tsx';
import { ScalingPage } from './pages/scaling/ScalingPage.tsx';
import { SystemPage } from './pages/SystemPage.tsx';
import { TrainPage } from './pages/train/TrainPage.tsx';
import { pageFromHash, PAGES, useUiStore, type PageId } from './store.ts';

const TITLES: Record<PageId, string> = {
  models: 'Models',
  data: 'Data',
  train: 'Train',
  evaluate: 'Evaluate',
  scaling: 'Scaling',
  inspect: 'Inspect',
  system: 'System',
};

function Page({ page }: { page: PageId }) {
  if (page === 'system') return <SystemPage />;
  if (page === 'data') return <DataPage />;
  if (page === 'scaling') return <ScalingPage />;
  if (page === 'evaluate') return <EvaluatePage />;
  if (page === 'inspect') return <InspectPage />;
  if (page === 'models') return <ModelsPage />;
  return <TrainPage />;
}

export function App() {
  const page = useUiStore((s) => s.page);
  const setPage = useUiStore((s) => s.setPage);
  const hasWebGpu = typeof navigator !== 'undefined' && 'gpu' in navigator;

  useEffect(() => {
    const onHash = () => setPage(pageFromHash(location.hash));
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [setPage]);

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Math Reasoning Workbench</span>
        <nav aria-label="Pages">
          {PAGES.map((id) => (
            <a key={id} href={`#/${id}`} className={id === page ? 'active' : undefined} aria-current={id === page ? 'page' : undefined}>
              {TITLES[id]}
            </a>
          ))}
        </nav>
      </header>
      <main className="content">{hasWebGpu ? <Page page={page} /> : <NoWebGpu reason="navigator.gpu is missing in this browser." />}</main>
    </div>
  );
}

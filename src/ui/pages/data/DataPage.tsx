/** The Data page: generate, import, browse, deduplicate, decontaminate and export MathQA shards. */
import { CreateShardPanel } from './CreateShardPanel.tsx';
import { ModelShardPanel } from './ModelShardPanel.tsx';
import { ShardDetail } from './ShardDetail.tsx';
import { ShardsPanel } from './ShardsPanel.tsx';
import './data.css';

export function DataPage() {
  return (
    <div data-testid="page-data">
      <h1>Data</h1>
      <CreateShardPanel />
      <ShardsPanel />
      <ShardDetail />
      <ModelShardPanel />
    </div>
  );
}

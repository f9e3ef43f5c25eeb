/** A virtualized list of a shard's problems with search and filters; rows load as they scroll into view. */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, useState } from 'react';
import type { ProblemRecord, ShardRecord } from '../../../db/data.ts';
import type { ProblemFilter } from '../../../data/store/queries.ts';
import { MathText } from '../../components/MathText.tsx';
import { dataWorker, formatCount } from './data-worker.ts';

function Row({ problem }: { problem: ProblemRecord }) {
  const [open, setOpen] = useState(false);
  return (
    <div className="dp-problem-row" data-testid="problem-row">
      <div className="dp-problem-head">
        <button type="button" className="dp-link" onClick={() => setOpen(!open)} aria-expanded={open}>
          #{problem.index}
        </button>
        <span className="dp-tag">{problem.method}</span>
        <span className="dp-tag">{problem.stage}</span>
        <span className="dp-tag">level {problem.difficulty}</span>
        <span className="dp-tag">{problem.family}</span>
        <span className={problem.verification === 'verified' ? 'dp-tag dp-verified' : 'dp-tag'}>{problem.verification}</span>
        <span className="dp-answer">
          answer: <MathText text={problem.answer} />
        </span>
      </div>
      <MathText text={problem.problem} className="dp-problem-text" />
      {open && <MathText text={problem.solution} className="dp-solution-text" />}
    </div>
  );
}

/** Converts a facet's select value to a filter field: empty means any, difficulty is a number. */
function facetValue(key: keyof ProblemFilter, value: string): string | number | undefined {
  if (value === '') return undefined;
  if (key === 'difficulty') return Number(value);
  return value;
}

export function ProblemBrowser({ shard }: { shard: ShardRecord }) {
  const [filter, setFilter] = useState<ProblemFilter>({});
  const [text, setText] = useState('');
  const [indexes, setIndexes] = useState<number[] | null>(null);
  const [rows, setRows] = useState<Map<number, ProblemRecord>>(new Map());
  const parent = useRef<HTMLDivElement>(null);

  // Re-run the search when the filter changes or a run stops. Searching scans the whole shard in the
  // worker, so it does not follow every batch of a run in progress (Refresh does).
  const [refreshes, setRefreshes] = useState(0);
  const version = shard.status === 'generating' ? 'generating' : `${shard.status}:${shard.stored}`;
  useEffect(() => {
    let cancelled = false;
    void dataWorker()
      .searchShard(shard.id, filter)
      .then((found) => {
        if (!cancelled) setIndexes(found);
      });
    return () => {
      cancelled = true;
    };
  }, [shard.id, filter, version, refreshes]);


  const virtualizer = useVirtualizer({ count: indexes?.length ?? 0, getScrollElement: () => parent.current, estimateSize: () => 90, overscan: 8 });
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;

  useEffect(() => {
    if (!indexes || last < 0) return;
    const wanted = indexes.slice(first, last + 1).filter((i) => !rows.has(i));
    if (wanted.length === 0) return;
    let cancelled = false;
    void dataWorker()
      .getProblems(shard.id, wanted)
      .then((found) => {
        if (cancelled) return;
        setRows((current) => {
          const next = new Map(current);
          for (const p of found) if (p) next.set(p.index, p);
          return next;
        });
      });
    return () => {
      cancelled = true;
    };
  }, [indexes, first, last, rows, shard.id]);

  const facet = (key: keyof ProblemFilter, values: string[], label: string) => (
    <label>
      {label}{' '}
      <select
        value={filter[key] === undefined ? '' : String(filter[key])}
        onChange={(e) => setFilter({ ...filter, [key]: facetValue(key, e.target.value) })}
        data-testid={`filter-${key}`}
      >
        <option value="">all</option>
        {values.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    </label>
  );

  return (
    <div className="dp-browser">
      <form
        className="dp-filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter({ ...filter, text: text || undefined });
        }}
      >
        <input type="search" placeholder="Search problems and solutions" value={text} onChange={(e) => setText(e.target.value)} data-testid="problem-search" />
        <button type="submit" data-testid="problem-search-button">
          Search
        </button>
        {facet('method', Object.keys(shard.counts.method), 'Method')}
        {facet('stage', Object.keys(shard.counts.stage), 'Stage')}
        {facet('difficulty', Object.keys(shard.counts.difficulty), 'Level')}
        {facet('family', Object.keys(shard.counts.family), 'Family')}
      </form>
      <p className="dp-muted">
        <span data-testid="match-count">{indexes === null ? 'Searching…' : `${formatCount(indexes.length)} problems match`}</span>{' '}
        {shard.status === 'generating' && (
          <button type="button" className="dp-link" onClick={() => setRefreshes(refreshes + 1)}>
            Refresh
          </button>
        )}
      </p>
      <div ref={parent} className="dp-virtual-list" data-testid="problem-list">
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {items.map((item) => {
            const problem = indexes ? rows.get(indexes[item.index]) : undefined;
            return (
              <div key={item.key} data-index={item.index} ref={virtualizer.measureElement} style={{ position: 'absolute', top: 0, left: 0, width: '100%', transform: `translateY(${item.start}px)` }}>
                {problem ? <Row problem={problem} /> : <div className="dp-problem-row dp-muted">Loading…</div>}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

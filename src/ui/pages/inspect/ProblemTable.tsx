/** The virtualized problems table of the Inspect page: only the visible rows are in the DOM. */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent } from 'react';
import type { InspectRow } from './inspect-rows.ts';

const ROW_HEIGHT = 34;

const VERDICT_TEXT = { correct: 'correct', wrong: 'wrong', unparsed: 'unparsed' } as const;

function clip(text: string | null, max = 40): string {
  if (text === null) return '–';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export interface ProblemTableProps {
  rows: InspectRow[];
  /** Samples per problem of the run; a column of correct samples appears when it is above 1. */
  k: number;
  selected: number | null;
  onSelect(problemIndex: number): void;
}

export function ProblemTable({ rows, k, selected, onSelect }: ProblemTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const selectedPosition = rows.findIndex((r) => r.problemIndex === selected);

  useEffect(() => {
    if (selectedPosition >= 0) virtualizer.scrollToIndex(selectedPosition, { align: 'auto' });
  }, [selectedPosition, virtualizer]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    event.preventDefault();
    const next = Math.min(rows.length - 1, Math.max(0, selectedPosition + (event.key === 'ArrowDown' ? 1 : -1)));
    if (rows[next]) onSelect(rows[next].problemIndex);
  };

  return (
    <div className="problem-table" role="table" aria-label="Problems" aria-rowcount={rows.length} data-testid="problem-table">
      <div className={`problem-row header${k > 1 ? ' multi' : ''}`} role="row">
        <span role="columnheader">#</span>
        <span role="columnheader">Id</span>
        <span role="columnheader">Subject</span>
        <span role="columnheader">Level</span>
        <span role="columnheader">Verdict</span>
        {k > 1 && <span role="columnheader">Correct samples</span>}
        <span role="columnheader">Extracted</span>
        <span role="columnheader">Gold</span>
        <span role="columnheader" className="num">
          Length
        </span>
      </div>
      <div className="problem-scroll" ref={scrollRef} tabIndex={0} onKeyDown={onKeyDown}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index];
            const first = row.first;
            return (
              <div
                key={row.problemIndex}
                role="row"
                data-testid="problem-row"
                data-verdict={first.verdict}
                className={`problem-row ${first.verdict}${row.problemIndex === selected ? ' selected' : ''}${k > 1 ? ' multi' : ''}`}
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}
                onClick={() => onSelect(row.problemIndex)}
              >
                <span role="cell">{row.problemIndex + 1}</span>
                <span role="cell" title={row.problemId}>
                  {clip(row.problemId, 28)}
                </span>
                <span role="cell">{row.subject ?? '–'}</span>
                <span role="cell">{row.level ?? '–'}</span>
                <span role="cell" className={`verdict ${first.verdict}`}>
                  {VERDICT_TEXT[first.verdict]}
                </span>
                {k > 1 && (
                  <span role="cell">
                    {row.correctSamples} of {row.samples.length}
                  </span>
                )}
                <span role="cell" title={first.extracted ?? ''}>
                  {clip(first.extracted)}
                </span>
                <span role="cell" title={first.gold}>
                  {clip(first.gold)}
                </span>
                <span role="cell" className="num">
                  {first.tokens > 0 ? `${first.tokens} tok` : `${first.output.length} ch`}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

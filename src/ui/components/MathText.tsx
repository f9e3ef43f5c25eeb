/**
 * Renders untrusted text (problems, model chains of thought) with its LaTeX typeset by KaTeX.
 * Plain text goes into React text nodes, so markup in it is shown, never interpreted. KaTeX runs with
 * trust: false (no \href, \url, \includegraphics or HTML extensions) and throwOnError: false (a bad
 * formula shows in red), and its output is escaped HTML, so model output cannot inject elements.
 */
import katex from 'katex';
import 'katex/dist/katex.min.css';
import { Fragment, memo, useMemo } from 'react';
import { splitMathLocated, type LocatedSegment } from './math-segments.ts';

const MAX_TEX_CHARS = 20_000;

function renderTex(tex: string, display: boolean): string {
  return katex.renderToString(tex.length > MAX_TEX_CHARS ? '\\text{(formula too long to render)}' : tex, {
    displayMode: display,
    throwOnError: false,
    trust: false,
    strict: 'ignore',
    maxSize: 20,
    maxExpand: 500,
    output: 'html',
  });
}

/** A range [start, end) of the source text to mark, such as the extracted answer. */
export interface TextRange {
  start: number;
  end: number;
}

export interface MathTextProps {
  text: string;
  className?: string;
  highlight?: TextRange | null;
}

function overlaps(segment: LocatedSegment, range: TextRange | null | undefined): range is TextRange {
  return !!range && segment.start < range.end && range.start < segment.end;
}

/** Plain text with the highlighted part in a <mark>; a segment with escapes (\$) is marked whole. */
function PlainText({ segment, highlight }: { segment: LocatedSegment & { kind: 'text' }; highlight?: TextRange | null }) {
  if (!overlaps(segment, highlight)) return <span className="math-text-plain">{segment.text}</span>;
  if (segment.end - segment.start !== segment.text.length) {
    return (
      <mark className="answer-mark">
        <span className="math-text-plain">{segment.text}</span>
      </mark>
    );
  }
  const from = Math.max(0, highlight.start - segment.start);
  const to = Math.min(segment.text.length, highlight.end - segment.start);
  return (
    <span className="math-text-plain">
      {segment.text.slice(0, from)}
      <mark className="answer-mark">{segment.text.slice(from, to)}</mark>
      {segment.text.slice(to)}
    </span>
  );
}

export const MathText = memo(function MathText({ text, className, highlight }: MathTextProps) {
  const segments = useMemo(() => splitMathLocated(text), [text]);
  return (
    <span className={className ? `math-text ${className}` : 'math-text'}>
      {segments.map((segment, i) => {
        if (segment.kind === 'text') return <PlainText key={i} segment={segment} highlight={highlight} />;
        const math = <span className={segment.display ? 'math-display' : 'math-inline'} dangerouslySetInnerHTML={{ __html: renderTex(segment.tex, segment.display) }} />;
        return overlaps(segment, highlight) ? (
          <mark key={i} className="answer-mark">
            {math}
          </mark>
        ) : (
          <Fragment key={i}>{math}</Fragment>
        );
      })}
    </span>
  );
});

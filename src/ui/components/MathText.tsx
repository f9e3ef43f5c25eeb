/**
 * Renders untrusted text (problems, model chains of thought) with its LaTeX typeset by KaTeX.
 * Plain text goes into React text nodes, so markup in it is shown, never interpreted. KaTeX runs with
 * trust: false (no \href, \url, \includegraphics or HTML extensions) and throwOnError: false (a bad
 * formula shows in red), and its output is escaped HTML, so model output cannot inject elements.
 */
import katex from 'katex';
import 'katex/dist/katex.min.css';
import { memo, useMemo } from 'react';
import { splitMath } from './math-segments.ts';

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

export interface MathTextProps {
  text: string;
  className?: string;
}

export const MathText = memo(function MathText({ text, className }: MathTextProps) {
  const segments = useMemo(() => splitMath(text), [text]);
  return (
    <span className={className ? `math-text ${className}` : 'math-text'}>
      {segments.map((segment, i) =>
        segment.kind === 'text' ? (
          <span key={i} className="math-text-plain">
            {segment.text}
          </span>
        ) : (
          <span key={i} className={segment.display ? 'math-display' : 'math-inline'} dangerouslySetInnerHTML={{ __html: renderTex(segment.tex, segment.display) }} />
        ),
      )}
    </span>
  );
});

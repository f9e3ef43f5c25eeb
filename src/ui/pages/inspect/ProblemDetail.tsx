/**
 * One problem of a run: the problem, the gold answer, and each sample's whole chain of thought with
 * KaTeX, the extracted answer marked; optionally a second run's output beside it. Model output is
 * untrusted: it reaches the page only through MathText (text nodes and KaTeX with trust off).
 */
import type { EvalResultRecord, EvalRunRecord } from '../../../db/eval.ts';
import { MathText } from '../../components/MathText.tsx';
import { locateAnswer } from './answer-location.ts';

/**
 * Renders an answer as inline math: wrapped in \(…\) so that bare LaTeX such as \frac{1}{2} is typeset.
 * An answer with its own $ or \) delimiters is rendered as it is.
 */
export function AnswerTex({ answer }: { answer: string }) {
  const delimited = /(^|[^\\])\$/.test(answer) || answer.includes('\\)');
  return <MathText text={delimited ? answer : `\\(${answer}\\)`} />;
}

function OutputColumn({ run, result, testId }: { run: EvalRunRecord; result: EvalResultRecord | undefined; testId: string }) {
  if (!result) {
    return (
      <div className="output-column" data-testid={testId}>
        <h3>{run.name}</h3>
        <p className="hint">This run has no output for this problem and sample.</p>
      </div>
    );
  }
  const highlight = locateAnswer(result.output, result.extracted, result.rule);
  return (
    <div className="output-column" data-testid={testId}>
      <h3>{run.name}</h3>
      <dl className="facts answer-facts">
        <dt>Verdict</dt>
        <dd className={`verdict ${result.verdict}`} data-testid="detail-verdict">
          {result.verdict}
          {result.verdict !== 'unparsed' && <span className="hint"> ({result.method})</span>}
        </dd>
        <dt>Extracted answer</dt>
        <dd>
          {result.extracted === null ? (
            <span className="hint">none found</span>
          ) : (
            <mark className="answer-mark" data-testid="detail-extracted">
              <AnswerTex answer={result.extracted} />
            </mark>
          )}{' '}
          <span className="hint">rule: {result.rule}</span>
        </dd>
        <dt>Length</dt>
        <dd>
          {result.tokens > 0 ? `${result.tokens} tokens, ` : ''}
          {result.output.length} characters{result.ms > 0 ? `, ${(result.ms / 1000).toFixed(1)} s` : ''}
          {result.stopReason !== 'unknown' ? `, stopped by ${result.stopReason}` : ''}
        </dd>
      </dl>
      <div className="cot" data-testid="detail-output">
        <MathText text={result.output} highlight={highlight} />
      </div>
      {result.prompt && (
        <details className="prompt">
          <summary>Prompt</summary>
          <pre>{result.prompt}</pre>
        </details>
      )}
    </div>
  );
}

export interface ProblemDetailProps {
  run: EvalRunRecord;
  problem: string;
  samples: EvalResultRecord[];
  sample: number;
  onSample(sample: number): void;
  compare?: { run: EvalRunRecord; samples: EvalResultRecord[] } | null;
}

export function ProblemDetail({ run, problem, samples, sample, onSample, compare }: ProblemDetailProps) {
  const result = samples.find((s) => s.sample === sample) ?? samples[0];
  if (!result) return null;
  const k = Math.max(samples.length, compare?.samples.length ?? 0);

  return (
    <section className="panel problem-detail" data-testid="problem-detail">
      <h2>
        Problem {result.problemIndex + 1} <span className="hint">({result.problemId})</span>
        {result.subject && <span className="hint"> · {result.subject}</span>}
        {result.level !== undefined && <span className="hint"> · Level {result.level}</span>}
      </h2>
      <div className="problem-text" data-testid="detail-problem">
        {problem ? <MathText text={problem} /> : <span className="hint">The benchmark was deleted, so only the prompt is left.</span>}
      </div>
      <p>
        Gold answer:{' '}
        <mark className="gold-mark" data-testid="detail-gold">
          <AnswerTex answer={result.gold} />
        </mark>
      </p>
      {k > 1 && (
        <div className="samples" role="tablist" aria-label="Samples">
          {Array.from({ length: k }, (_, i) => {
            const verdict = samples.find((s) => s.sample === i)?.verdict;
            return (
              <button key={i} type="button" role="tab" aria-selected={i === sample} className={`sample ${verdict ?? ''}${i === sample ? ' active' : ''}`} onClick={() => onSample(i)}>
                Sample {i + 1}
              </button>
            );
          })}
        </div>
      )}
      <div className={compare ? 'outputs side-by-side' : 'outputs'}>
        <OutputColumn run={run} result={result} testId="output-main" />
        {compare && <OutputColumn run={compare.run} result={compare.samples.find((s) => s.sample === result.sample)} testId="output-compare" />}
      </div>
    </section>
  );
}

/** One run's scores: breakdown by subject and level, maj@k and pass@k, output lengths and settings. */
import { useLiveQuery } from 'dexie-react-hooks';
import { getDatabase } from '../../../db/database.ts';
import type { EvalRunRecord } from '../../../db/eval.ts';
import { runResults } from '../../../eval/runs/store.ts';
import { summarizeResults } from '../../../eval/runs/summary.ts';
import type { Accuracy, LengthStatistics, ScoreSummary } from '../../../eval/scoring.ts';
import { accuracyText, count, duration, percent } from './format.ts';

function GroupTable({ title, groups, testId }: { title: string; groups: Record<string, Accuracy>; testId: string }) {
  const entries = Object.entries(groups);
  if (entries.length === 0) return null;
  return (
    <table className="results compact" data-testid={testId}>
      <thead>
        <tr>
          <th>{title}</th>
          <th className="num">Problems</th>
          <th className="num">Correct</th>
          <th className="num">Accuracy (95% CI)</th>
        </tr>
      </thead>
      <tbody>
        {entries.map(([key, g]) => (
          <tr key={key}>
            <td>{key}</td>
            <td className="num">{count(g.total)}</td>
            <td className="num">{count(g.correct)}</td>
            <td className="num">{accuracyText(g)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function lengthRow(label: string, stats: LengthStatistics) {
  const f = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '–');
  return (
    <tr>
      <td>{label}</td>
      <td className="num">{f(stats.mean)}</td>
      <td className="num">{f(stats.median)}</td>
      <td className="num">{f(stats.p90)}</td>
      <td className="num">{f(stats.max)}</td>
    </tr>
  );
}

/** pass@k and maj@k for k = 1, 2, 4, … up to the samples every problem has. */
function MultiSampleTable({ multi }: { multi: NonNullable<ScoreSummary['multiSample']> }) {
  const ks = Object.keys(multi.passAtK)
    .map(Number)
    .sort((a, b) => a - b);
  return (
    <table className="results compact" data-testid="multi-sample">
      <thead>
        <tr>
          <th>k (of {multi.samplesPerProblem} samples per problem)</th>
          <th className="num">pass@k</th>
          <th className="num">maj@k (95% CI)</th>
        </tr>
      </thead>
      <tbody>
        {ks.map((k) => (
          <tr key={k}>
            <td>{k}</td>
            <td className="num">{percent(multi.passAtK[k])}</td>
            <td className="num">{accuracyText(multi.majorityAtK[k])}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function RunDetails({ run }: { run: EvalRunRecord }) {
  const summary = useLiveQuery(async () => summarizeResults(await runResults(getDatabase(), run.id)), [run.id, run.updatedAt]);
  if (!summary) return <p>Reading results…</p>;

  return (
    <div className="run-details" data-testid="run-details">
      <h3>{run.name}</h3>
      {run.error && (
        <p className="bad" role="alert">
          {run.error}
        </p>
      )}
      <dl className="facts">
        <dt>Top-1 accuracy</dt>
        <dd data-testid="details-top1">
          {accuracyText(summary.accuracy)}: {count(summary.accuracy.correct)} of {count(summary.accuracy.total)} problems
        </dd>
        <dt>Unparsed</dt>
        <dd>{count(summary.unanswered)} (no final answer could be extracted)</dd>
        <dt>Model</dt>
        <dd>
          {run.model.name}
          {run.model.detail ? `, ${run.model.detail}` : ''}
        </dd>
        <dt>Template</dt>
        <dd>{run.template ? run.template.name : 'made elsewhere (not known here)'}</dd>
        {run.sampling && (
          <>
            <dt>Sampling</dt>
            <dd>
              temperature {run.sampling.temperature}, top-p {run.sampling.topP}, top-k {run.sampling.topK || 'off'}, at most {run.sampling.maxTokens} tokens,
              seed {run.sampling.seed}
            </dd>
            <dt>Generation time</dt>
            <dd>{duration(run.generationMs)}</dd>
          </>
        )}
        {run.importInfo && (
          <>
            <dt>Imported from</dt>
            <dd>
              {run.importInfo.fileName} ({run.importInfo.format}
              {run.importInfo.skippedLines > 0 ? `, ${count(run.importInfo.skippedLines)} lines skipped` : ''})
            </dd>
          </>
        )}
      </dl>
      <div className="breakdowns">
        <GroupTable title="Subject" groups={summary.bySubject} testId="by-subject" />
        <GroupTable title="Level" groups={summary.byLevel} testId="by-level" />
      </div>
      {summary.multiSample && <MultiSampleTable multi={summary.multiSample} />}
      <table className="results compact" data-testid="lengths">
        <thead>
          <tr>
            <th>Output length</th>
            <th className="num">Mean</th>
            <th className="num">Median</th>
            <th className="num">90th percentile</th>
            <th className="num">Max</th>
          </tr>
        </thead>
        <tbody>
          {summary.outputChars && lengthRow('characters', summary.outputChars)}
          {summary.outputTokens && lengthRow('tokens', summary.outputTokens)}
        </tbody>
      </table>
    </div>
  );
}

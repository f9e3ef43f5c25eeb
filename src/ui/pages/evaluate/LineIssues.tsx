/** The list of file lines that were not imported, by number and reason. */
import type { LineIssue } from '../../../eval/benchmark-loader.ts';
import { count } from './format.ts';

export function LineIssues({ issues, total, testId }: { issues: LineIssue[]; total: number; testId: string }) {
  if (total === 0) return null;
  return (
    <details className="line-issues" open={total <= 20} data-testid={testId}>
      <summary className="bad">
        {count(total)} line{total === 1 ? ' was' : 's were'} skipped
      </summary>
      <ul>
        {issues.map((issue) => (
          <li key={issue.line}>
            Line {issue.line}: {issue.error}
            {issue.excerpt ? <code className="excerpt">{issue.excerpt}</code> : null}
          </li>
        ))}
      </ul>
      {total > issues.length && <p>The first {count(issues.length)} are listed.</p>}
    </details>
  );
}

/** `mwb dedup`: exact and near-duplicate report for a JSONL file, optionally writing the deduplicated file. */
import { Deduplicator } from '../../data/dedup.ts';
import { isImportError } from '../../data/formats.ts';
import { numberOption, parseCommandArgs, printJson, UsageError, type Command } from '../command.ts';
import { excerpt, JsonlWriter, LineErrorReport, readRecords } from './data-files.ts';

export const dedupCommand: Command = {
  name: 'dedup',
  summary: 'report exact and near-duplicate problems in a JSONL file (MinHash + LSH)',
  usage: `mwb dedup FILE.jsonl [--threshold 0.8] [--ngram 3] [--num-perm 64] [--out DEDUPED.jsonl] [--json]

Reads problems from JSONL in any supported format (mwb, Alpaca, ShareGPT, OpenAI messages, GSM8K) and
groups duplicates: exact after normalization (case, spacing and punctuation ignored) and near-duplicates
whose estimated Jaccard similarity of word n-grams reaches the threshold. The first item of each
cluster is kept. Malformed lines are reported by number and skipped.

Options:
  --threshold T   near-duplicate Jaccard threshold in (0, 1] (default 0.8)
  --ngram N       words per shingle (default 3)
  --num-perm N    MinHash signature length, 4–512 (default 64)
  --out FILE      write the kept records, unchanged, to FILE
  --clusters N    clusters to print (default 20)
  --json          print the report as JSON: {total, exactDuplicates, nearDuplicates, kept, clusters, params, skippedLines}`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      threshold: { type: 'string' },
      ngram: { type: 'string' },
      'num-perm': { type: 'string' },
      out: { type: 'string' },
      clusters: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError(`expected one input FILE.jsonl, got ${positionals.length}`);
    const [path] = positionals;
    const deduplicator = new Deduplicator({
      threshold: numberOption(values.threshold, '--threshold', 0.8, { min: 1e-9, max: 1 }),
      ngram: numberOption(values.ngram, '--ngram', 3, { min: 1, integer: true }),
      numPerm: numberOption(values['num-perm'], '--num-perm', 64, { min: 4, max: 512, integer: true }),
    });
    const shown = numberOption(values.clusters, '--clusters', 20, { min: 0, integer: true });

    const started = performance.now();
    const lines: number[] = [];
    const problems: string[] = [];
    const lineErrors = new LineErrorReport(path);
    for await (const entry of readRecords(path)) {
      if (isImportError(entry)) {
        lineErrors.add(entry);
        continue;
      }
      lines.push(entry.line);
      // Only the first problem of each cluster is printed, so keep short excerpts, not whole records.
      problems.push(excerpt(entry.item.problem, 120));
      deduplicator.add(entry.item.id, entry.item.problem);
    }
    lineErrors.finish(lines.length);
    const report = deduplicator.report();
    const seconds = (performance.now() - started) / 1000;

    if (values.out) {
      const writer = new JsonlWriter(values.out);
      let position = 0;
      for await (const entry of readRecords(path)) {
        if (isImportError(entry)) continue;
        if (!deduplicator.isDuplicate(position)) await writer.write(`${JSON.stringify(entry.raw)}\n`);
        position++;
      }
      await writer.close();
    }

    if (values.json) {
      printJson({ ...report, clusters: report.clusters.map((c) => ({ ...c, lines: c.members.map((m) => lines[m]) })), skippedLines: lineErrors.skipped, seconds });
      return 0;
    }
    console.log(`${path}: ${report.total} problems, ${report.exactDuplicates} exact duplicates, ${report.nearDuplicates} near duplicates, ${report.kept} kept (${lineErrors.skipped} lines skipped, ${seconds.toFixed(2)} s)`);
    console.log(`MinHash ${report.params.numPerm} permutations, ${report.params.bands} bands × ${report.params.rows} rows, ${report.params.ngram}-word shingles, threshold ${report.params.threshold}`);
    for (const cluster of report.clusters.slice(0, shown)) {
      console.log(`\ncluster of ${cluster.members.length} (${cluster.kind}${cluster.kind === 'near' ? `, similarity ≥ ${cluster.minSimilarity.toFixed(2)}` : ''}): lines ${cluster.members.slice(0, 12).map((m) => lines[m]).join(', ')}${cluster.members.length > 12 ? ', …' : ''}`);
      console.log(`  kept: ${problems[cluster.members[0]]}`);
      console.log(`  e.g.: ${problems[cluster.members[1]]}`);
    }
    if (report.clusters.length > shown) console.log(`\n… ${report.clusters.length - shown} more clusters (--clusters N or --json to see them)`);
    if (values.out) console.log(`wrote ${report.kept} records to ${values.out}`);
    return 0;
  },
};

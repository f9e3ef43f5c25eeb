/** Reading SFT records for `mwb train` from JSONL files in any format the data commands read. */
import type { SftRecord } from '../../train/sft-data.ts';
import { readRecords, reportLineError } from './data-files.ts';

/** Reads the problems of a JSONL file; bad lines are reported on stderr and skipped. */
export async function readSftFile(path: string, maxRecords: number | undefined, quiet: boolean): Promise<SftRecord[]> {
  const records: SftRecord[] = [];
  let badLines = 0;
  for await (const entry of readRecords(path)) {
    if ('error' in entry) {
      badLines++;
      if (!quiet && badLines <= 10) reportLineError(path, entry);
      continue;
    }
    records.push({ problem: entry.item.problem, solution: entry.item.solution, answer: entry.item.answer, source: `${path}:${entry.line}` });
    if (maxRecords !== undefined && records.length >= maxRecords) break;
  }
  if (badLines > 10 && !quiet) console.error(`${path}: ${badLines} lines skipped in all`);
  return records;
}

/**
 * From records to training data. Each stage gets a seeded held-out split first. Then the tokenizer
 * is learned from the training records of every stage, or is byte-level, or is given (a GGUF
 * model's). Last, every record is tokenized with the overflow policy. The CLI, the worker and
 * experiment runners share this pipeline.
 */
import { NoUsableExamplesError, splitHeldOut, templateParts, tokenizeRecords, exampleText, type DataReport, type HeldOutSize, type OverflowPolicy, type SftRecord, type SftTemplate, type TokenizedExample } from './sft-data.ts';
import { buildBpeTokenizer, buildByteTokenizer, type TrainingTokenizer } from './tokenizer.ts';
import type { TrainingData } from './trainer.ts';

export type TokenizerChoice = { kind: 'bpe'; vocabSize: number } | { kind: 'byte' } | { kind: 'given'; tokenizer: TrainingTokenizer };

export interface StageRecords {
  /** "normal", "hard" or "mixed". */
  name: string;
  records: SftRecord[];
  /** The file or shard the records came from, for messages. */
  sourceName: string;
}

export interface PrepareOptions {
  stages: StageRecords[];
  template: SftTemplate;
  tokenizer: TokenizerChoice;
  seqLen: number;
  overflow: OverflowPolicy;
  /** Held-out records per stage (default: 5% of each stage, at most 256). */
  heldOut?: HeldOutSize;
  seed: number;
}

export interface StageReport {
  name: string;
  sourceName: string;
  train: DataReport;
  /** Null when the stage kept no held-out records. */
  heldOut: DataReport | null;
}

export interface PreparedData {
  data: TrainingData;
  reports: StageReport[];
}

/** Prepares the data; raises NoUsableExamplesError naming the stage's source when a stage has no usable training example. */
export async function prepareTrainingData(options: PrepareOptions): Promise<PreparedData> {
  const splits = options.stages.map((stage, index) => ({ stage, ...splitHeldOut(stage.records, options.heldOut, options.seed + index) }));
  let tokenizer: TrainingTokenizer;
  if (options.tokenizer.kind === 'given') tokenizer = options.tokenizer.tokenizer;
  else if (options.tokenizer.kind === 'byte') tokenizer = await buildByteTokenizer();
  else {
    const texts = splits.flatMap((split) => split.train.map((record) => exampleText(options.template, record)));
    tokenizer = await buildBpeTokenizer(texts, { vocabSize: options.tokenizer.vocabSize, userDefined: templateParts(options.template) });
  }

  const tokenize = { template: options.template, seqLen: options.seqLen, overflow: options.overflow };
  const reports: StageReport[] = [];
  const heldOut: TokenizedExample[] = [];
  const stages = splits.map(({ stage, train, heldOut: held }) => {
    const trained = tokenizeRecords(train, tokenizer, tokenize, stage.sourceName);
    let heldReport: DataReport | null = null;
    if (held.length > 0) {
      try {
        const tokenized = tokenizeRecords(held, tokenizer, tokenize, `${stage.sourceName} (held-out part)`);
        heldOut.push(...tokenized.examples);
        heldReport = tokenized.report;
      } catch (error) {
        // A held-out part without usable records only costs the held-out loss of this stage.
        if (!(error instanceof NoUsableExamplesError)) throw error;
        heldReport = error.report;
      }
    }
    reports.push({ name: stage.name, sourceName: stage.sourceName, train: trained.report, heldOut: heldReport });
    return { name: stage.name, examples: trained.examples };
  });
  return { data: { tokenizer, stages, heldOut }, reports };
}

/** Describes each stage in one line: records, used, truncated and skipped examples, tokens. */
export function describeReports(reports: readonly StageReport[]): string[] {
  return reports.map((r) => {
    const t = r.train;
    const skipped = t.skippedTooLong + t.skippedPromptTooLong + t.skippedEmpty;
    const parts = [
      `${t.used} training examples of ${t.records} records`,
      `${t.truncated} truncated`,
      `${skipped} skipped (${t.skippedTooLong} too long, ${t.skippedPromptTooLong} prompt too long, ${t.skippedEmpty} empty)`,
      `${t.tokens} tokens, ${t.responseTokens} with loss`,
      r.heldOut ? `${r.heldOut.used} held out` : 'none held out',
    ];
    return `stage ${r.name} (${r.sourceName}): ${parts.join(', ')}`;
  });
}

/** `mwb fit`: log-linear and power-law fits of accuracy against data size, per series, for results files, CSV points and the Skywork-Math paper's points. */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { CsvFormatError, csvSeries, describeRejected, importScalingCsv, type AccuracyScale } from '../../scaling/csv.ts';
import { experimentPanels, experimentSeries } from '../../scaling/experiment-series.ts';
import { ALPHA_MAX, ALPHA_MIN, describeFit, FIT_MODELS, fitSeries, type FitModel, type FitResult, type SeriesFits } from '../../scaling/fit.ts';
import { formatNumber, formatSize } from '../../scaling/format.ts';
import { REFERENCE_BENCHMARKS, referenceSeries, referenceSource } from '../../scaling/reference.ts';
import { parseResults } from '../../scaling/results.ts';
import { sizeRange, type ScalingSeries } from '../../scaling/series.ts';
import { parseCommandArgs, printJson, UsageError, type Command } from '../command.ts';

/** Series fitted together under one heading: a panel of an experiment, a CSV file, or a benchmark of the Skywork-Math paper. */
interface FitGroup {
  source: string;
  panel: string;
  series: ScalingSeries[];
}

interface FitOutcome extends FitGroup {
  fits: SeriesFits[];
}

const MODEL_OPTION: Record<string, readonly FitModel[]> = { both: FIT_MODELS, 'log-linear': ['log-linear'], 'power-law': ['power-law'] };

async function readInput(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path} not found` : `failed to read ${path}: ${(error as Error).message}`);
  }
}

function isJson(path: string, text: string): boolean {
  const extension = extname(path).toLowerCase();
  if (extension === '.json') return true;
  if (extension === '.csv' || extension === '.tsv') return false;
  return text.trimStart().startsWith('{');
}

async function groupsOfFile(path: string, options: { panel?: string; splitSeeds: boolean; accuracyScale: 'auto' | AccuracyScale }): Promise<FitGroup[]> {
  const text = await readInput(path);
  if (isJson(path, text)) {
    const results = parseResults(text, path);
    const panels = experimentPanels(results).map((p) => p.key);
    if (options.panel !== undefined && !panels.includes(options.panel)) {
      throw new UsageError(`--panel ${options.panel}: ${path} has no such panel; its panels are ${panels.join(', ')}`);
    }
    const chosen = options.panel === undefined ? panels : [options.panel];
    const source = `${path} (experiment "${results.experiment.name}")`;
    return chosen.map((panel) => ({ source, panel, series: experimentSeries(results, panel, { splitSeeds: options.splitSeeds }) }));
  }

  let imported;
  try {
    imported = importScalingCsv(text, { defaultLabel: basename(path, extname(path)), accuracyScale: options.accuracyScale });
  } catch (error) {
    if (error instanceof CsvFormatError) throw new Error(`${path}: ${error.message}`);
    throw error;
  }
  for (const line of describeRejected(imported.rejected)) console.error(`mwb fit: ${path} ${line} (row left out)`);
  for (const warning of imported.warnings) console.error(`mwb fit: ${path}: ${warning}`);
  if (imported.points.length === 0) throw new Error(`${path}: no row could be used (see the lines above)`);
  console.error(`mwb fit: ${path}: ${imported.scaleReason}`);
  return [{ source: path, panel: 'csv', series: csvSeries(imported.points, path, path) }];
}

function referenceGroups(): FitGroup[] {
  return REFERENCE_BENCHMARKS.map((benchmark) => ({ source: referenceSource(), panel: benchmark, series: referenceSeries(benchmark) }));
}

function parameterText(fit: FitResult): string {
  if (!fit.ok) return '';
  const pp = (v: number, e: number | null) => `${formatNumber(v * 100)}${e !== null ? ` ± ${formatNumber(e * 100, 3)}` : ''}`;
  if (fit.model === 'log-linear') return `a = ${pp(fit.a, fit.aStdErr)}, b = ${pp(fit.b, fit.bStdErr)} (pp)`;
  return `A = ${pp(fit.A, fit.AStdErr)}, B = ${pp(fit.B, fit.BStdErr)} (pp), α = ${formatNumber(fit.alpha)}${fit.alphaStdErr !== null ? ` ± ${formatNumber(fit.alphaStdErr, 3)}` : ''}`;
}

function printText(outcomes: FitOutcome[]): void {
  for (const outcome of outcomes) {
    console.log(`${outcome.source}, panel ${outcome.panel}`);
    if (outcome.series.length === 0) console.log('  (no finished cells with results on this panel)');
    outcome.series.forEach((series, i) => {
      const range = sizeRange([series]);
      const sizes = range ? `, ${formatSize(range[0])}–${formatSize(range[1])}` : '';
      console.log(`  ${series.label}  (${series.points.length} points${sizes})`);
      for (const fit of outcome.fits[i].fits) {
        const name = fit.model === 'log-linear' ? 'log-linear' : 'power law ';
        if (!fit.ok) {
          console.log(`    ${name}  failed: ${fit.reason}`);
        } else {
          console.log(`    ${name}  ${describeFit(fit)}`);
          console.log(`                ${parameterText(fit)}, R² = ${formatNumber(fit.r2, 4)}, RMSE = ${formatNumber(fit.rmse * 100, 3)} pp${fit.weighted ? ', weighted' : ''}`);
        }
        for (const warning of fit.warnings) console.log(`                note: ${warning}`);
      }
    });
  }
}

export const fitCommand: Command = {
  name: 'fit',
  summary: 'fit accuracy against data size (log-linear and power law) for results, CSV points or the paper',
  usage: `mwb fit [FILE ...] [--reference] [--json] [--weighted] [--model both|log-linear|power-law]
        [--panel NAME] [--split-seeds] [--accuracy-scale auto|fraction|percent]

Fits accuracy against training-data size N for each series:
  log-linear   acc = a + b·ln N
  power law    acc = A − B·N^(−α), α searched from ${ALPHA_MIN} to ${ALPHA_MAX}
and prints the parameters (a, b, A, B in percentage points, ± one standard error), R² and RMSE.
A fit that cannot be made (too few sizes, flat accuracy) is reported with its reason.

Inputs, any mix of:
  FILE.json     scaling results (format "mwb-scaling-results", see docs/scaling.md): one series per
                variant, on each panel (normal, hard, benchmark:NAME)
  FILE.csv      points with a header row: size, accuracy, label, optionally low and high, a ±
                half-width, or total (the Scaling page's import format); bad rows are reported
                on stderr by line and left out
  --reference   the Skywork-Math paper's points (arXiv:2407.08348v2), MATH and GSM8K

Options:
  --json                   print one JSON object {groups: [{source, panel, series, fits}]}
  --weighted               weight points by 1/σ², σ from their 95% interval width
  --model NAME             both (default), log-linear or power-law
  --panel NAME             only this panel of results files (normal, hard, benchmark:NAME)
  --split-seeds            one series per seed instead of pooling seeds
  --accuracy-scale SCALE   how CSV accuracy is read: auto (default: percent if any value is
                           above 1 or has %), fraction (0–1) or percent (0–100)`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      json: { type: 'boolean' },
      reference: { type: 'boolean' },
      weighted: { type: 'boolean' },
      model: { type: 'string' },
      panel: { type: 'string' },
      'split-seeds': { type: 'boolean' },
      'accuracy-scale': { type: 'string' },
    });
    const models = MODEL_OPTION[values.model ?? 'both'];
    if (!models) throw new UsageError(`--model must be both, log-linear or power-law, got "${values.model}"`);
    const accuracyScale = values['accuracy-scale'] ?? 'auto';
    if (!['auto', 'fraction', 'percent'].includes(accuracyScale)) throw new UsageError(`--accuracy-scale must be auto, fraction or percent, got "${accuracyScale}"`);
    if (positionals.length === 0 && !values.reference) throw new UsageError('give at least one results .json or points .csv file, or --reference for the paper points');

    const groups: FitGroup[] = [];
    for (const path of positionals) {
      groups.push(...(await groupsOfFile(path, { panel: values.panel, splitSeeds: values['split-seeds'] ?? false, accuracyScale: accuracyScale as 'auto' | AccuracyScale })));
    }
    if (values.reference) groups.push(...referenceGroups());

    const outcomes: FitOutcome[] = groups.map((group) => ({ ...group, fits: group.series.map((s) => fitSeries(s, { weighted: values.weighted ?? false }, models)) }));
    if (values.json) {
      printJson({
        groups: outcomes.map((o) => ({
          source: o.source,
          panel: o.panel,
          series: o.series.map((s, i) => ({ label: s.label, source: s.source, points: s.points, fits: o.fits[i].fits })),
        })),
      });
    } else {
      printText(outcomes);
    }
    return 0;
  },
};

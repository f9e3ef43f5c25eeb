/**
 * IndexedDB records of the scaling explorer: imported CSV series, and experiment results stored one
 * cell per record so a running sweep can write each cell as soon as it finishes. Writes that touch
 * more than one record run in a transaction, so a failed write leaves the stored data as it was.
 */
import type { AccuracyScale, CsvImport, CsvPoint, CsvRejectedRow } from '../scaling/csv.ts';
import { RESULTS_FORMAT, RESULTS_VERSION, validateCell, type ExperimentCell, type ExperimentResults } from '../scaling/results.ts';
import type { WorkbenchDatabase } from './database.ts';

export interface ScalingImportRecord {
  id?: number;
  fileName: string;
  /** Unix milliseconds. */
  importedAt: number;
  accuracyScale: AccuracyScale;
  scaleReason: string;
  points: CsvPoint[];
  /** Rows left out at import, kept so the report can be shown again. */
  rejected: CsvRejectedRow[];
  warnings: string[];
  /** Whether the series are drawn on the imported-series chart. */
  visible: boolean;
}

export interface ScalingExperimentRecord {
  id: string;
  name: string;
  /** ISO 8601, from the results. */
  createdAt: string;
  /** Unix milliseconds when this browser stored it. */
  storedAt: number;
  /** Results format version the experiment was written with. */
  version: number;
  spec?: unknown;
}

export interface ScalingCellRecord extends ExperimentCell {
  experimentId: string;
  /** Position of the cell in the results, kept so a stored experiment reads back in its order. */
  order: number;
}

/** Stores an imported CSV file and returns its id. */
export async function saveImport(db: WorkbenchDatabase, fileName: string, imported: CsvImport): Promise<number> {
  const id = await db.scalingImports.add({
    fileName,
    importedAt: Date.now(),
    accuracyScale: imported.accuracyScale,
    scaleReason: imported.scaleReason,
    points: imported.points,
    rejected: imported.rejected,
    warnings: imported.warnings,
    visible: true,
  });
  return id as number;
}

export async function setImportVisible(db: WorkbenchDatabase, id: number, visible: boolean): Promise<void> {
  await db.scalingImports.update(id, { visible });
}

export async function deleteImport(db: WorkbenchDatabase, id: number): Promise<void> {
  await db.scalingImports.delete(id);
}

/**
 * Stores whole experiment results (an opened results.json). An experiment with the same id is
 * replaced, cells included, in one transaction; returns whether one was replaced.
 */
export async function saveExperimentResults(db: WorkbenchDatabase, results: ExperimentResults): Promise<{ replaced: boolean }> {
  const { experiment } = results;
  return db.transaction('rw', db.scalingExperiments, db.scalingCells, async () => {
    const replaced = (await db.scalingExperiments.get(experiment.id)) !== undefined;
    await db.scalingCells.where('experimentId').equals(experiment.id).delete();
    await db.scalingExperiments.put({
      id: experiment.id,
      name: experiment.name,
      createdAt: experiment.createdAt,
      storedAt: Date.now(),
      version: results.version,
      ...(experiment.spec !== undefined ? { spec: experiment.spec } : {}),
    });
    await db.scalingCells.bulkPut(results.cells.map((cell, order) => ({ ...cell, experimentId: experiment.id, order })));
    return { replaced };
  });
}

/**
 * Stores or updates one cell of a stored experiment, for a sweep that writes results as they finish.
 * An invalid cell raises ResultsFormatError before anything is written.
 */
export async function putExperimentCell(db: WorkbenchDatabase, experimentId: string, cell: ExperimentCell): Promise<void> {
  validateCell(cell, `cell of experiment "${experimentId}"`);
  await db.transaction('rw', db.scalingExperiments, db.scalingCells, async () => {
    if (!(await db.scalingExperiments.get(experimentId))) throw new Error(`experiment "${experimentId}" is not stored; store it with saveExperimentResults first`);
    const existing = await db.scalingCells.get([experimentId, cell.id]);
    const order = existing?.order ?? (await db.scalingCells.where('experimentId').equals(experimentId).count());
    await db.scalingCells.put({ ...cell, experimentId, order });
  });
}

/** Reads a stored experiment back in the results format, or null when it is not stored. */
export async function loadExperimentResults(db: WorkbenchDatabase, id: string): Promise<ExperimentResults | null> {
  return db.transaction('r', db.scalingExperiments, db.scalingCells, async () => {
    const record = await db.scalingExperiments.get(id);
    if (!record) return null;
    const cells = (await db.scalingCells.where('experimentId').equals(id).toArray()).sort((a, b) => a.order - b.order);
    return {
      format: RESULTS_FORMAT,
      version: RESULTS_VERSION,
      experiment: { id: record.id, name: record.name, createdAt: record.createdAt, ...(record.spec !== undefined ? { spec: record.spec } : {}) },
      cells: cells.map(({ experimentId: _experimentId, order: _order, ...cell }) => cell),
    };
  });
}

export async function deleteExperiment(db: WorkbenchDatabase, id: string): Promise<void> {
  await db.transaction('rw', db.scalingExperiments, db.scalingCells, async () => {
    await db.scalingCells.where('experimentId').equals(id).delete();
    await db.scalingExperiments.delete(id);
  });
}

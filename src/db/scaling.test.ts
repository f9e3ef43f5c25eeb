import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { importScalingCsv } from '../scaling/csv.ts';
import { RESULTS_FORMAT, type ExperimentResults } from '../scaling/results.ts';
import { WorkbenchDatabase } from './database.ts';
import { deleteExperiment, deleteImport, loadExperimentResults, putExperimentCell, saveExperimentResults, saveImport, setImportVisible } from './scaling.ts';

let databases: WorkbenchDatabase[] = [];
function openDatabase(): WorkbenchDatabase {
  const db = new WorkbenchDatabase(`scaling-test-${databases.length}-${Date.now()}`);
  databases.push(db);
  return db;
}
afterEach(async () => {
  for (const db of databases) await db.delete();
  databases = [];
});

function results(cellIds: string[]): ExperimentResults {
  return {
    format: RESULTS_FORMAT,
    version: 1,
    experiment: { id: 'exp-1', name: 'sweep', createdAt: '2026-12-01T10:00:00.000Z', spec: { seeds: [0] } },
    cells: cellIds.map((id, i) => ({
      id,
      variant: { methods: ['evol'], curriculum: 'mixed', seed: 0 },
      dataSize: 1000 * (i + 1),
      status: 'done',
      evaluations: [{ testSet: 'normal', correct: i, total: 10 }],
      trainingLoss: [{ step: 0, loss: 2 }],
    })),
  };
}

describe('scaling records', () => {
  it('stores, hides and deletes an imported CSV', async () => {
    const db = openDatabase();
    const imported = importScalingCsv('size,accuracy\n1000,0.2\nbad,0.3\n', { defaultLabel: 'runs' });
    const id = await saveImport(db, 'runs.csv', imported);
    const stored = await db.scalingImports.get(id);
    expect(stored?.points).toEqual(imported.points);
    expect(stored?.rejected).toEqual([{ line: 3, reason: expect.stringMatching(/size "bad"/) }]);
    expect(stored?.visible).toBe(true);
    await setImportVisible(db, id, false);
    expect((await db.scalingImports.get(id))?.visible).toBe(false);
    await deleteImport(db, id);
    expect(await db.scalingImports.count()).toBe(0);
  });

  it('round-trips experiment results in cell order', async () => {
    const db = openDatabase();
    const original = results(['z-last-id', 'a-first-id', 'm-middle']);
    expect(await saveExperimentResults(db, original)).toEqual({ replaced: false });
    expect(await loadExperimentResults(db, 'exp-1')).toEqual(original);
    expect(await loadExperimentResults(db, 'missing')).toBeNull();
  });

  it('replaces an experiment with the same id', async () => {
    const db = openDatabase();
    await saveExperimentResults(db, results(['a', 'b', 'c']));
    expect(await saveExperimentResults(db, results(['d']))).toEqual({ replaced: true });
    expect((await loadExperimentResults(db, 'exp-1'))?.cells.map((c) => c.id)).toEqual(['d']);
  });

  it('adds and updates single cells', async () => {
    const db = openDatabase();
    await saveExperimentResults(db, results(['a']));
    const [extra] = results(['b']).cells;
    await putExperimentCell(db, 'exp-1', { ...extra, status: 'running' });
    await putExperimentCell(db, 'exp-1', { ...extra, status: 'failed', error: 'device lost' });
    const loaded = await loadExperimentResults(db, 'exp-1');
    expect(loaded?.cells.map((c) => [c.id, c.status])).toEqual([
      ['a', 'done'],
      ['b', 'failed'],
    ]);
    await expect(putExperimentCell(db, 'nope', extra)).rejects.toThrow(/experiment "nope" is not stored/);
    await expect(putExperimentCell(db, 'exp-1', { ...extra, dataSize: -3 })).rejects.toThrow(/cell\.dataSize: expected an integer from 1, got -3/);
    expect((await loadExperimentResults(db, 'exp-1'))?.cells.find((c) => c.id === 'b')?.status).toBe('failed');
  });

  it('deletes an experiment with its cells', async () => {
    const db = openDatabase();
    await saveExperimentResults(db, results(['a', 'b']));
    await deleteExperiment(db, 'exp-1');
    expect(await db.scalingCells.count()).toBe(0);
    expect(await db.scalingExperiments.count()).toBe(0);
  });
});

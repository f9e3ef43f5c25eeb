/**
 * The workbench's IndexedDB database (Dexie). Each schema change adds a new version() below and
 * keeps the old ones, so a browser holding an older database upgrades in place without data loss.
 */
import Dexie, { type EntityTable } from 'dexie';
import type { SelfTestRow } from '../kernels/selftest.ts';

export interface SelfTestRecord {
  id?: number;
  /** Unix milliseconds when the run finished. */
  at: number;
  adapter: string;
  isFallbackAdapter: boolean;
  passed: number;
  failed: number;
  rows: SelfTestRow[];
}

export interface MetaRecord {
  key: string;
  value: unknown;
}

export const DATABASE_NAME = 'math-reasoning-workbench';

export class WorkbenchDatabase extends Dexie {
  meta!: EntityTable<MetaRecord, 'key'>;
  selfTests!: EntityTable<SelfTestRecord, 'id'>;

  constructor(name = DATABASE_NAME) {
    super(name);
    this.version(1).stores({
      meta: 'key',
      selfTests: '++id, at',
    });
  }
}

let shared: WorkbenchDatabase | null = null;

/** The database used by the app and its worker (each opens its own connection to the same store). */
export function getDatabase(): WorkbenchDatabase {
  shared ??= new WorkbenchDatabase();
  return shared;
}

/**
 * Fixtures for evaluation tests in Node: a fresh fake-indexeddb database per test, deleted after it,
 * and in-memory text as a JSONL byte source.
 */
import 'fake-indexeddb/auto';
import { afterEach } from 'vitest';
import { WorkbenchDatabase } from '../src/db/database.ts';

/** Returns a factory of uniquely named databases; every one is deleted after each test of the file. */
export function freshDatabases(prefix: string): () => WorkbenchDatabase {
  const open: WorkbenchDatabase[] = [];
  afterEach(async () => {
    for (const db of open.splice(0)) await db.delete();
  });
  return () => {
    const db = new WorkbenchDatabase(`${prefix}-${crypto.randomUUID()}`);
    open.push(db);
    return db;
  };
}

export async function* textSource(content: string): AsyncGenerator<string> {
  yield content;
}

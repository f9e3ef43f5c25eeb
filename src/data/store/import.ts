/** Imports a JSONL file (any supported SFT format) as a new shard, reporting malformed lines by number. */
import type { ShardRecord } from '../../db/data.ts';
import type { WorkbenchDatabase } from '../../db/database.ts';
import type { ByteSource } from '../../util/jsonl.ts';
import { importJsonl, isImportError, type AnswerExtractor, type ImportLineError } from '../formats.ts';
import type { GenerationEvent } from '../generate.ts';
import { createShard, setShardStatus, writeBatch } from './shards.ts';

export interface ImportReport {
  shard: ShardRecord;
  imported: number;
  /** Every malformed line, by number; they are also stored as rejected items of the shard. */
  errors: ImportLineError[];
}

export async function importShard(
  db: WorkbenchDatabase,
  name: string,
  source: ByteSource,
  extract: AnswerExtractor,
  onProgress?: (imported: number, errors: number) => void,
  batchSize = 1000,
): Promise<ImportReport> {
  let shard = await createShard(db, { name, stage: 'normal', methods: [], families: [], generator: 'import', generatorVersion: 'import-1', seed: 0, count: 0 });
  const errors: ImportLineError[] = [];
  let events: GenerationEvent[] = [];
  let imported = 0;
  const flush = async (end: number) => {
    const result = await writeBatch(db, shard.id, shard.nextIndex, events, end);
    shard = result.shard;
    imported += result.stored;
    events = [];
    onProgress?.(imported, errors.length);
  };
  let lastLine = 0;
  try {
    for await (const entry of importJsonl(source, extract, shard.id)) {
      lastLine = entry.line;
      if (isImportError(entry)) {
        errors.push(entry);
        events.push({ index: entry.line, rejected: { index: entry.line, method: 'plain', family: 'import', reason: `line ${entry.line}: ${entry.error}`, problem: entry.excerpt } });
      } else {
        events.push({ index: entry.line, item: entry.item });
      }
      if (events.length >= batchSize) await flush(lastLine + 1);
    }
    await flush(lastLine + 1);
  } catch (error) {
    await setShardStatus(db, shard.id, 'paused', `import stopped at line ${lastLine}: ${(error as Error).message}`);
    throw error;
  }
  await db.synthShards.update(shard.id, { status: 'complete', count: imported });
  shard = (await db.synthShards.get(shard.id))!;
  return { shard, imported, errors };
}

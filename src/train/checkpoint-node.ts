/** Checkpoint storage in a folder on disk, for the CLI and Node tests. */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CheckpointStorage } from './checkpoint.ts';

/**
 * Stores checkpoint files in `folder` (created when missing). A file is written under a temporary
 * name and renamed into place, so a failed write never replaces an existing file.
 */
export function folderStorage(folder: string): CheckpointStorage {
  return {
    location: folder,
    async write(name, parts) {
      await mkdir(folder, { recursive: true });
      const temporary = join(folder, `${name}.partial`);
      const handle = await open(temporary, 'w');
      try {
        for (const part of parts) await handle.write(part);
        await handle.sync();
      } catch (error) {
        await handle.close();
        await rm(temporary, { force: true });
        throw error;
      }
      await handle.close();
      await rename(temporary, join(folder, name));
    },
    async read(name) {
      try {
        const bytes = await readFile(join(folder, name));
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async remove(name) {
      await rm(join(folder, name), { force: true });
    },
    async list() {
      try {
        return (await readdir(folder)).filter((name) => !name.endsWith('.partial'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
    },
  };
}

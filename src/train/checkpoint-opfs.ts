/**
 * Checkpoint storage in the browser's origin private file system (OPFS). Files are written with
 * createWritable, whose data only replaces the file when the stream closes, so a write that fails
 * (QuotaExceededError) or is cut off by a closed tab leaves the old file as it was.
 */
import type { CheckpointStorage } from './checkpoint.ts';

/** Opens (creating as needed) the folder at `path` under the OPFS root, e.g. ["mwb-train", runId]. */
export async function opfsFolder(path: readonly string[]): Promise<FileSystemDirectoryHandle> {
  let folder = await navigator.storage.getDirectory();
  for (const name of path) folder = await folder.getDirectoryHandle(name, { create: true });
  return folder;
}

export function opfsStorage(folder: FileSystemDirectoryHandle, location: string): CheckpointStorage {
  return {
    location,
    async write(name, parts) {
      const handle = await folder.getFileHandle(name, { create: true });
      const stream = await handle.createWritable();
      try {
        for (const part of parts) await stream.write(part as Uint8Array<ArrayBuffer>);
        await stream.close();
      } catch (error) {
        await stream.abort().catch(() => undefined);
        throw error;
      }
    },
    async read(name) {
      try {
        const file = await (await folder.getFileHandle(name)).getFile();
        return new Uint8Array(await file.arrayBuffer());
      } catch (error) {
        if ((error as DOMException).name === 'NotFoundError') return null;
        throw error;
      }
    },
    async remove(name) {
      try {
        await folder.removeEntry(name);
      } catch (error) {
        if ((error as DOMException).name !== 'NotFoundError') throw error;
      }
    },
    async list() {
      const names: string[] = [];
      for await (const [name, handle] of folder as unknown as AsyncIterable<[string, FileSystemHandle]>) if (handle.kind === 'file') names.push(name);
      return names;
    },
  };
}

/** Removes the folder at `path` and everything in it; a missing folder is not an error. */
export async function removeOpfsFolder(path: readonly string[]): Promise<void> {
  if (path.length === 0) throw new Error('Refusing to remove the OPFS root.');
  let parent = await navigator.storage.getDirectory();
  try {
    for (const name of path.slice(0, -1)) parent = await parent.getDirectoryHandle(name);
    await parent.removeEntry(path[path.length - 1], { recursive: true });
  } catch (error) {
    if ((error as DOMException).name !== 'NotFoundError') throw error;
  }
}

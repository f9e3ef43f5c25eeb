/** Node-only byte source and sink: a file path read and written through an fs file handle. */
import { open } from 'node:fs/promises';
import { checkReadRange, type ByteSource } from './source.ts';
import type { ByteSink } from './writer.ts';

/** Opens a file for random-access reads. Call `close()` when done. */
export async function openFileSource(path: string): Promise<ByteSource> {
  const handle = await open(path, 'r');
  const { size } = await handle.stat();
  return {
    name: path,
    size,
    async read(offset, length) {
      checkReadRange(path, size, offset, length);
      const bytes = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.read(bytes, done, length - done, offset + done);
        if (bytesRead === 0) throw new RangeError(`${path}: the file ended at ${offset + done} bytes while reading ${length} bytes at ${offset}`);
        done += bytesRead;
      }
      return bytes;
    },
    close: () => handle.close(),
  };
}

/** Opens (and truncates) a file for sequential writes. */
export async function openFileSink(path: string): Promise<ByteSink> {
  const handle = await open(path, 'w');
  return {
    async write(bytes) {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await handle.write(bytes, done, bytes.length - done);
        done += bytesWritten;
      }
    },
    close: () => handle.close(),
  };
}

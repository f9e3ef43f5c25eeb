/** Opening a GGUF file named on the command line, with a message that names the path when it cannot be opened. */
import type { GgufFile } from '../model/gguf/file.ts';
import { openGguf } from '../model/gguf/reader.ts';
import { openFileSource } from '../model/gguf/source-node.ts';

/**
 * Opens and parses the GGUF file at `path` and passes it to `use`, closing the file afterwards.
 * A missing file raises "PATH: file not found".
 */
export async function withGgufFile<T>(path: string, use: (file: GgufFile) => Promise<T>): Promise<T> {
  let source;
  try {
    source = await openFileSource(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${path}: file not found` : `${path}: cannot open: ${(error as Error).message}`);
  }
  try {
    return await use(await openGguf(source));
  } finally {
    await source.close?.();
  }
}

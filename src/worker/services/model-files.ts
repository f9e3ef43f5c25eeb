/**
 * Model files kept in the browser's origin private file system (OPFS), folder `models/`, for offline
 * reuse. A file arrives as a stream (a File from the picker, or a fetch body) and is written through
 * a FileSystemWritableFileStream a chunk at a time, so a 4 GB model never sits in memory. The stream
 * writes to a swap file that replaces the cached file only when it closes, so a failed or cancelled
 * transfer leaves no half-written model behind.
 */

export const MODELS_FOLDER = 'models';

export interface CachedModelFile {
  name: string;
  bytes: number;
  /** Unix milliseconds of the last write. */
  lastModified: number;
}

export interface TransferProgress {
  bytes: number;
  /** Total bytes when known (a File, or a response with Content-Length). */
  total: number | null;
}

const GGUF_MAGIC = [0x47, 0x47, 0x55, 0x46];

async function modelsFolder(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle(MODELS_FOLDER, { create: true });
}

/**
 * Checks a file name for the cache: one path segment ending in .gguf. Returns the trimmed name, or
 * raises an error that names what to change.
 */
export function checkModelFileName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed === '.' || trimmed === '..' || /[/\\\0]/.test(trimmed)) {
    throw new Error(`"${name}" is not a valid model file name; use a plain name such as model-q4_0.gguf`);
  }
  if (!/\.gguf$/i.test(trimmed)) throw new Error(`"${name}" does not end in .gguf; only GGUF model files can be cached`);
  return trimmed;
}

/**
 * Returns the cache name for a URL: its last path segment, with .gguf appended when missing
 * (https://host/x/model.gguf?download=1 → model.gguf, https://host/get/123 → 123.gguf).
 */
export function fileNameFromUrl(url: string): string {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    throw new Error(`"${url}" is not a valid URL`);
  }
  const last = decodeURIComponent(path.split('/').filter(Boolean).pop() ?? '').replace(/[\\\0]/g, '_');
  if (!last) return 'model.gguf';
  return /\.gguf$/i.test(last) ? last : `${last}.gguf`;
}

export async function listCachedModels(): Promise<CachedModelFile[]> {
  const folder = await modelsFolder();
  const models: CachedModelFile[] = [];
  for await (const [name, handle] of folder as unknown as AsyncIterable<[string, FileSystemHandle]>) {
    if (handle.kind !== 'file') continue;
    const file = await (handle as FileSystemFileHandle).getFile();
    models.push({ name, bytes: file.size, lastModified: file.lastModified });
  }
  return models.sort((a, b) => a.name.localeCompare(b.name));
}

/** Opens a cached model as a File, read by slices; raises a "not found" error naming it. */
export async function openCachedModel(name: string): Promise<File> {
  const folder = await modelsFolder();
  try {
    return await (await folder.getFileHandle(name)).getFile();
  } catch (error) {
    if ((error as DOMException).name === 'NotFoundError') throw new Error(`The cached model ${name} was not found; add it again from a file or URL.`);
    throw error;
  }
}

export async function deleteCachedModel(name: string): Promise<void> {
  const folder = await modelsFolder();
  try {
    await folder.removeEntry(name);
  } catch (error) {
    if ((error as DOMException).name !== 'NotFoundError') throw error;
  }
}

/**
 * Writes `stream` to the cache as `name`, reporting progress per chunk. The first bytes must be
 * the GGUF magic, so a web page or a wrong file is rejected at once. On any failure (including an
 * abort through `signal`) nothing replaces an existing file of that name, and a new entry is removed.
 */
export async function storeModelStream(
  name: string,
  stream: ReadableStream<Uint8Array>,
  total: number | null,
  onProgress?: (progress: TransferProgress) => void,
  signal?: AbortSignal,
): Promise<CachedModelFile> {
  const fileName = checkModelFileName(name);
  const folder = await modelsFolder();
  const existed = await folder.getFileHandle(fileName).then(
    () => true,
    () => false,
  );
  const handle = await folder.getFileHandle(fileName, { create: true });
  const writable = await handle.createWritable({ keepExistingData: false });
  const reader = stream.getReader();
  let bytes = 0;
  try {
    for (;;) {
      if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('The transfer was cancelled.', 'AbortError');
      const { done, value } = await reader.read();
      if (done) break;
      if (bytes < GGUF_MAGIC.length) checkMagic(fileName, value, bytes);
      await writable.write(value as Uint8Array<ArrayBuffer>);
      bytes += value.length;
      onProgress?.({ bytes, total });
    }
    if (bytes < GGUF_MAGIC.length) throw new Error(`${fileName} has ${bytes} bytes, too few for a GGUF file`);
    if (total !== null && bytes !== total) throw new Error(`${fileName}: received ${bytes} of ${total} bytes; the transfer was cut short, so try again`);
    await writable.close();
  } catch (error) {
    await reader.cancel().catch(() => undefined);
    await writable.abort().catch(() => undefined);
    if (!existed) await folder.removeEntry(fileName).catch(() => undefined);
    throw error;
  }
  const file = await handle.getFile();
  return { name: fileName, bytes: file.size, lastModified: file.lastModified };
}

/** Checks the bytes of `chunk` that fall within the 4-byte magic, `offset` being the chunk's position in the file. */
function checkMagic(name: string, chunk: Uint8Array, offset: number): void {
  for (let i = 0; i < chunk.length && offset + i < GGUF_MAGIC.length; i++) {
    if (chunk[i] !== GGUF_MAGIC[offset + i]) {
      throw new Error(`${name} is not a GGUF file: it does not start with the bytes "GGUF" (a web page or another format was received?)`);
    }
  }
}

/** Storage the origin uses and may use, when the browser reports it. */
export async function storageEstimate(): Promise<{ usage: number; quota: number } | null> {
  const estimate = await navigator.storage.estimate?.();
  if (!estimate || estimate.usage === undefined || estimate.quota === undefined) return null;
  return { usage: estimate.usage, quota: estimate.quota };
}

/**
 * Random-access byte sources for GGUF files: bytes in memory, a browser Blob or File (read by
 * slices, so a 5 GB file is never one ArrayBuffer), and a URL read with HTTP Range requests.
 * A Node file path is in source-node.ts, which browser code must not import.
 */

export interface ByteSource {
  /** File path, File name or URL, used in error messages. */
  readonly name: string;
  /** Total size in bytes. */
  readonly size: number;
  /**
   * Reads exactly `length` bytes starting at `offset`, and rejects when the range passes the end.
   * The result may be a view of the source's own memory (bytesSource), so callers must not modify it.
   */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Releases a file handle or similar resource; sources without one omit it. */
  close?(): Promise<void>;
}

/** Throws a RangeError unless [offset, offset + length) lies inside a source of `size` bytes. */
export function checkReadRange(name: string, size: number, offset: number, length: number): void {
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
    throw new RangeError(`${name}: cannot read ${length} bytes at offset ${offset}; the file has ${size} bytes`);
  }
}

export function bytesSource(bytes: Uint8Array, name = 'memory'): ByteSource {
  return {
    name,
    size: bytes.length,
    async read(offset, length) {
      checkReadRange(name, bytes.length, offset, length);
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** Wraps a Blob or File as a source that reads one slice per call. */
export function blobSource(blob: Blob, name = (blob as File).name || 'blob'): ByteSource {
  return {
    name,
    size: blob.size,
    async read(offset, length) {
      checkReadRange(name, blob.size, offset, length);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}

export interface UrlSourceOptions {
  /** Extra request headers, e.g. authorization. */
  headers?: Record<string, string>;
  /** A fetch implementation; the global fetch by default. */
  fetch?: typeof fetch;
  /** Extra attempts after a network error or a 5xx response, per read (default 2). */
  retries?: number;
}

/** Parses the total size from a Content-Range header such as "bytes 0-0/4108893824". */
function totalFromContentRange(header: string | null): number | undefined {
  const match = header?.match(/^bytes\s+\d+-\d+\/(\d+)$/i);
  return match ? Number(match[1]) : undefined;
}

/**
 * Opens a URL as a byte source. A first request for byte 0 reads the size from Content-Range, and
 * every read is one `Range: bytes=a-b` request that must return 206 Partial Content. Servers that
 * ignore Range (responding 200 with the whole file) are rejected instead of downloaded. In a
 * browser, a cross-origin server must also expose Content-Range (Access-Control-Expose-Headers).
 */
export async function openUrlSource(url: string, options: UrlSourceOptions = {}): Promise<ByteSource> {
  const fetchImpl = options.fetch ?? fetch;
  const retries = options.retries ?? 2;

  async function fetchRange(start: number, end: number): Promise<Response> {
    let lastError: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      try {
        const response = await fetchImpl(url, { headers: { ...options.headers, Range: `bytes=${start}-${end}` } });
        if (response.status >= 500 && attempt < retries) {
          lastError = new Error(`HTTP ${response.status} ${response.statusText}`);
          await response.body?.cancel();
          continue;
        }
        return response;
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error(`${url}: request for bytes ${start}-${end} failed after ${retries + 1} attempts: ${(lastError as Error)?.message ?? lastError}`);
  }

  function rejectResponse(response: Response, request: string): never {
    void response.body?.cancel();
    if (response.status === 200) {
      throw new Error(
        `${url}: the server ignored the Range header and sent the whole file (HTTP 200); ` +
          'serve the model from a server that supports HTTP range requests (206 Partial Content)',
      );
    }
    throw new Error(`${url}: ${request} failed with HTTP ${response.status} ${response.statusText}`.trim());
  }

  const probe = await fetchRange(0, 0);
  if (probe.status !== 206) rejectResponse(probe, 'the first range request');
  const size = totalFromContentRange(probe.headers.get('Content-Range'));
  await probe.arrayBuffer();
  if (size === undefined) {
    throw new Error(
      `${url}: the 206 response has no readable Content-Range total (got "${probe.headers.get('Content-Range')}"); ` +
        'a cross-origin server must list Content-Range in Access-Control-Expose-Headers',
    );
  }

  return {
    name: url,
    size,
    async read(offset, length) {
      checkReadRange(url, size, offset, length);
      if (length === 0) return new Uint8Array(0);
      const response = await fetchRange(offset, offset + length - 1);
      if (response.status !== 206) rejectResponse(response, `reading bytes ${offset}-${offset + length - 1}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      if (bytes.length !== length) {
        throw new Error(`${url}: asked for ${length} bytes at offset ${offset}, the server sent ${bytes.length}`);
      }
      return bytes;
    },
  };
}

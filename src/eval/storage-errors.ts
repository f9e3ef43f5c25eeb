/** Recognizes IndexedDB quota failures, which Dexie reports under several wrappers. */

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error ? String((error as { name: unknown }).name) : undefined;
}

/**
 * True when the error, or an error it wraps, is a QuotaExceededError: directly, as the `inner` error
 * of an aborted Dexie transaction, or among the `failures` of a Dexie BulkError.
 */
export function isQuotaError(error: unknown, depth = 0): boolean {
  if (depth > 4 || typeof error !== 'object' || error === null) return false;
  if (errorName(error) === 'QuotaExceededError') return true;
  const wrapped = error as { inner?: unknown; failures?: unknown };
  if (isQuotaError(wrapped.inner, depth + 1)) return true;
  const failures = wrapped.failures;
  if (Array.isArray(failures)) return failures.some((f) => isQuotaError(f, depth + 1));
  if (failures && typeof failures === 'object') return Object.values(failures).some((f) => isQuotaError(f, depth + 1));
  return false;
}

/** Raised when the browser's storage for this site is full; the message states what is kept and what to do. */
export class StorageFullError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageFullError';
  }
}

export const FREE_SPACE_ADVICE =
  "Free space by deleting runs or benchmarks you no longer need (or allow this site more storage in the browser's settings), then try again.";

/**
 * Converts a quota failure during a file import into a StorageFullError. Its message names the file,
 * the line and what became of the partial data (`outcome`). Other errors are returned unchanged.
 */
export function fileStorageError(error: unknown, activity: string, fileName: string, line: number, outcome: string): unknown {
  if (!isQuotaError(error)) return error;
  return new StorageFullError(
    `Browser storage is full (IndexedDB quota exceeded) while ${activity} ${fileName} at line ${line}. ` +
      `${outcome}; everything stored before is unchanged. ${FREE_SPACE_ADVICE}`,
    { cause: error },
  );
}

export interface AbandonedImport {
  /** Whether anything was written; only then `remove` runs. */
  written: boolean;
  /** Deletes what the failed import wrote. */
  remove(): Promise<void>;
  /** The partial record, for the log line ("benchmark <id>", "run <id>"). */
  partial: string;
  activity: string;
  fileName: string;
  line: number;
  outcome: string;
}

/**
 * Removes what a failed file import wrote, then returns the error to raise: a StorageFullError for a
 * quota failure (see fileStorageError), otherwise the original error. A failed removal is logged,
 * because the original error is the one the user needs to see.
 */
export async function abandonFileImport(error: unknown, abandoned: AbandonedImport): Promise<unknown> {
  if (abandoned.written) {
    await abandoned.remove().catch((cleanup: unknown) => {
      console.warn(`[eval] removing the partly written ${abandoned.partial} failed: ${(cleanup as Error).message ?? String(cleanup)}`);
    });
  }
  return fileStorageError(error, abandoned.activity, abandoned.fileName, abandoned.line, abandoned.outcome);
}

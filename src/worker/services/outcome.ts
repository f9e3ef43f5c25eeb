/**
 * Results of the worker services as they cross the comlink boundary: plain objects, with
 * errors as { name, message } (an Error loses its class on the way), and progress throttled so a fast
 * loop does not flood the UI thread with messages.
 */

/** An error crossing the worker boundary; `name` keeps classes apart, such as StorageFullError. */
export interface WorkerFailure {
  name: string;
  message: string;
}

export type WorkerOutcome<T> = ({ ok: true } & T) | { ok: false; error: WorkerFailure };

/** Logs a caught failure under the service's tag with what it concerns and returns it as a plain object. */
export function failureOf(tag: string, error: unknown, context: string): { ok: false; error: WorkerFailure } {
  const e = error instanceof Error ? error : new Error(String(error));
  console.warn(`[${tag}] ${context} failed: ${e.name}: ${e.message}`);
  return { ok: false, error: { name: e.name, message: e.message } };
}

/** Calls `fn` at most every `ms` milliseconds, keeping the latest call in between for flush(). */
export function throttle<A extends unknown[]>(fn: ((...args: A) => void) | undefined, ms: number) {
  let last = 0;
  let pending: A | null = null;
  return {
    call(...args: A) {
      if (!fn) return;
      const now = Date.now();
      if (now - last >= ms) {
        last = now;
        pending = null;
        fn(...args);
      } else {
        pending = args;
      }
    },
    flush() {
      if (fn && pending) fn(...pending);
      pending = null;
    },
  };
}

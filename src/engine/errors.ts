/** Errors of the inference engine. Each message names the value, what was expected and what to do. */

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** The model, with its KV cache and activations, needs more GPU memory than is available. */
export class ModelTooLargeError extends Error {
  constructor(
    readonly model: string,
    readonly neededBytes: number,
    /** Null when the device failed an allocation without saying how much it has. */
    readonly availableBytes: number | null,
    /** Source of the available figure, e.g. "free system memory (software adapter)". */
    readonly availableSource: string,
    detail = '',
  ) {
    const available = availableBytes === null ? `less is available (${availableSource})` : `${formatBytes(availableBytes)} is available (${availableSource})`;
    super(
      `${model} needs ${formatBytes(neededBytes)} of GPU memory${detail ? ` (${detail})` : ''}, but ${available}. ` +
        'Use a smaller model or quantization, a shorter context or a smaller batch.',
    );
    this.name = 'ModelTooLargeError';
  }
}

/** A tensor type, architecture or shape that the GPU engine has no kernels for. */
export class UnsupportedModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedModelError';
  }
}

/** Raised by generation after its AbortSignal fired. */
export class GenerationAbortedError extends Error {
  constructor(reason?: unknown) {
    super(`Generation was stopped${reason instanceof Error ? `: ${reason.message}` : typeof reason === 'string' ? `: ${reason}` : ''}.`);
    this.name = 'AbortError';
  }
}

/** The error raised for a GGUF file that cannot be read, naming the file and the field or tensor. */

export class GgufError extends Error {
  /** The file path, File name or URL. */
  readonly file: string;
  /** The header field, metadata key or tensor name the problem is in, when there is one. */
  readonly field: string | undefined;

  constructor(file: string, field: string | undefined, message: string) {
    super(`${file}: ${field ? `${field}: ` : ''}${message}`);
    this.name = 'GgufError';
    this.file = file;
    this.field = field;
  }
}

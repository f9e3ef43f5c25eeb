/** The shape of an `mwb` subcommand and shared argument helpers. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export interface Command {
  name: string;
  /** One line for `mwb --help`. */
  summary: string;
  /** Full usage text for `mwb NAME --help`. */
  usage: string;
  /** Runs the command and returns the process exit code. */
  run(argv: string[]): Promise<number>;
}

/**
 * A registry entry: the name and summary `mwb --help` lists, and a loader that imports the command's
 * module only when it runs, so one command does not pay the start-up time of all the others.
 */
export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Command>;
}

/** Raised for bad command-line input; main prints the message and the command's usage, then exits 1. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<T extends Options>(argv: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Parses a numeric option, naming the flag and the expected range when the value is invalid. */
export function numberOption(value: string | undefined, flag: string, fallback: number, options: { min?: number; max?: number; integer?: boolean } = {}): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  const { min = -Infinity, max = Infinity, integer = false } = options;
  if (!Number.isFinite(parsed) || (integer && !Number.isInteger(parsed)) || parsed < min || parsed > max) {
    const kind = integer ? 'an integer' : 'a number';
    const range = [Number.isFinite(min) ? `≥ ${min}` : '', Number.isFinite(max) ? `≤ ${max}` : ''].filter(Boolean).join(' and ');
    throw new UsageError(`${flag} must be ${kind}${range ? ` ${range}` : ''}, got "${value}"`);
  }
  return parsed;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

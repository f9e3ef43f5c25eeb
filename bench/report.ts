/** Shared helpers for benchmark output: the adapter line and aligned tables. */
import type { GpuContext } from '../src/gpu/context.ts';
import { cpus } from 'node:os';

export interface Bench {
  name: string;
  summary: string;
  run(argv: string[]): Promise<void>;
}

export function machineLine(ctx: GpuContext): string {
  const s = ctx.summary;
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `adapter: ${s.vendor} / ${s.architecture} (${s.description || 'no description'})${s.isFallbackAdapter ? ', fallback' : ''}; host: ${cpus().length}× ${cpu}, Node ${process.version}`;
}

export function printTable(header: string[], rows: (string | number)[][]): void {
  const cells = [header, ...rows.map((r) => r.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]?.length ?? 0)));
  for (const [index, row] of cells.entries()) {
    console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
    if (index === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

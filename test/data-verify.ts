/** Shared body of the per-method verification tests: every family at both stages, re-verified from scratch. */
import { expect } from 'vitest';
import { FAMILY_IDS } from '../src/data/families/index.ts';
import { generateEvents } from '../src/data/generate.ts';
import type { Method } from '../src/data/types.ts';
import { verifyText } from '../src/data/verify.ts';

/** Items per family and method, split evenly over the normal and hard stages. */
export const ITEMS_PER_FAMILY = 10_000;

export function verifyEveryFamily(method: Method): void {
  for (const family of FAMILY_IDS) {
    // Plain checks collected per item and asserted once: 80,000 expect() calls would dominate the run.
    const failures: string[] = [];
    let accepted = 0;
    for (const stage of ['normal', 'hard'] as const) {
      for (const event of generateEvents({ stage, methods: [method], families: [family], count: ITEMS_PER_FAMILY / 2, seed: 20261204 })) {
        if ('rejected' in event) {
          failures.push(`${stage} #${event.index} rejected: ${event.rejected.reason}`);
          continue;
        }
        const item = event.item;
        accepted++;
        if (item.method !== method || item.family !== family || item.stage !== stage) failures.push(`${item.id}: labelled ${item.method}/${item.family}/${item.stage}`);
        if (item.verification !== 'verified') failures.push(`${item.id}: verification ${item.verification}`);
        if (!item.solution.endsWith(`The answer is ${item.answer}`)) failures.push(`${item.id}: solution does not end with its answer ${item.answer}`);
        // Re-check from the text alone; self-correction solutions contain their planted slip on purpose.
        const text = verifyText(item.solution, item.answer, method === 'selfcorrect' ? 1 : 0);
        if (!text.ok) failures.push(`${item.id}: ${text.reason}\n${item.problem}\n${item.solution}`);
        if (failures.length > 20) break;
      }
    }
    expect(failures, `${family} ${method}`).toEqual([]);
    expect(accepted, `${family} ${method}`).toBe(ITEMS_PER_FAMILY);
  }
}

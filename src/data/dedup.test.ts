import { describe, expect, it } from 'vitest';
import { Deduplicator, lshParams } from './dedup.ts';
import { generateProblems } from './generate.ts';

const LONG = 'A farmer has 120 cows and 45 sheep on a farm near the river. Each cow gives 8 liters of milk a day and each sheep gives 1 liter. The farmer sells the milk at the market for 2 dollars a liter every morning. How much money does the farmer make in a week?';

describe('Deduplicator', () => {
  it('groups exact duplicates that differ in case, spacing and punctuation', () => {
    const d = new Deduplicator();
    expect(d.add('a', 'What is 2 + 3?')).toBe(-1);
    expect(d.add('b', 'what   is 2+3 ?!')).toBe(0);
    expect(d.add('c', 'What is 2 + 4?')).toBe(-1);
    const report = d.report();
    expect(report).toMatchObject({ total: 3, exactDuplicates: 1, nearDuplicates: 0, kept: 2 });
    expect(report.clusters).toEqual([{ members: [0, 1], ids: ['a', 'b'], kind: 'exact', minSimilarity: 1 }]);
    expect(d.isDuplicate(1)).toBe(true);
    expect(d.isDuplicate(2)).toBe(false);
  });

  it('finds near duplicates above the threshold only', () => {
    const d = new Deduplicator({ threshold: 0.7 });
    d.add('original', LONG);
    d.add('one-word', LONG.replace('river', 'lake'));
    d.add('other', 'Solve for x: 3x + 5 = 20. What is x? Show each intermediate result and check the answer by substitution.');
    const report = d.report();
    expect(report.nearDuplicates).toBe(1);
    expect(report.clusters).toHaveLength(1);
    expect(report.clusters[0]).toMatchObject({ ids: ['original', 'one-word'], kind: 'near' });
    expect(report.clusters[0].minSimilarity).toBeGreaterThanOrEqual(0.7);
  });

  it('keeps distinct generated problems apart', () => {
    const d = new Deduplicator();
    const items = [...generateProblems({ stage: 'hard', methods: ['plain', 'evol'], count: 2000, seed: 9 })];
    for (const item of items) d.add(item.id, item.problem);
    const report = d.report();
    const distinct = new Set(items.map((i) => i.hash)).size;
    expect(report.exactDuplicates).toBe(items.length - distinct);
    // Templated problems share wording, but at 0.8 only near-copies (a number or two apart) may match.
    expect(report.nearDuplicates).toBeLessThan(items.length * 0.05);
  });

  it('picks LSH bands near the threshold', () => {
    for (const threshold of [0.5, 0.7, 0.8, 0.9]) {
      const { bands, rows } = lshParams(threshold, 64);
      expect(bands * rows).toBeLessThanOrEqual(64);
      const midpoint = (1 / bands) ** (1 / rows);
      expect(Math.abs(midpoint - threshold)).toBeLessThan(0.12);
    }
  });

  it('rejects invalid settings', () => {
    expect(() => new Deduplicator({ threshold: 0 })).toThrow(/threshold/);
    expect(() => new Deduplicator({ ngram: 0 })).toThrow(/ngram/);
  });
});

/**
 * Deduplication: exact (hash of the normalized text) and near-duplicate (MinHash signatures over word
 * n-grams, banded with LSH so only candidates that share a band are compared). Items are added one at
 * a time, so a file or a shard streams through; duplicates are grouped into clusters with union-find.
 */
import { fmix32, hashString64, ngramKey, normalizeText, textWords, wordHashes } from './text.ts';

export interface DedupOptions {
  /** Estimated Jaccard similarity at or above which two items are near-duplicates (default 0.8). */
  threshold?: number;
  /** Words per shingle (default 3). */
  ngram?: number;
  /** MinHash signature length (default 64). */
  numPerm?: number;
}

export interface DedupParams {
  threshold: number;
  ngram: number;
  numPerm: number;
  bands: number;
  rows: number;
}

export interface DedupCluster {
  /** Input positions (0-based, in the order added); the first is the one kept. */
  members: number[];
  ids: string[];
  /** "exact" when every member has the same normalized text. */
  kind: 'exact' | 'near';
  /** Lowest estimated Jaccard similarity of a near-duplicate member to the item it matched (1 for exact). */
  minSimilarity: number;
}

export interface DedupReport {
  total: number;
  /** Items removed because their normalized text equals an earlier item's. */
  exactDuplicates: number;
  /** Items removed as near-duplicates (not exact) of an earlier item. */
  nearDuplicates: number;
  kept: number;
  clusters: DedupCluster[];
  params: DedupParams;
}

/**
 * Picks LSH bands × rows for a threshold: the pair that minimizes the probability mass of false
 * positives below the threshold plus false negatives above it, for collision probability
 * 1 − (1 − s^rows)^bands at Jaccard similarity s.
 */
export function lshParams(threshold: number, numPerm: number): { bands: number; rows: number } {
  const area = (f: (s: number) => number, lo: number, hi: number) => {
    const steps = 200;
    let sum = 0;
    for (let i = 0; i < steps; i++) sum += f(lo + ((i + 0.5) * (hi - lo)) / steps);
    return (sum * (hi - lo)) / steps;
  };
  let best = { bands: 1, rows: numPerm, error: Infinity };
  for (let bands = 1; bands <= numPerm; bands++) {
    for (let rows = 1; bands * rows <= numPerm; rows++) {
      const p = (s: number) => 1 - (1 - s ** rows) ** bands;
      const error = area(p, 0, threshold) + area((s) => 1 - p(s), threshold, 1);
      if (error < best.error) best = { bands, rows, error };
    }
  }
  return { bands: best.bands, rows: best.rows };
}

/** Compared members per LSH bucket; a bucket of thousands of near-copies still costs little. */
const BUCKET_COMPARISONS = 8;

export class Deduplicator {
  readonly params: DedupParams;
  private readonly seeds: Uint32Array;
  private signatures = new Uint32Array(0);
  private readonly ids: string[] = [];
  private readonly exactKeys: string[] = [];
  private readonly firstByExact = new Map<string, number>();
  private readonly parent: number[] = [];
  private readonly similarity: number[] = [];
  private readonly buckets = new Map<number, number[]>();
  private readonly signed: boolean[] = [];

  constructor(options: DedupOptions = {}) {
    const threshold = options.threshold ?? 0.8;
    const ngram = options.ngram ?? 3;
    const numPerm = options.numPerm ?? 64;
    if (!(threshold > 0 && threshold <= 1)) throw new RangeError(`threshold must be in (0, 1], got ${threshold}`);
    if (!Number.isInteger(ngram) || ngram < 1) throw new RangeError(`ngram must be a positive integer, got ${ngram}`);
    if (!Number.isInteger(numPerm) || numPerm < 4 || numPerm > 512) throw new RangeError(`numPerm must be an integer in [4, 512], got ${numPerm}`);
    this.params = { threshold, ngram, numPerm, ...lshParams(threshold, numPerm) };
    this.seeds = new Uint32Array(numPerm);
    for (let i = 0; i < numPerm; i++) this.seeds[i] = fmix32(0x5f3759df + i * 0x9e3779b9);
  }

  get size(): number {
    return this.ids.length;
  }

  private find(i: number): number {
    while (this.parent[i] !== i) {
      this.parent[i] = this.parent[this.parent[i]];
      i = this.parent[i];
    }
    return i;
  }

  /** Joins j into i's cluster; the root stays the lower index, the kept item. */
  private union(i: number, j: number, similarity: number): void {
    const a = this.find(i);
    const b = this.find(j);
    if (a === b) return;
    this.parent[Math.max(a, b)] = Math.min(a, b);
    this.similarity[j] = Math.min(this.similarity[j], similarity);
  }

  private signature(index: number): Uint32Array {
    const n = this.params.numPerm;
    return this.signatures.subarray(index * n, index * n + n);
  }

  /** Adds one item; returns the position of the earlier item it duplicates, or -1. */
  add(id: string, text: string): number {
    const index = this.ids.length;
    this.ids.push(id);
    this.parent.push(index);
    this.similarity.push(1);
    const normalized = normalizeText(text);
    const key = hashString64(normalized);
    this.exactKeys.push(key);
    this.signed.push(false);
    const first = this.firstByExact.get(key);
    if (first !== undefined) {
      this.union(first, index, 1);
      return first;
    }
    this.firstByExact.set(key, index);

    const { numPerm, ngram, bands, rows } = this.params;
    if (this.signatures.length < (index + 1) * numPerm) {
      const grown = new Uint32Array(Math.max((index + 1) * numPerm, this.signatures.length * 2));
      grown.set(this.signatures);
      this.signatures = grown;
    }
    const signature = this.signature(index);
    signature.fill(0xffffffff);
    const hashes = wordHashes(textWords(normalized));
    const width = Math.min(ngram, hashes.length);
    for (let start = 0; start + width <= hashes.length && width > 0; start++) {
      const shingle = ngramKey(hashes, start, width);
      const low = (shingle % 4294967296) >>> 0;
      for (let p = 0; p < numPerm; p++) {
        const h = fmix32(low ^ this.seeds[p]);
        if (h < signature[p]) signature[p] = h;
      }
    }
    this.signed[index] = true;

    let duplicateOf = -1;
    for (let band = 0; band < bands; band++) {
      let h = 0x811c9dc5 ^ band;
      for (let r = 0; r < rows; r++) h = fmix32(h ^ signature[band * rows + r]);
      const bucketKey = band * 4294967296 + h;
      const bucket = this.buckets.get(bucketKey);
      if (!bucket) {
        this.buckets.set(bucketKey, [index]);
        continue;
      }
      for (const other of bucket.slice(0, BUCKET_COMPARISONS)) {
        const similarity = this.estimate(other, index);
        if (similarity >= this.params.threshold) {
          this.union(other, index, similarity);
          if (duplicateOf < 0 || other < duplicateOf) duplicateOf = other;
        }
      }
      if (bucket.length < BUCKET_COMPARISONS) bucket.push(index);
    }
    return duplicateOf;
  }

  /** Fraction of equal MinHash values: an unbiased estimate of the Jaccard similarity of the shingle sets. */
  estimate(a: number, b: number): number {
    if (this.exactKeys[a] === this.exactKeys[b]) return 1;
    if (!this.signed[a] || !this.signed[b]) throw new RangeError('exact duplicates have no MinHash signature');
    const sa = this.signature(a);
    const sb = this.signature(b);
    let equal = 0;
    for (let p = 0; p < sa.length; p++) if (sa[p] === sb[p]) equal++;
    return equal / sa.length;
  }

  /** Tells whether the item at `index` duplicates an earlier one, so a deduplicated output drops it. */
  isDuplicate(index: number): boolean {
    return this.find(index) !== index;
  }

  report(): DedupReport {
    const groups = new Map<number, number[]>();
    for (let i = 0; i < this.ids.length; i++) {
      const root = this.find(i);
      const group = groups.get(root);
      if (group) group.push(i);
      else groups.set(root, [i]);
    }
    const clusters: DedupCluster[] = [];
    let exactDuplicates = 0;
    let nearDuplicates = 0;
    for (const [root, members] of groups) {
      if (members.length < 2) continue;
      let minSimilarity = 1;
      for (const m of members.slice(1)) {
        // An exact copy of a near-duplicate counts as exact: what matters is why the item is removed.
        if (this.firstByExact.get(this.exactKeys[m]) !== m) exactDuplicates++;
        else {
          nearDuplicates++;
          minSimilarity = Math.min(minSimilarity, this.similarity[m]);
        }
      }
      const kind = members.every((m) => this.exactKeys[m] === this.exactKeys[root]) ? 'exact' : 'near';
      clusters.push({ members, ids: members.map((m) => this.ids[m]), kind, minSimilarity });
    }
    clusters.sort((a, b) => b.members.length - a.members.length || a.members[0] - b.members[0]);
    const total = this.ids.length;
    return { total, exactDuplicates, nearDuplicates, kept: total - exactDuplicates - nearDuplicates, clusters, params: this.params };
  }
}

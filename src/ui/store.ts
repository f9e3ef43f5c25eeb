/** UI state (zustand): the current page, the adapter as the worker reported it, and the self-test. */
import { create } from 'zustand';
import type { AdapterSummary } from '../gpu/context.ts';
import type { SelfTestRow } from '../kernels/selftest.ts';
import type { WorkerFailure } from '../worker/api.ts';

export const PAGES = ['models', 'data', 'train', 'evaluate', 'scaling', 'inspect', 'system'] as const;
export type PageId = (typeof PAGES)[number];

export function pageFromHash(hash: string): PageId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return (PAGES as readonly string[]).includes(id) ? (id as PageId) : 'system';
}

export type AdapterState =
  | { status: 'unknown' }
  | { status: 'loading' }
  | { status: 'ready'; adapter: AdapterSummary }
  | { status: 'unavailable'; error: WorkerFailure };

export interface SelfTestState {
  running: boolean;
  rows: SelfTestRow[];
  total: number;
  error?: string;
  finishedAt?: number;
}

interface UiState {
  page: PageId;
  adapter: AdapterState;
  selfTest: SelfTestState;
  setPage(page: PageId): void;
  setAdapter(adapter: AdapterState): void;
  setSelfTest(update: Partial<SelfTestState>): void;
}

export const useUiStore = create<UiState>((set) => ({
  page: typeof location === 'undefined' ? 'system' : pageFromHash(location.hash),
  adapter: { status: 'unknown' },
  selfTest: { running: false, rows: [], total: 0 },
  setPage: (page) => set({ page }),
  setAdapter: (adapter) => set({ adapter }),
  setSelfTest: (update) => set((state) => ({ selfTest: { ...state.selfTest, ...update } })),
}));

/** Worker service for the System page: the adapter and the kernel self-test. */
import { acquireGpu } from '../../gpu/session.ts';
import { runSelfTest, type SelfTestRow } from '../../kernels/selftest.ts';
import { dequantize } from '../../model/quant/index.ts';
import type { AdapterSummary } from '../../gpu/context.ts';

import type { WorkerFailure } from './outcome.ts';

export type { WorkerFailure } from './outcome.ts';

export type AdapterResult = { ok: true; adapter: AdapterSummary } | { ok: false; error: WorkerFailure };

export interface SystemService {
  /** Requests the adapter and device (again, after a device loss) and describes them. */
  describeAdapter(): Promise<AdapterResult>;
  /** Runs every kernel against its reference; `onRow` is called as each finishes. */
  runSelfTest(onRow: (row: SelfTestRow, index: number, total: number) => void): Promise<SelfTestRow[]>;
}

export const systemService: SystemService = {
  async describeAdapter() {
    try {
      const ctx = await acquireGpu();
      return { ok: true, adapter: ctx.summary };
    } catch (error) {
      const e = error as Error;
      return { ok: false, error: { name: e.name, message: e.message } };
    }
  },

  async runSelfTest(onRow) {
    const ctx = await acquireGpu();
    return runSelfTest(ctx, (row, index, total) => onRow(row, index, total), { dequantize });
  },
};

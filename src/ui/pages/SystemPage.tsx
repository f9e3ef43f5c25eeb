import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect } from 'react';
import { getDatabase } from '../../db/database.ts';
import type { AdapterSummary } from '../../gpu/context.ts';
import type { SelfTestRow } from '../../kernels/selftest.ts';
import { NoWebGpu } from '../components/NoWebGpu.tsx';
import { useUiStore } from '../store.ts';
import { callback, gpuWorker } from '../worker-client.ts';

async function loadAdapter(): Promise<void> {
  const { setAdapter } = useUiStore.getState();
  setAdapter({ status: 'loading' });
  const result = await gpuWorker().describeAdapter();
  setAdapter(result.ok ? { status: 'ready', adapter: result.adapter } : { status: 'unavailable', error: result.error });
}

async function runSelfTest(adapter: AdapterSummary): Promise<void> {
  const { setSelfTest } = useUiStore.getState();
  setSelfTest({ running: true, rows: [], total: 0, error: undefined });
  const rows: SelfTestRow[] = [];
  try {
    await gpuWorker().runSelfTest(
      callback((row: SelfTestRow, _index: number, total: number) => {
        rows.push(row);
        setSelfTest({ rows: [...rows], total });
      }),
    );
    const passed = rows.filter((r) => r.pass).length;
    await getDatabase().selfTests.add({
      at: Date.now(),
      adapter: `${adapter.vendor} / ${adapter.architecture}`,
      isFallbackAdapter: adapter.isFallbackAdapter,
      passed,
      failed: rows.length - passed,
      rows,
    });
    setSelfTest({ running: false, finishedAt: Date.now() });
  } catch (error) {
    setSelfTest({ running: false, error: (error as Error).message });
    // A lost device is re-created by the next request; refresh what the page shows about it.
    void loadAdapter();
  }
}

function AdapterPanel({ adapter }: { adapter: AdapterSummary }) {
  return (
    <section className="panel" data-testid="adapter">
      <h2>Adapter</h2>
      <dl className="facts">
        <dt>Vendor</dt>
        <dd>{adapter.vendor || '(not reported)'}</dd>
        <dt>Architecture</dt>
        <dd>{adapter.architecture || '(not reported)'}</dd>
        <dt>Description</dt>
        <dd>{adapter.description || '(not reported)'}</dd>
        <dt>Fallback adapter</dt>
        <dd data-testid="fallback">{adapter.isFallbackAdapter ? 'yes (software; expect CPU speed)' : 'no'}</dd>
        <dt>Device features</dt>
        <dd>{adapter.features.join(', ') || '(none)'}</dd>
        <dt>Offered features</dt>
        <dd>{adapter.adapterFeatures.join(', ')}</dd>
      </dl>
      <details>
        <summary>Limits ({Object.keys(adapter.limits).length})</summary>
        <table className="limits">
          <tbody>
            {Object.entries(adapter.limits)
              .sort()
              .map(([name, value]) => (
                <tr key={name}>
                  <td>{name}</td>
                  <td className="num">{value.toLocaleString('en-US')}</td>
                </tr>
              ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}

function formatNumber(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function SelfTestPanel({ adapter }: { adapter: AdapterSummary }) {
  const selfTest = useUiStore((s) => s.selfTest);
  const history = useLiveQuery(() => getDatabase().selfTests.orderBy('at').reverse().limit(5).toArray(), []);
  const passed = selfTest.rows.filter((r) => r.pass).length;
  const done = !selfTest.running && selfTest.rows.length > 0 && selfTest.rows.length === selfTest.total;

  return (
    <section className="panel">
      <h2>Kernel self-test</h2>
      <p>Runs every WGSL kernel on random inputs of awkward sizes and compares it with its TypeScript reference.</p>
      <button type="button" onClick={() => void runSelfTest(adapter)} disabled={selfTest.running} data-testid="run-selftest">
        {selfTest.running ? `Running… ${selfTest.rows.length}/${selfTest.total || '?'}` : 'Run self-test'}
      </button>
      {done && (
        <p className={passed === selfTest.rows.length ? 'ok' : 'bad'} data-testid="selftest-summary">
          {passed === selfTest.rows.length ? 'All passed' : 'Failures'}: {passed} of {selfTest.rows.length} kernels match their reference.
        </p>
      )}
      {selfTest.error && (
        <p className="bad" role="alert">
          Self-test failed: {selfTest.error}
        </p>
      )}
      {selfTest.rows.length > 0 && (
        <table className="results" data-testid="selftest-table">
          <thead>
            <tr>
              <th>Result</th>
              <th>Kernel</th>
              <th>Type</th>
              <th>Shape</th>
              <th className="num">Time (ms)</th>
              <th className="num">Rate</th>
              <th className="num">Max error</th>
            </tr>
          </thead>
          <tbody>
            {selfTest.rows.map((row, i) => (
              <tr key={i} title={row.message} className={row.pass ? 'pass' : 'fail'}>
                <td>{row.pass ? 'pass' : 'FAIL'}</td>
                <td>{row.kernel}</td>
                <td>{row.dtype}</td>
                <td>{row.shape}</td>
                <td className="num">{formatNumber(row.ms, 2)}</td>
                <td className="num">
                  {formatNumber(row.rate, 3)} {row.rateUnit}
                </td>
                <td className="num">{Number.isFinite(row.maxAbsError) ? row.maxAbsError.toExponential(2) : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {selfTest.rows.some((r) => !r.pass) && (
        <ul className="bad">
          {selfTest.rows
            .filter((r) => !r.pass)
            .map((r, i) => (
              <li key={i}>{r.message}</li>
            ))}
        </ul>
      )}
      {history && history.length > 0 && (
        <>
          <h3>Earlier runs in this browser</h3>
          <ul className="history">
            {history.map((run) => (
              <li key={run.id}>
                {new Date(run.at).toLocaleString('en-US')}: {run.passed} passed, {run.failed} failed on {run.adapter}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

export function SystemPage() {
  const adapter = useUiStore((s) => s.adapter);

  useEffect(() => {
    if (adapter.status === 'unknown') void loadAdapter();
  }, [adapter.status]);

  if (adapter.status === 'unavailable') return <NoWebGpu reason={adapter.error.message.split('\n')[0]} />;
  if (adapter.status !== 'ready') return <p className="panel">Requesting a WebGPU adapter…</p>;
  return (
    <div data-testid="page-system">
      <h1>System</h1>
      <AdapterPanel adapter={adapter.adapter} />
      <SelfTestPanel adapter={adapter.adapter} />
    </div>
  );
}

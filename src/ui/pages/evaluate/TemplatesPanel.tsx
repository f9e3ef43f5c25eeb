/**
 * Prompt templates: choose a built-in or saved one, edit it, choose few-shot exemplars from a loaded
 * split, preview the prompt of a problem, save the template, and export a benchmark's prompts for
 * generation elsewhere.
 */
import { useLiveQuery } from 'dexie-react-hooks';
import { useEffect, useMemo, useState } from 'react';
import { getDatabase } from '../../../db/database.ts';
import type { BenchmarkProblemRecord, SavedTemplateRecord } from '../../../db/eval.ts';
import { benchmarkProblems } from '../../../eval/benchmark-loader.ts';
import { exportPrompts, type PromptExportFormat } from '../../../eval/export-prompts.ts';
import {
  BUILTIN_TEMPLATES,
  builtinTemplate,
  renderMessages,
  renderPrompt,
  selectExemplars,
  validateTemplate,
  type BuiltinTemplateId,
  type PromptTemplate,
  type ResolvedExemplar,
} from '../../../eval/templates.ts';
import { BenchmarkOptions, useBenchmarks } from './BenchmarksPanel.tsx';
import { TemplateEditor } from './TemplateEditor.tsx';

function download(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'application/jsonl' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Draws the few-shot exemplars of a template from the chosen split; returns an error message when that fails. */
export function useExemplars(template: PromptTemplate, sourceId: string): { exemplars: ResolvedExemplar[]; error: string | null } {
  const source = useBenchmarks()?.find((b) => b.id === sourceId);
  const sourceKind = source?.kind;
  const [problems, setProblems] = useState<BenchmarkProblemRecord[]>([]);
  useEffect(() => {
    let current = true;
    setProblems([]);
    if (sourceKind) void benchmarkProblems(getDatabase(), sourceId).then((rows) => current && setProblems(rows));
    return () => {
      current = false;
    };
  }, [sourceId, sourceKind]);
  const count = template.fewShot?.count;
  const seed = template.fewShot?.seed;
  return useMemo(() => {
    if (count === undefined || seed === undefined) return { exemplars: [], error: null };
    if (!sourceKind) return { exemplars: [], error: 'Choose the split the exemplars are drawn from (load the train split for this).' };
    if (problems.length === 0) return { exemplars: [], error: 'Reading the split…' };
    try {
      return { exemplars: selectExemplars(problems, sourceKind, { count, seed }), error: null };
    } catch (error) {
      return { exemplars: [], error: (error as Error).message };
    }
  }, [problems, sourceKind, count, seed]);
}

/** The <option> elements of a template menu: built-in templates by id, then saved ones as "saved:NAME". */
export function TemplateOptions({ saved }: { saved: SavedTemplateRecord[] | undefined }) {
  return (
    <>
      {(Object.keys(BUILTIN_TEMPLATES) as BuiltinTemplateId[]).map((id) => (
        <option key={id} value={id}>
          {BUILTIN_TEMPLATES[id].name}
        </option>
      ))}
      {saved?.map((s) => (
        <option key={s.name} value={`saved:${s.name}`}>
          saved: {s.name}
        </option>
      ))}
    </>
  );
}

export function TemplatesPanel() {
  const benchmarks = useBenchmarks()?.filter((b) => b.status === 'ready') ?? [];
  const saved = useLiveQuery(() => getDatabase().promptTemplates.orderBy('name').toArray(), []);
  const [template, setTemplate] = useState<PromptTemplate>(() => builtinTemplate('alpaca-cot'));
  const [exemplarSourceId, setExemplarSourceId] = useState('');
  const [targetId, setTargetId] = useState('');
  const [problemNumber, setProblemNumber] = useState(1);
  const [preview, setPreview] = useState<BenchmarkProblemRecord | null>(null);
  const [exportFormat, setExportFormat] = useState<PromptExportFormat>('jsonl');
  const [vllmModel, setVllmModel] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const { exemplars, error: exemplarError } = useExemplars(template, exemplarSourceId);
  const target = benchmarks.find((b) => b.id === targetId) ?? benchmarks[0];
  const problems = validateTemplate(template);

  const targetKey = target?.id;
  useEffect(() => {
    if (!targetKey) return;
    let current = true;
    void getDatabase()
      .benchmarkProblems.get([targetKey, Math.max(0, problemNumber - 1)])
      .then((p) => current && setPreview(p ?? null));
    return () => {
      current = false;
    };
  }, [targetKey, problemNumber]);

  const choose = (value: string) => {
    setMessage(null);
    if (value in BUILTIN_TEMPLATES) setTemplate(builtinTemplate(value as BuiltinTemplateId));
    const found = saved?.find((s) => `saved:${s.name}` === value);
    if (found) setTemplate(structuredClone(found.template));
  };

  const save = async () => {
    await getDatabase().promptTemplates.put({ name: template.name.trim(), template, savedAt: Date.now() });
    setMessage({ ok: true, text: `Saved “${template.name.trim()}”. Runs store their own copy of the template, so later edits do not change them.` });
  };

  const exportFile = async () => {
    if (!target) return;
    try {
      const rows = await benchmarkProblems(getDatabase(), target.id);
      const text = exportPrompts(rows, template, exemplars, exportFormat, { model: vllmModel, maxTokens: 1024, temperature: 0, topP: 1, samples: 1 });
      download(`${target.name.replace(/[^\w.-]+/g, '_')}-prompts.jsonl`, text);
      setMessage({ ok: true, text: `Exported ${rows.length} prompts. Generate the outputs elsewhere, then import them above.` });
    } catch (error) {
      setMessage({ ok: false, text: (error as Error).message });
    }
  };

  let previewText = '';
  if (preview && problems.length === 0 && !(template.fewShot && exemplarError)) {
    previewText =
      template.format === 'chat'
        ? renderMessages(template, preview.problem, exemplars)
            .map((m) => `[${m.role}]\n${m.content}`)
            .join('\n\n')
        : renderPrompt(template, preview.problem, exemplars);
  }

  return (
    <section className="panel" data-testid="templates">
      <h2>Prompt templates</h2>
      <p className="hint">
        Few-shot exemplars are drawn from a split you load (normally the train split): its problems are shuffled with the seed and the first ones
        with a worked solution of at most 1,200 characters are used. Every run stores the template and exemplars it used.
      </p>
      <div className="form-row">
        <label>
          Start from
          <select value="" onChange={(e) => choose(e.target.value)} data-testid="template-choice">
            <option value="">choose a template…</option>
            <TemplateOptions saved={saved} />
          </select>
        </label>
        {template.fewShot && (
          <label>
            Exemplars from
            <select value={exemplarSourceId} onChange={(e) => setExemplarSourceId(e.target.value)} data-testid="exemplar-source">
              <option value="">choose a loaded split…</option>
              <BenchmarkOptions benchmarks={benchmarks} />
            </select>
          </label>
        )}
      </div>
      <TemplateEditor template={template} onChange={setTemplate} />
      {problems.length > 0 && <ul className="bad">{problems.map((p) => <li key={p}>{p}</li>)}</ul>}
      {template.fewShot && exemplarError && <p className="bad">{exemplarError}</p>}
      {template.fewShot && exemplarSourceId === target?.id && <p className="bad">The exemplars come from the benchmark being evaluated, so a problem may be asked with its own solution in the prompt.</p>}
      <button type="button" disabled={problems.length > 0} onClick={() => void save()}>
        Save template
      </button>
      {target && (
        <>
          <h3>Preview and export</h3>
          <div className="form-row">
            <label>
              Benchmark
              <select value={target.id} onChange={(e) => setTargetId(e.target.value)}>
                <BenchmarkOptions benchmarks={benchmarks} />
              </select>
            </label>
            <label>
              Problem
              <input type="number" min={1} max={target.problemCount} value={problemNumber} onChange={(e) => setProblemNumber(Number(e.target.value) || 1)} />
            </label>
            <label>
              Export as
              <select value={exportFormat} onChange={(e) => setExportFormat(e.target.value as PromptExportFormat)}>
                <option value="jsonl">JSONL of id, problem, prompt (or messages)</option>
                <option value="vllm-batch">vLLM batch input (chat templates)</option>
              </select>
            </label>
            {exportFormat === 'vllm-batch' && (
              <label>
                Served model
                <input value={vllmModel} onChange={(e) => setVllmModel(e.target.value)} placeholder="model name on the server" />
              </label>
            )}
            <button
              type="button"
              disabled={problems.length > 0 || (template.fewShot !== undefined && exemplarError !== null)}
              onClick={() => void exportFile()}
              data-testid="export-prompts"
            >
              Export prompts
            </button>
          </div>
          {previewText && <pre className="prompt-preview" data-testid="template-preview">{previewText}</pre>}
        </>
      )}
      {message && <p className={message.ok ? 'ok' : 'bad'}>{message.text}</p>}
    </section>
  );
}

/** Form fields of a prompt template: format, prompt text, system message, few-shot settings, stops. */
import type { PromptTemplate } from '../../../eval/templates.ts';

/** Shows "\n" for newlines in one-line inputs, so stop sequences such as "\n\nQuestion:" stay visible. */
export function escapeNewlines(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function unescapeNewlines(text: string): string {
  return text.replace(/\\(n|\\)/g, (_, c: string) => (c === 'n' ? '\n' : '\\'));
}

export function TemplateEditor({ template, onChange }: { template: PromptTemplate; onChange(template: PromptTemplate): void }) {
  const set = (changes: Partial<PromptTemplate>) => onChange({ ...template, ...changes, base: template.base });
  const fewShot = template.fewShot;

  return (
    <div className="template-editor" data-testid="template-editor">
      <div className="form-row">
        <label>
          Name
          <input value={template.name} onChange={(e) => set({ name: e.target.value })} data-testid="template-name" />
        </label>
        <label>
          Format
          <select value={template.format} onChange={(e) => set({ format: e.target.value as PromptTemplate['format'] })}>
            <option value="text">text prompt</option>
            <option value="chat">the model's chat template</option>
          </select>
        </label>
      </div>
      <label className="block">
        {template.format === 'chat' ? 'User message' : 'Prompt'} ({'{problem}'} is replaced by the problem)
        <textarea rows={5} value={template.text} onChange={(e) => set({ text: e.target.value })} data-testid="template-text" />
      </label>
      {template.format === 'chat' && (
        <label className="block">
          System message (optional)
          <textarea rows={2} value={template.system} onChange={(e) => set({ system: e.target.value })} />
        </label>
      )}
      <label className="inline">
        <input
          type="checkbox"
          checked={fewShot !== undefined}
          onChange={(e) =>
            set({ fewShot: e.target.checked ? { count: 4, seed: 0, exemplar: 'Problem:\n{problem}\n\nSolution:\n{solution}\nThe answer is {answer}.', separator: '\n\n' } : undefined })
          }
        />
        Few-shot exemplars
      </label>
      {fewShot && (
        <fieldset className="mapping">
          <legend>Few-shot</legend>
          <label>
            Exemplars
            <input type="number" min={1} max={32} value={fewShot.count} onChange={(e) => set({ fewShot: { ...fewShot, count: Number(e.target.value) } })} />
          </label>
          <label>
            Seed
            <input type="number" min={0} value={fewShot.seed} onChange={(e) => set({ fewShot: { ...fewShot, seed: Number(e.target.value) } })} />
          </label>
          <label className="block">
            One exemplar ({'{problem}'}, {'{solution}'}, {'{answer}'}){template.format === 'chat' ? '; in chat format exemplars become earlier turns' : ''}
            <textarea rows={3} value={fewShot.exemplar} onChange={(e) => set({ fewShot: { ...fewShot, exemplar: e.target.value } })} />
          </label>
          <label>
            Separator
            <input value={escapeNewlines(fewShot.separator)} onChange={(e) => set({ fewShot: { ...fewShot, separator: unescapeNewlines(e.target.value) } })} />
          </label>
        </fieldset>
      )}
      <label className="block">
        Stop sequences (one per line, \n for a newline)
        <textarea
          rows={2}
          value={template.stop.map(escapeNewlines).join('\n')}
          onChange={(e) => set({ stop: e.target.value.split('\n').filter((s) => s !== '').map(unescapeNewlines) })}
        />
      </label>
    </div>
  );
}

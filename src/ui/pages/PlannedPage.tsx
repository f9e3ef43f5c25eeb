import type { PageId } from '../store.ts';

/** What each page will do once its feature lands; shown plainly until then, with no sample data. */
const PLANS: Partial<Record<PageId, string>> = {
  data: 'Generate MathQA shards with the three augmentation methods, deduplicate and decontaminate them, and browse the problems.',
  train: 'Fine-tune small llama-architecture models on shards, in curriculum stages, with live loss curves and checkpoints.',
  evaluate: 'Run GSM8K and MATH evaluations with chain-of-thought prompts and equivalence grading.',
  scaling: 'Run data-scaling sweeps and plot accuracy against data size, next to the Skywork-Math reference points.',
  inspect: 'Read every chain of thought of an evaluation run, filter by verdict, and compare two runs side by side.',
};

export function PlannedPage({ page, title }: { page: PageId; title: string }) {
  return (
    <section className="panel" data-testid={`page-${page}`}>
      <h1>{title}</h1>
      <p className="not-yet">This page is not built yet.</p>
      <p>When it is, it will let you: {PLANS[page]}</p>
    </section>
  );
}

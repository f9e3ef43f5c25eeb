/** The project's grader (answer extraction and equivalence), in the shape model augmentation takes. */
import { answersEquivalent } from '../../eval/equivalence.ts';
import { extractAnswer } from '../../eval/extract.ts';
import type { Grader } from './model.ts';

export const projectGrader: Grader = {
  extract: (output) => extractAnswer(output).answer,
  equivalent: (a, b) => answersEquivalent(a, b),
};

/** The problem families, by id. */
import { arithmeticFamily } from './arithmetic.ts';
import type { Family, FamilyId } from './common.ts';
import { countingFamily } from './counting.ts';
import { fractionsFamily } from './fractions.ts';
import { geometryFamily } from './geometry.ts';
import { linearFamily } from './linear.ts';
import { numberTheoryFamily } from './number-theory.ts';
import { percentFamily } from './percent.ts';
import { systemFamily } from './system.ts';

export type { Family, FamilyId } from './common.ts';

export const FAMILIES: readonly Family[] = [arithmeticFamily, percentFamily, linearFamily, systemFamily, fractionsFamily, countingFamily, numberTheoryFamily, geometryFamily];

export const FAMILY_IDS: readonly FamilyId[] = FAMILIES.map((f) => f.id);

export function familyById(id: string): Family {
  const family = FAMILIES.find((f) => f.id === id);
  if (!family) throw new RangeError(`unknown problem family "${id}"; expected one of ${FAMILY_IDS.join(', ')}`);
  return family;
}

import { it } from 'vitest';
import { ITEMS_PER_FAMILY, verifyEveryFamily } from '../../test/data-verify.ts';

it(`every evol item verifies (${ITEMS_PER_FAMILY} per family)`, () => {
  verifyEveryFamily('evol');
});

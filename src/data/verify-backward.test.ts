import { it } from 'vitest';
import { ITEMS_PER_FAMILY, verifyEveryFamily } from '../../test/data-verify.ts';

it(`every backward item verifies (${ITEMS_PER_FAMILY} per family)`, () => {
  verifyEveryFamily('backward');
});

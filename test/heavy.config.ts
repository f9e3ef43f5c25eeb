import { defineConfig } from 'vitest/config';

/** The opt-in heavy suite (`npm run test:heavy`): 7B-shape files and long sweeps, outside CI. */
export default defineConfig({
  test: {
    include: ['test/heavy/**/*.heavy.ts'],
    environment: 'node',
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
    testTimeout: 3_600_000,
    hookTimeout: 3_600_000,
  },
});

import { describe, expect, it } from 'vitest';
import { COMMANDS } from './commands/index.ts';

describe('mwb command registry', () => {
  it('names are unique', () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
  });

  for (const entry of COMMANDS) {
    it(`${entry.name} entry matches its module`, async () => {
      const command = await entry.load();
      expect(command.name).toBe(entry.name);
      expect(command.summary).toBe(entry.summary);
    });
  }
});

import { describe, expect, it } from 'vitest';
import { describeTransfer, megabytesPerSecond } from './format.ts';

describe('transfer figures', () => {
  it('rate needs bytes and time', () => {
    expect(megabytesPerSecond(0, 1000)).toBeNull();
    expect(megabytesPerSecond(5e6, 0)).toBeNull();
    expect(megabytesPerSecond(5e6, 2000)).toBe(2.5);
  });

  it('describes bytes, rate and time left', () => {
    expect(describeTransfer(0, null, 0)).toBe('0 B');
    expect(describeTransfer(10 * 1024 ** 2, 40 * 1024 ** 2, 2000)).toBe('10.0 MiB of 40.0 MiB · 5.2 MB/s · 6 s left');
    expect(describeTransfer(3 * 1024 ** 3, null, 60_000)).toBe('3.00 GiB · 53.7 MB/s');
    expect(describeTransfer(40, 40, 10)).toBe('40 B of 40 B · 0.0 MB/s');
  });
});

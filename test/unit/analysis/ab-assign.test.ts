import { describe, expect, it } from 'vitest';
import { assignArm, fnv1a32, getBucket } from '../../../src/analysis/ab-assign.js';

describe('arm assignment (what the preloader does at boot)', () => {
  it('FNV-1a 32 matches its published test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('the same unit gets the same arm every time; another seed reshuffles', () => {
    const units = Array.from({ length: 200 }, (_, i) => `unit-${i}`);
    const first = units.map((u) => assignArm('test_abc', u, 0.5));
    expect(units.map((u) => assignArm('test_abc', u, 0.5))).toEqual(first);
    const other = units.map((u) => assignArm('test_def', u, 0.5));
    expect(other).not.toEqual(first);
  });

  it.each([0.5, 0.2, 0.9])('about traffic_split = %s of units land on strategy_b', (split) => {
    const n = 20_000;
    let b = 0;
    for (let i = 0; i < n; i++) if (assignArm('test_split', `host:${i}`, split) === 'b') b += 1;
    const sd = Math.sqrt(n * split * (1 - split));
    expect(Math.abs(b - n * split)).toBeLessThan(4 * sd);
  });

  it('raising traffic_split only moves units from a to b', () => {
    for (let i = 0; i < 2000; i++) {
      if (assignArm('test_ramp', `u${i}`, 0.2) === 'b')
        expect(assignArm('test_ramp', `u${i}`, 0.5)).toBe('b');
    }
  });

  it('buckets are in [0,1)', () => {
    for (let i = 0; i < 1000; i++) {
      const x = getBucket('s', String(i));
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
  });
});

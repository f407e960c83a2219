import { describe, expect, it } from 'vitest';
import { createEmptyStore } from '../../../src/config/store-schema.js';
import { compact, createAggregator } from '../../../src/metrics/aggregate.js';
import { getPercentileMicros } from '../../../src/metrics/histogram.js';
import type { ProcessReport } from '../../../src/metrics/process-report.js';

const HOUR = 3_600_000;

function report(at: number, loads: number[], extra: Partial<ProcessReport> = {}): ProcessReport {
  return {
    id: `r-${at}`,
    pid: 1,
    started_at: new Date(at - 1000).toISOString(),
    ended_at: new Date(at).toISOString(),
    first: true,
    startup_s: 0.12,
    ab: {},
    packages: {
      lodash: {
        strategy: 'lazy',
        loads: loads.map((us) => [us, 1, 1_000_000]),
        imported: true,
        observed: true,
        used: true,
        first_use_s: 0.5,
        import_site_use: false,
        native_reason: null,
      },
    },
    shapes: {},
    events: [],
    records: [],
    ...extra,
  };
}

describe('createAggregator', () => {
  it('keeps exact count, sum and sum of squares beside the histogram', () => {
    const store = createEmptyStore();
    const aggregator = createAggregator(store);
    const now = Date.parse('2026-06-01T10:30:00Z');
    aggregator.addReport(report(now, [1000, 3000]));
    aggregator.addReport(report(now + 60_000, [2000]));
    aggregator.finish(now);
    expect(store.performance).toHaveLength(1);
    const [b] = store.performance;
    expect(b).toMatchObject({
      package_name: 'lodash',
      strategy: 'lazy',
      bucket: '2026-06-01T10:00:00.000Z',
      span: 'hour',
      count: 3,
      min: 0.001,
      max: 0.003,
      successes: 3,
      processes: 2,
      used_processes: 2,
      first_use: { n: 2, sum: 1, sum_sq: 0.5 },
      memory_sum: 3_000_000,
    });
    expect(b!.sum).toBeCloseTo(0.006, 12);
    expect(b!.sum_sq).toBeCloseTo(0.000014, 15);
    // HDR at 2 significant digits: within 1%.
    expect(getPercentileMicros(b!.histogram, 50)).toBeGreaterThanOrEqual(2000);
    expect(getPercentileMicros(b!.histogram, 50)).toBeLessThanOrEqual(2020);
    expect(store.startup[0]!.time).toEqual({ n: 2, sum: 0.24, sum_sq: 0.0288 });
  });

  it('stays bounded: a year of hourly buckets for 200 packages compacts into days and months', () => {
    const store = createEmptyStore();
    const template = createAggregatorBucket('x', new Date(0));
    const start = Date.parse('2025-12-01T00:00:00Z');
    // A year of hourly buckets arriving, compacted weekly (merges compact whenever they run).
    for (let day = 0; day < 365; day++) {
      for (let h = 0; h < 24; h++) {
        const bucket = new Date(start + (day * 24 + h) * HOUR).toISOString();
        for (let p = 0; p < 200; p++) {
          // Histograms only on one package: decoding 1.7 M of them would time the codec, not the bound.
          const histogram = p === 0 ? template.histogram : '';
          store.performance.push({
            ...template,
            package_name: `pkg-${p}`,
            bucket,
            histogram,
            first_use: { ...template.first_use },
          });
        }
      }
      if (day % 7 === 6 || day === 364) compact(store, start + (day + 1) * 24 * HOUR);
    }
    // ≤ 48 hourly + ≤ 90 daily + ≤ 13 monthly per package, whatever the history length.
    expect(store.performance.length).toBeLessThanOrEqual(200 * (48 + 90 + 13));
    const one = store.performance.filter((b) => b.package_name === 'pkg-0');
    expect(one.reduce((s, b) => s + b.count, 0)).toBe(365 * 24);
    expect(new Set(one.map((b) => b.span))).toEqual(new Set(['hour', 'day', 'month']));
    expect(getPercentileMicros(one.find((b) => b.span === 'month')!.histogram, 50)).toBeCloseTo(10_000, -2);
  }, 120_000);
});

function createAggregatorBucket(name: string, at: Date) {
  const store = createEmptyStore();
  const a = createAggregator(store);
  a.addRecord({
    package_name: name,
    strategy: 'eager',
    load_time: 0.01,
    memory_usage: 100,
    success: true,
    user_satisfaction: null,
    system_impact: null,
    at: at.toISOString(),
  });
  a.finish(at.getTime());
  return store.performance[0]!;
}

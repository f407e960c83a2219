import { describe, expect, it } from 'vitest';
import {
  applyRecommendations,
  collectEvidence,
  createRecommendations,
  getRecommendations,
  getSpreadFactor,
  probabilityBelow,
} from '../../../src/analysis/recommendations.js';
import { createAbTest } from '../../../src/config/ab-tests.js';
import { revertAutoOptimized } from '../../../src/config/auto-optimized.js';
import { setPackageConfiguration } from '../../../src/config/configurations.js';
import {
  createEmptyStore,
  type PerformanceBucket,
  type StoreData,
} from '../../../src/config/store-schema.js';
import type { LoadingStrategy } from '../../../src/config/strategies.js';
import { ErrorCode } from '../../../src/errors.js';
import { createBucket } from '../../../src/metrics/aggregate.js';
import { createHistogram, encodeHistogram, recordMicros } from '../../../src/metrics/histogram.js';

const MiB = 1_048_576;
const HOUR = '2024-01-01T00:00:00.000Z';

type Usage = {
  strategy?: LoadingStrategy;
  processes: number;
  observed?: number;
  used?: number;
  importSite?: number;
  /** Seconds after boot of each using process's first use. */
  firstUse?: number[];
  /** Seconds, one per load. */
  loads?: number[];
  memory?: number;
  failures?: number;
};

function addPackage(data: StoreData, name: string, u: Usage): PerformanceBucket {
  const b = createBucket(name, u.strategy ?? 'lazy', HOUR);
  const histogram = createHistogram();
  for (const s of u.loads ?? []) {
    b.count += 1;
    b.sum += s;
    b.sum_sq += s * s;
    b.min = b.count === 1 ? s : Math.min(b.min, s);
    b.max = Math.max(b.max, s);
    recordMicros(histogram, s * 1e6);
    b.successes += 1;
    if (u.memory !== undefined) {
      b.memory_sum += u.memory;
      b.memory_count += 1;
    }
  }
  b.failures = u.failures ?? 0;
  b.count += b.failures;
  b.histogram = encodeHistogram(histogram);
  b.processes = u.processes;
  // Use is observable only where a stand-in was handed out.
  b.observed_processes = u.observed ?? (b.strategy === 'lazy' || b.strategy === 'preload' ? u.processes : 0);
  b.used_processes = u.used ?? 0;
  b.import_site_uses = u.importSite ?? 0;
  for (const f of u.firstUse ?? []) {
    b.first_use.n += 1;
    b.first_use.sum += f;
    b.first_use.sum_sq += f * f;
  }
  data.performance.push(b);
  return b;
}

/** A store where `processes` processes started in `seconds` on average, with a little spread. */
function createStore(processes = 40, seconds = 1): StoreData {
  const data = createEmptyStore();
  const times = Array.from({ length: processes }, (_, i) => seconds * (1 + ((i % 5) - 2) * 0.01));
  data.startup.push({
    bucket: HOUR,
    span: 'hour',
    time: {
      n: processes,
      sum: times.reduce((s, x) => s + x, 0),
      sum_sq: times.reduce((s, x) => s + x * x, 0),
    },
    histogram: '',
  });
  return data;
}

const repeat = (value: number, n: number) => Array.from({ length: n }, () => value);
const spread = (center: number, n: number, rel = 0.02) =>
  Array.from({ length: n }, (_, i) => center * (1 + ((i % 3) - 1) * rel));

/** The example: imported by 40 processes (on_demand, so use is observed under lazy), used by 3. */
function rarelyUsed(data: StoreData, name = 'big', processes = 40, used = 3, loads = repeat(0.31, 5)) {
  addPackage(data, name, { strategy: 'on_demand', processes: 0, observed: 0, loads, memory: 46 * MiB });
  addPackage(data, name, {
    strategy: 'lazy',
    processes,
    used,
    firstUse: repeat(0.5, used),
    memory: 46 * MiB,
  });
}

describe('helpers', () => {
  it('probabilityBelow is the Beta(hits+1, misses+1) posterior CDF', () => {
    // 0 of 1 with a uniform prior: Beta(1, 2), CDF 1 − (1 − x)².
    expect(probabilityBelow(0, 1, 0.3)).toBeCloseTo(1 - 0.7 ** 2, 12);
    expect(probabilityBelow(3, 40, 0.3)).toBeGreaterThan(0.999);
    expect(probabilityBelow(20, 40, 0.3)).toBeLessThan(0.01);
  });

  it('the spread factor is 1 for a tight mean, lower for a wide one, ½ when unknown', () => {
    expect(getSpreadFactor({ n: 10, sum: 1, sum_sq: 0.1 })).toBe(1);
    const wide = getSpreadFactor({ n: 3, sum: 3, sum_sq: 9 });
    expect(wide).toBeLessThan(0.6);
    expect(getSpreadFactor({ n: 1, sum: 1, sum_sq: 1 })).toBe(0.5);
  });
});

describe('recommendations', () => {
  it('no data: no recommendation', () => {
    expect(getRecommendations(createEmptyStore())).toEqual({
      recommendations: [],
      total_recommendations: 0,
      filters: { package_name: null, min_confidence: 0.7 },
    });
  });

  it('imported by many, used by few → lazy, with the numbers in the reasoning and a computed improvement', () => {
    const data = createStore(40, 1);
    rarelyUsed(data);
    const [rec, ...rest] = getRecommendations(data).recommendations;
    expect(rest).toEqual([]);
    expect(rec).toEqual({
      package_name: 'big',
      current_strategy: 'on_demand',
      recommended_strategy: 'lazy',
      confidence: expect.any(Number),
      // p50 comes from the HDR histogram: 1% resolution, the top of the 310 ms bucket.
      reasoning:
        'imported by 40 processes, used by 3; 311 ms p50 load, 46 MiB: deferring it until first use takes about 287 ms off the 1.00 s mean startup',
      // 0.31 s × (1 − 3/40) of a 1 s startup.
      expected_improvement: 28.7,
      implementation_cost: 'medium',
      risk_level: 'low',
      data_points: 40,
    });
    expect(rec!.confidence).toBeGreaterThanOrEqual(0.8);
  });

  it('the improvement scales with the measured startup', () => {
    const data = createStore(40, 2);
    rarelyUsed(data);
    expect(createRecommendations(data)[0]!.expected_improvement).toBe(14.3);
  });

  it('confidence grows with evidence', () => {
    const confidences = [6, 12, 40, 200].map((n) => {
      const data = createStore(n, 1);
      rarelyUsed(data, 'big', n, 0);
      return createRecommendations(data)[0]!.confidence;
    });
    expect(confidences).toEqual([...confidences].sort((a, b) => a - b));
    expect(new Set(confidences).size).toBe(4);
  });

  it('confidence shrinks with spread', () => {
    const tight = createStore();
    rarelyUsed(tight, 'big', 40, 3, spread(0.31, 5, 0.02));
    const wide = createStore();
    rarelyUsed(wide, 'big', 40, 3, [0.05, 0.9, 0.1, 0.6, 0.2]);
    expect(createRecommendations(wide)[0]!.confidence).toBeLessThan(
      createRecommendations(tight)[0]!.confidence,
    );
  });

  it('too little: under 5 observed processes, without a load time, or without a startup, nothing', () => {
    const few = createStore();
    rarelyUsed(few, 'big', 4, 0);
    expect(createRecommendations(few)).toEqual([]);

    const neverLoaded = createStore();
    addPackage(neverLoaded, 'big', { strategy: 'preload', processes: 40, used: 0 });
    expect(createRecommendations(neverLoaded)).toEqual([]);

    const noStartup = createEmptyStore();
    rarelyUsed(noStartup);
    expect(createRecommendations(noStartup)).toEqual([]);
  });

  it('usage is unknown for eager/on_demand: a package only ever loaded natively gets nothing', () => {
    const data = createStore();
    addPackage(data, 'plain', { strategy: 'on_demand', processes: 40, loads: repeat(0.2, 40) });
    expect(collectEvidence(data)[0]).toMatchObject({ processes: 40, observed_processes: 0 });
    expect(createRecommendations(data)).toEqual([]);
  });

  it('nothing when the package already has the strategy the data supports', () => {
    const data = createStore();
    setPackageConfiguration(data, 'big', { strategy: 'lazy' });
    rarelyUsed(data);
    expect(createRecommendations(data)).toEqual([]);
  });

  it('from preload, the saving is background loading', () => {
    const data = createStore();
    setPackageConfiguration(data, 'big', { strategy: 'preload' });
    rarelyUsed(data);
    const [rec] = createRecommendations(data);
    expect(rec).toMatchObject({
      current_strategy: 'preload',
      recommended_strategy: 'lazy',
      expected_improvement: 28.7,
    });
    expect(rec!.reasoning).toMatch(
      /deferring it until first use saves about 287 ms of background loading per process$/,
    );
  });

  it('a user_preference or a running A/B test is left alone', () => {
    const pref = createStore();
    setPackageConfiguration(pref, 'big', { strategy: 'eager', configuration_type: 'user_preference' });
    rarelyUsed(pref);
    expect(createRecommendations(pref)).toEqual([]);

    const testing = createStore();
    rarelyUsed(testing);
    createAbTest(testing, 'big', { strategy_a: 'eager', strategy_b: 'lazy' });
    expect(createRecommendations(testing)).toEqual([]);
  });

  it('lazy for a package with learned-unsafe exports is high risk; with failures medium; known shapes make it cheap', () => {
    const unsafe = createStore();
    rarelyUsed(unsafe);
    unsafe.packages.big = {
      shapes: { 'index.js': { stamp: '1:1', kind: 'object', props: {}, esModule: false, thenable: false } },
      native_reasons: { 'a cycle in its graph': 2, 'exports not known yet (learned on this run)': 1 },
      last_strategy: 'lazy',
      last_seen: HOUR,
    };
    expect(createRecommendations(unsafe)[0]).toMatchObject({
      risk_level: 'high',
      implementation_cost: 'low',
    });

    const thenable = createStore();
    rarelyUsed(thenable);
    thenable.packages.big = {
      shapes: { 'index.js': { stamp: '1:1', kind: 'object', props: {}, esModule: false, thenable: true } },
      native_reasons: {},
      last_strategy: 'lazy',
      last_seen: HOUR,
    };
    expect(createRecommendations(thenable)[0]).toMatchObject({ risk_level: 'high' });

    const failing = createStore();
    rarelyUsed(failing);
    failing.performance[0]!.failures = 2;
    failing.performance[0]!.count += 2;
    const rec = createRecommendations(failing)[0]!;
    expect(rec.risk_level).toBe('medium');
    expect(rec.reasoning).toContain('2 of 7 loads failed');
  });

  it('a package whose exports cannot be stood in for is never recommended lazy', () => {
    const data = createStore();
    rarelyUsed(data);
    data.packages.big = {
      shapes: {
        'index.js': { stamp: '1:1', kind: 'primitive', props: {}, esModule: false, thenable: false },
      },
      native_reasons: {},
      last_strategy: 'lazy',
      last_seen: HOUR,
    };
    expect(createRecommendations(data)).toEqual([]);
  });

  it('used by almost every process, at the import site → on_demand: deferring gains nothing', () => {
    const data = createStore();
    setPackageConfiguration(data, 'util', { strategy: 'lazy' });
    addPackage(data, 'util', {
      processes: 40,
      used: 40,
      importSite: 36,
      firstUse: spread(0.05, 40),
      loads: spread(0.02, 40),
    });
    const [rec] = createRecommendations(data);
    expect(rec).toMatchObject({
      current_strategy: 'lazy',
      recommended_strategy: 'on_demand',
      expected_improvement: 0,
      risk_level: 'low',
      implementation_cost: 'low',
    });
    expect(rec!.reasoning).toBe(
      'imported by 40 processes, used by 40; 20.1 ms p50 load: 36 of the 40 first uses came at the import site, where a stand-in gains nothing (20 ms mean load)',
    );
  });

  it('used by almost every process during startup, not at the import site → eager', () => {
    const data = createStore(40, 0.2);
    setPackageConfiguration(data, 'db', { strategy: 'preload' });
    addPackage(data, 'db', {
      strategy: 'preload',
      processes: 40,
      used: 39,
      importSite: 2,
      firstUse: spread(0.1, 39),
      loads: spread(0.03, 40),
    });
    const [rec] = createRecommendations(data);
    expect(rec).toMatchObject({
      current_strategy: 'preload',
      recommended_strategy: 'eager',
      risk_level: 'low',
    });
    // The one process that never used it now loads it: 30 ms × 1/40 of a 200 ms startup, a cost.
    expect(rec!.expected_improvement).toBe(-0.4);
    expect(rec!.reasoning).toMatch(/first used 100 ms after boot on average, before startup ends \(200 ms\)/);
  });

  it('used by most processes, well after boot → preload', () => {
    const data = createStore(40, 0.1);
    setPackageConfiguration(data, 'pdf', { strategy: 'lazy' });
    addPackage(data, 'pdf', {
      processes: 40,
      used: 30,
      firstUse: spread(2.3, 30, 0.2),
      loads: spread(0.12, 30),
      memory: 20 * MiB,
    });
    const [rec] = createRecommendations(data);
    expect(rec).toMatchObject({
      current_strategy: 'lazy',
      recommended_strategy: 'preload',
      // The first use no longer waits: 120 ms in 30 of 40 processes, against a 100 ms startup.
      expected_improvement: 90,
      risk_level: 'medium',
    });
    expect(rec!.reasoning).toBe(
      'imported by 40 processes, used by 30; 120 ms p50 load, 20 MiB: first used 2.30 s after boot, well after startup (100 ms): loading it when idle takes the 120 ms load off the first use',
    );
  });

  it('used by about half the processes, soon after boot: no clear rule, no recommendation', () => {
    const data = createStore(40, 0.1);
    addPackage(data, 'mid', { processes: 40, used: 20, firstUse: spread(0.12, 20), loads: spread(0.05, 20) });
    expect(createRecommendations(data)).toEqual([]);
  });

  it('filters by package and min_confidence, and validates both', () => {
    const data = createStore();
    rarelyUsed(data, 'big');
    rarelyUsed(data, 'small', 6, 0, repeat(0.01, 2));
    const all = getRecommendations(data, { min_confidence: 0 });
    expect(all.recommendations.map((r) => r.package_name)).toEqual(['big', 'small']);
    const small = all.recommendations[1]!;
    expect(
      getRecommendations(data, { min_confidence: String(small.confidence + 0.01) }).total_recommendations,
    ).toBe(1);
    expect(getRecommendations(data, { package_name: 'small', min_confidence: '0' })).toMatchObject({
      total_recommendations: 1,
      filters: { package_name: 'small', min_confidence: 0 },
    });
    expect(getRecommendations(data, { package_name: 'nothing-here' }).total_recommendations).toBe(0);
    for (const bad of ['2', 'abc', -0.1, true]) {
      expect(() => getRecommendations(data, { min_confidence: bad })).toThrow(/^min_confidence: /);
    }
    expect(() => getRecommendations(data, { package_name: 'Bad Name' })).toThrow(/^package_name: /);
  });
});

describe('applyRecommendations', () => {
  it("applies as auto_optimized with the seed's per-package results, keeping the previous configuration", () => {
    const data = createStore();
    setPackageConfiguration(data, 'big', { strategy: 'on_demand', priority: 4 });
    rarelyUsed(data);
    const rec = createRecommendations(data)[0]!;
    const at = new Date('2024-02-01T00:00:00.000Z');
    const result = applyRecommendations(data, ['big', 'numpy'], { now: at });
    expect(result).toEqual({
      results: [
        {
          package_name: 'big',
          applied_strategy: 'lazy',
          success: true,
          expected_improvement: rec.expected_improvement,
          confidence: rec.confidence,
        },
        {
          package_name: 'numpy',
          applied_strategy: null,
          success: false,
          reason: 'No recommendations available',
        },
      ],
      total_packages: 2,
      successful_applications: 1,
    });
    const config = data.configurations.find((c) => c.package_name === 'big')!;
    expect(config).toMatchObject({
      strategy: 'lazy',
      configuration_type: 'auto_optimized',
      priority: 4,
      updated_at: at.toISOString(),
    });
    expect(config.metadata).toMatchObject({
      previous: { strategy: 'on_demand', configuration_type: 'package_specific', priority: 4 },
      source: {
        recommendation: { confidence: rec.confidence, expected_improvement: rec.expected_improvement },
      },
    });
    // Applied: nothing left to recommend, and a revert brings the old configuration back.
    expect(createRecommendations(data)).toEqual([]);
    expect(revertAutoOptimized(data, 'big')).toMatchObject({
      strategy: 'on_demand',
      configuration_type: 'package_specific',
    });
  });

  it('a package without a configuration gets one, and reverting removes it', () => {
    const data = createStore();
    rarelyUsed(data);
    applyRecommendations(data, ['big']);
    expect(data.configurations[0]!.metadata.previous).toBeNull();
    expect(revertAutoOptimized(data, 'big')).toBeNull();
    expect(data.configurations).toEqual([]);
  });

  it('refuses below min_confidence, says why, and rejects a body that is not a list of names', () => {
    const data = createStore();
    rarelyUsed(data, 'small', 6, 0, repeat(0.01, 2));
    const conf = createRecommendations(data)[0]!.confidence;
    expect(conf).toBeLessThan(0.7);
    expect(applyRecommendations(data, ['small', 'small', 'Bad!'])).toEqual({
      results: [
        {
          package_name: 'small',
          applied_strategy: null,
          success: false,
          reason: `Recommendation of lazy has confidence ${conf}, below min_confidence 0.7`,
        },
        {
          package_name: 'Bad!',
          applied_strategy: null,
          success: false,
          reason: 'Not a valid npm package name',
        },
      ],
      total_packages: 2,
      successful_applications: 0,
    });
    expect(applyRecommendations(data, ['small'], { min_confidence: 0 }).successful_applications).toBe(1);
    for (const body of [{ names: ['x'] }, 'x', [1]]) {
      try {
        applyRecommendations(data, body);
        throw new Error('no error');
      } catch (e) {
        expect((e as { code: string }).code).toBe(ErrorCode.Validation);
        expect((e as Error).message).toBe('body: must be a JSON array of package names');
      }
    }
  });
});

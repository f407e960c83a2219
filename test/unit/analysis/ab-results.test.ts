import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeAbResults, isHigherBetter } from '../../../src/analysis/ab-results.js';
import type { AbArmStats, AbTest, Moments } from '../../../src/config/store-schema.js';

const tests = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../fixtures/scipy/hypothesis-tests.json'), 'utf8'),
);
const clear = tests.welch.find((c: any) => c.name === 'clear difference');
const borderline = tests.welch.find((c: any) => c.name === 'lognormal load times');

function momentsOf(values: number[]): Moments {
  return {
    n: values.length,
    sum: values.reduce((s, x) => s + x, 0),
    sum_sq: values.reduce((s, x) => s + x * x, 0),
  };
}

function arm(partial: Partial<AbArmStats> = {}): AbArmStats {
  const empty = { n: 0, sum: 0, sum_sq: 0 };
  return {
    processes: 0,
    startup_time: empty,
    load_time: empty,
    memory_usage: empty,
    successes: 0,
    failures: 0,
    ...partial,
  };
}

/** An arm whose processes measured `values` of the metric. */
function armOf(
  metric: 'startup_time' | 'load_time' | 'memory_usage',
  values: number[],
  extra: Partial<AbArmStats> = {},
): AbArmStats {
  return arm({ processes: values.length, [metric]: momentsOf(values), ...extra });
}

function createTest(a: AbArmStats, b: AbArmStats, overrides: Partial<AbTest> = {}): AbTest {
  return {
    test_id: 'test_1',
    package_name: 'heavy',
    strategy_a: 'eager',
    strategy_b: 'lazy',
    traffic_split: 0.5,
    duration_days: 7,
    min_sample_size: 10,
    success_metric: 'startup_time',
    status: 'active',
    created_at: '2024-01-01T00:00:00.000Z',
    started_at: '2024-01-01T00:00:00.000Z',
    completed_at: null,
    seed: 'test_1',
    arms: { a, b },
    results: {},
    ...overrides,
  };
}

describe('computeAbResults', () => {
  it('without any process: no significance, no winner, the reason, and a healthy test', () => {
    const r = computeAbResults(createTest(arm(), arm()));
    expect(r).toMatchObject({
      statistical_significance: null,
      p_value: null,
      winner: null,
      winner_reason: 'no process has reported for strategy_a (eager) yet',
      recommendation: 'Keep collecting data: no process has reported for strategy_a (eager) yet',
      healthy: true,
      lift: null,
      sequential: { always_valid_p_value: null, stop: false },
    });
    expect(r.strategy_a_performance).toEqual({
      strategy: 'eager',
      processes: 0,
      avg_startup_time: null,
      avg_load_time: null,
      avg_memory_usage: null,
      success_rate: null,
      total_attempts: 0,
    });
  });

  it('names the faster arm when both reached min_sample_size and 1 − p ≥ 0.95 (p from SciPy)', () => {
    // clear.a is 140 ms on average, clear.b 100 ms: strategy_b (lazy) starts faster.
    const r = computeAbResults(createTest(armOf('startup_time', clear.a), armOf('startup_time', clear.b)));
    expect(r.method).toBe('welch_t_test');
    expect(r.p_value!).toBeCloseTo(clear.p_value, 12);
    expect(r.statistical_significance).toBeCloseTo(1 - clear.p_value, 6);
    expect(r.winner).toBe('lazy');
    expect(r.winner_reason).toBeNull();
    expect(r.recommendation).toMatch(
      /^Switch to lazy strategy: lazy changed startup time by -\d+\.\d% against eager \(95% CI -\d+\.\d% to -\d+\.\d%\), significance 1$/,
    );
    expect(r.lift!.estimate).toBeLessThan(0);
    expect(r.lift!.ci_upper).toBeLessThan(0);
    expect(r.difference!.ci_lower).toBeCloseTo(clear.difference_ci[0], 6);
    expect(r.difference!.ci_upper).toBeCloseTo(clear.difference_ci[1], 6);
    expect(r.difference!.unit).toBe('seconds');
    expect(r.strategy_b_performance.avg_startup_time).toBeCloseTo(
      clear.b.reduce((s: number, x: number) => s + x, 0) / clear.b.length,
      6,
    );
  });

  it('says keep strategy_a when it is the better one', () => {
    const r = computeAbResults(createTest(armOf('startup_time', clear.b), armOf('startup_time', clear.a)));
    expect(r.winner).toBe('eager');
    expect(r.recommendation).toMatch(/^Keep eager strategy: lazy changed startup time by \+/);
  });

  it('no winner below min_sample_size however clear the difference', () => {
    const r = computeAbResults(
      createTest(armOf('startup_time', clear.a), armOf('startup_time', clear.b), { min_sample_size: 31 }),
    );
    expect(r.statistical_significance).toBeGreaterThan(0.99);
    expect(r.winner).toBeNull();
    expect(r.winner_reason).toBe('min_sample_size is 31 processes per arm; eager has 30, lazy has 30');
    expect(r.sequential.stop).toBe(false);
  });

  it('no winner without significance, with the numbers in the reason', () => {
    const r = computeAbResults(
      createTest(armOf('startup_time', borderline.a), armOf('startup_time', borderline.b), {
        traffic_split: 0.4,
      }),
    );
    const significance = 1 - borderline.p_value;
    expect(significance).toBeLessThan(0.95);
    expect(r.winner).toBeNull();
    expect(r.winner_reason).toBe(
      `the difference in startup time is not significant (${Math.round(significance * 1e4) / 1e4} < 0.95)`,
    );
    expect(r.recommendation).toBe(
      'No significant difference in startup time yet: keep eager strategy or keep collecting data',
    );
  });

  it('a sample-ratio mismatch makes the test unhealthy and withholds the winner', () => {
    const a = armOf('startup_time', [...clear.a, ...clear.a, ...clear.a]);
    const b = armOf('startup_time', clear.b);
    const r = computeAbResults(createTest(a, b));
    expect(r.sample_ratio_mismatch.detected).toBe(true);
    expect(r.sample_ratio_mismatch.p_value!).toBeLessThan(0.001);
    expect(r.sample_ratio_mismatch.observed_share_b).toBe(0.25);
    expect(r.healthy).toBe(false);
    expect(r.winner).toBeNull();
    expect(r.winner_reason).toMatch(
      /^sample ratio mismatch: 25% of processes on strategy_b for a traffic_split of 0.5/,
    );
    expect(r.recommendation).toMatch(/^Check the traffic assignment/);
    expect(r.sequential.stop).toBe(false);
  });

  it('the same counts are fine for the split they were configured with', () => {
    const a = armOf('startup_time', [...clear.a, ...clear.a, ...clear.a]);
    const r = computeAbResults(createTest(a, armOf('startup_time', clear.b), { traffic_split: 0.25 }));
    expect(r.sample_ratio_mismatch.detected).toBe(false);
    expect(r.winner).toBe('lazy');
  });

  it('needs two processes with the metric measured in each arm', () => {
    const a = arm({ processes: 12, load_time: momentsOf([0.1]) });
    const b = armOf('load_time', [0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 0.2, 0.3, 0.1, 0.2, 0.3]);
    const r = computeAbResults(createTest(a, b, { success_metric: 'load_time' }));
    expect(r.winner_reason).toBe('fewer than 2 processes measured load time in strategy_a');
    expect(r.statistical_significance).toBeNull();
  });

  it('memory: per-process means in bytes, reported in MiB', () => {
    const a = armOf(
      'memory_usage',
      Array.from({ length: 20 }, (_, i) => 50_000_000 + (i % 5) * 100_000),
    );
    const b = armOf(
      'memory_usage',
      Array.from({ length: 20 }, (_, i) => 30_000_000 + (i % 5) * 100_000),
    );
    const r = computeAbResults(createTest(a, b, { success_metric: 'memory_usage' }));
    expect(r.strategy_a_performance.avg_memory_usage).toBe(47.87);
    expect(r.difference!.unit).toBe('MiB');
    expect(r.difference!.estimate).toBeCloseTo(-20_000_000 / 1_048_576, 4);
    expect(r.winner).toBe('lazy');
  });

  it('success_rate: two-proportion z-test, higher is better, percent in the arms', () => {
    const a = arm({ processes: 100, successes: 950, failures: 50 });
    const b = arm({ processes: 100, successes: 990, failures: 10 });
    const r = computeAbResults(createTest(a, b, { success_metric: 'success_rate' }));
    expect(isHigherBetter('success_rate')).toBe(true);
    expect(r.method).toBe('two_proportion_z_test');
    expect(r.strategy_a_performance).toMatchObject({ success_rate: 95, total_attempts: 1000 });
    expect(r.difference).toMatchObject({ estimate: 4, unit: 'percentage points' });
    expect(r.winner).toBe('lazy');
    // Fewer failures on b, but the strategy that fails more would be named if the sign flipped.
    const flipped = computeAbResults(createTest(b, a, { success_metric: 'success_rate' }));
    expect(flipped.winner).toBe('eager');
  });

  it('arms without stats (a store written before arms existed) read as empty', () => {
    const test = createTest(arm(), arm());
    delete (test as Partial<AbTest>).arms;
    expect(computeAbResults(test).strategy_a_performance.processes).toBe(0);
  });

  it('the sequential rule stops a clear test once each arm has 20 processes', () => {
    const few = computeAbResults(
      createTest(armOf('startup_time', clear.a.slice(0, 15)), armOf('startup_time', clear.b.slice(0, 15))),
    );
    expect(few.sequential.stop).toBe(false);
    const r = computeAbResults(createTest(armOf('startup_time', clear.a), armOf('startup_time', clear.b)));
    expect(r.sequential.always_valid_p_value!).toBeLessThan(0.05);
    expect(r.sequential.stop).toBe(true);
    // Always valid is stricter than the fixed-horizon p-value on the same data.
    expect(r.sequential.always_valid_p_value!).toBeGreaterThan(r.p_value!);
  });
});

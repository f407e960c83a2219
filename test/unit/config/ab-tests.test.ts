import { describe, expect, it } from 'vitest';
import {
  completeAbTest,
  completeDueAbTests,
  createAbTest,
  deleteAbTest,
  getAbTest,
  listAbTests,
  validateAbTestInput,
} from '../../../src/config/ab-tests.js';
import { revertAutoOptimized } from '../../../src/config/auto-optimized.js';
import { setPackageConfiguration } from '../../../src/config/configurations.js';
import {
  type AbTest,
  createEmptyStore,
  type Moments,
  type StoreData,
} from '../../../src/config/store-schema.js';
import { ErrorCode, LoadstratError } from '../../../src/errors.js';

const T0 = new Date('2024-01-01T00:00:00.000Z');
const BODY = {
  strategy_a: 'lazy',
  strategy_b: 'eager',
  traffic_split: 0.5,
  duration_days: 7,
  min_sample_size: 100,
  success_metric: 'load_time',
};

function moments(values: number[]): Moments {
  return {
    n: values.length,
    sum: values.reduce((s, x) => s + x, 0),
    sum_sq: values.reduce((s, x) => s + x * x, 0),
  };
}

/** Give a test `n` processes per arm whose startup times differ by `gap` seconds between the arms. */
function fillArms(test: AbTest, n: number, gap: number): void {
  const a = Array.from({ length: n }, (_, i) => 0.1 + (i % 7) * 0.002);
  const b = a.map((x) => x + gap);
  test.arms.a = { ...test.arms.a, processes: n, startup_time: moments(a) };
  test.arms.b = { ...test.arms.b, processes: n, startup_time: moments(b) };
}

function error(fn: () => unknown): LoadstratError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LoadstratError);
    return e as LoadstratError;
  }
  throw new Error('expected an error');
}

function created(data: StoreData, body: object = BODY, name = 'torch', now = T0) {
  return createAbTest(data, name, body, { now });
}

describe('createAbTest', () => {
  it("returns the seed's response data and stores an active test seeded by its id", () => {
    const data = createEmptyStore();
    const res = created(data);
    expect(Object.keys(res)).toEqual([
      'test_id',
      'package_name',
      'strategy_a',
      'strategy_b',
      'traffic_split',
      'duration_days',
      'min_sample_size',
      'success_metric',
      'status',
      'created_at',
      'started_at',
      'message',
    ]);
    expect(res).toMatchObject({
      package_name: 'torch',
      ...BODY,
      status: 'active',
      created_at: T0.toISOString(),
      started_at: T0.toISOString(),
      message: 'A/B test created for torch',
    });
    expect(res.test_id).toMatch(/^test_[0-9a-f]{12}$/);
    const stored = data.ab_tests[0]!;
    expect(stored.seed).toBe(res.test_id);
    expect(stored.arms.a.processes).toBe(0);
    expect(stored.completed_at).toBeNull();
  });

  it('fills defaults for the optional fields and takes package_name from the body too', () => {
    const data = createEmptyStore();
    const res = createAbTest(
      data,
      undefined,
      { package_name: 'numpy', strategy_a: 'on_demand', strategy_b: 'preload' },
      { now: T0 },
    );
    expect(res).toMatchObject({
      package_name: 'numpy',
      traffic_split: 0.5,
      duration_days: 7,
      min_sample_size: 100,
      success_metric: 'load_time',
    });
  });

  it('ids are unique', () => {
    const data = createEmptyStore();
    const ids = new Set(Array.from({ length: 50 }, (_, i) => created(data, BODY, `p${i}`).test_id));
    expect(ids.size).toBe(50);
  });

  it.each([
    [{ ...BODY, strategy_a: undefined }, 'strategy_a: is required'],
    [{ ...BODY, strategy_a: 'fast' }, 'strategy_a: "fast" is not one of eager, lazy, preload, on_demand'],
    [{ ...BODY, strategy_b: 3 }, 'strategy_b: 3 is not one of'],
    [{ ...BODY, strategy_b: 'lazy' }, 'strategy_b: must differ from strategy_a (both are lazy)'],
    [{ ...BODY, traffic_split: 0 }, 'traffic_split: 0 is not a number strictly between 0 and 1'],
    [{ ...BODY, traffic_split: 1 }, 'traffic_split: 1 is not'],
    [{ ...BODY, traffic_split: '0.5' }, 'traffic_split: "0.5" is not'],
    [{ ...BODY, duration_days: 0 }, 'duration_days: 0 is not a positive number of days'],
    [{ ...BODY, duration_days: Number.POSITIVE_INFINITY }, 'duration_days:'],
    [{ ...BODY, min_sample_size: 1 }, 'min_sample_size: 1 is not an integer ≥ 2'],
    [{ ...BODY, min_sample_size: 2.5 }, 'min_sample_size: 2.5 is not'],
    [
      { ...BODY, success_metric: 'speed' },
      'success_metric: "speed" is not one of load_time, memory_usage, success_rate, startup_time',
    ],
    [{ ...BODY, traffic_spilt: 0.3 }, 'traffic_spilt: is not a field of an A/B test'],
    [{ ...BODY, package_name: 'other' }, 'package_name: the query says \'torch\' and the body "other"'],
    [[BODY], 'body: must be a JSON object'],
    [null, 'body: must be a JSON object'],
  ])('rejects %j naming the field', (body, message) => {
    const e = error(() => created(createEmptyStore(), body as object));
    expect(e.code).toBe(ErrorCode.Validation);
    expect(e.statusCode).toBe(400);
    expect(e.message.startsWith(message)).toBe(true);
  });

  it('rejects a missing or invalid package name', () => {
    expect(error(() => validateAbTestInput(undefined, BODY)).message).toBe('package_name: is required');
    expect(error(() => created(createEmptyStore(), BODY, 'Not Valid')).message).toMatch(
      /^package_name: 'Not Valid' is not a valid npm package name/,
    );
  });

  it('allows one active test per package (409), and a new one once it is completed', () => {
    const data = createEmptyStore();
    const first = created(data);
    const e = error(() => created(data));
    expect(e.code).toBe(ErrorCode.Conflict);
    expect(e.statusCode).toBe(409);
    expect(e.message).toContain(first.test_id);
    created(data, BODY, 'numpy');
    completeAbTest(data, first.test_id, { now: T0 });
    expect(created(data).status).toBe('active');
  });
});

describe('listAbTests and getAbTest', () => {
  it("lists in the seed's shape, filtered by status", () => {
    const data = createEmptyStore();
    const a = created(data, BODY, 'torch');
    created(data, BODY, 'numpy');
    completeAbTest(data, a.test_id, { now: T0 });
    const all = listAbTests(data, {}, { now: T0 });
    expect(all.total_tests).toBe(2);
    expect(all.filter).toEqual({ status: null });
    expect(Object.keys(all.ab_tests[0]!)).toEqual([
      'test_id',
      'package_name',
      'strategy_a',
      'strategy_b',
      'traffic_split',
      'duration_days',
      'min_sample_size',
      'success_metric',
      'status',
      'created_at',
      'started_at',
      'completed_at',
    ]);
    const active = listAbTests(data, { status: 'active' }, { now: T0 });
    expect(active).toMatchObject({
      total_tests: 1,
      filter: { status: 'active' },
      ab_tests: [{ package_name: 'numpy' }],
    });
    expect(listAbTests(data, { status: 'completed' }, { now: T0 }).ab_tests[0]!.completed_at).toBe(
      T0.toISOString(),
    );
    expect(listAbTests(data, { status: '' }, { now: T0 }).total_tests).toBe(2);
  });

  it('rejects an unknown status', () => {
    const e = error(() => listAbTests(createEmptyStore(), { status: 'running' }));
    expect(e.message).toBe('status: "running" is not one of active, completed, stopped');
  });

  it('gets one test with live results; 404 for an unknown id', () => {
    const data = createEmptyStore();
    const { test_id } = created(data, { ...BODY, success_metric: 'startup_time', min_sample_size: 10 });
    fillArms(data.ab_tests[0]!, 12, -0.02);
    const got = getAbTest(data, test_id, { now: T0 });
    expect(got).toMatchObject({ test_id, status: 'active', completed_at: null });
    expect(got.results).toMatchObject({
      strategy_a_performance: { strategy: 'lazy', processes: 12 },
      strategy_b_performance: { strategy: 'eager', processes: 12 },
      winner: 'eager',
    });
    const e = error(() => getAbTest(data, 'test_nope'));
    expect(e.code).toBe(ErrorCode.NotFound);
    expect(e.statusCode).toBe(404);
  });
});

describe('completeAbTest', () => {
  it('freezes the results, stops the test, and refuses to complete it twice', () => {
    const data = createEmptyStore();
    const { test_id } = created(data, { ...BODY, success_metric: 'startup_time', min_sample_size: 10 });
    fillArms(data.ab_tests[0]!, 12, 0.03);
    const later = new Date(T0.getTime() + 3_600_000);
    const done = completeAbTest(data, test_id, { now: later });
    expect(done).toMatchObject({
      test_id,
      winner: 'lazy',
      completed_by: 'manual',
      applied_strategy: null,
      message: `A/B test ${test_id} completed successfully`,
    });
    expect(done.strategy_a_performance).toBeDefined();
    expect(done.statistical_significance).toBeGreaterThan(0.95);
    expect(done.recommendation).toMatch(/^Keep lazy strategy/);
    const test = data.ab_tests[0]!;
    expect(test.status).toBe('completed');
    expect(test.completed_at).toBe(later.toISOString());
    // Later measurements must not change a completed test's results.
    fillArms(test, 40, -0.05);
    expect(getAbTest(data, test_id, { now: later }).results).toMatchObject({ winner: 'lazy' });
    expect(data.configurations).toEqual([]);
    expect(error(() => completeAbTest(data, test_id)).code).toBe(ErrorCode.Conflict);
  });

  it('with apply, stores the winner as auto_optimized and keeps the previous configuration', () => {
    const data = createEmptyStore();
    setPackageConfiguration(
      data,
      'torch',
      { strategy: 'lazy', priority: 3, performance_threshold: 2, fallback_strategy: 'eager' },
      T0,
    );
    const { test_id } = created(data, { ...BODY, success_metric: 'startup_time', min_sample_size: 10 });
    fillArms(data.ab_tests[0]!, 12, -0.03);
    const done = completeAbTest(data, test_id, { apply: true, now: T0 });
    expect(done).toMatchObject({ winner: 'eager', applied_strategy: 'eager' });
    const config = data.configurations[0]!;
    expect(config).toMatchObject({
      package_name: 'torch',
      strategy: 'eager',
      configuration_type: 'auto_optimized',
      priority: 3,
      performance_threshold: 2,
      fallback_strategy: 'eager',
    });
    expect(config.metadata).toMatchObject({
      previous: { strategy: 'lazy', configuration_type: 'package_specific', priority: 3 },
      source: { ab_test: test_id },
    });
    const restored = revertAutoOptimized(data, 'torch', T0);
    expect(restored).toMatchObject({ strategy: 'lazy', configuration_type: 'package_specific', priority: 3 });
    expect(error(() => revertAutoOptimized(data, 'torch')).code).toBe(ErrorCode.NotFound);
  });

  it('with apply but no winner, changes no configuration', () => {
    const data = createEmptyStore();
    const { test_id } = created(data);
    const done = completeAbTest(data, test_id, { apply: true, now: T0 });
    expect(done).toMatchObject({ winner: null, applied_strategy: null });
    expect(done.winner_reason).toMatch(/^no process has reported/);
    expect(data.configurations).toEqual([]);
  });

  it('404 for an unknown id', () => {
    expect(error(() => completeAbTest(createEmptyStore(), 'test_x')).code).toBe(ErrorCode.NotFound);
  });
});

describe('deleteAbTest', () => {
  it('removes the test; 404 afterwards', () => {
    const data = createEmptyStore();
    const { test_id } = created(data);
    expect(deleteAbTest(data, test_id)).toEqual({
      test_id,
      message: `A/B test ${test_id} deleted successfully`,
    });
    expect(data.ab_tests).toEqual([]);
    expect(error(() => deleteAbTest(data, test_id)).code).toBe(ErrorCode.NotFound);
  });
});

describe('automatic completion', () => {
  it('a test past duration_days completes itself, dated at its end, without applying anything', () => {
    const data = createEmptyStore();
    const { test_id } = created(data, {
      ...BODY,
      duration_days: 2,
      success_metric: 'startup_time',
      min_sample_size: 10,
    });
    fillArms(data.ab_tests[0]!, 12, -0.01);
    const before = new Date(T0.getTime() + 2 * 86_400_000 - 1);
    expect(completeDueAbTests(data, before)).toEqual([]);
    const after = new Date(T0.getTime() + 3 * 86_400_000);
    const list = listAbTests(data, { status: 'completed' }, { now: after });
    expect(list.ab_tests).toMatchObject([{ test_id, completed_at: '2024-01-03T00:00:00.000Z' }]);
    expect(getAbTest(data, test_id, { now: after }).results).toMatchObject({
      completed_by: 'duration',
      winner: 'eager',
      applied_strategy: null,
    });
    expect(data.configurations).toEqual([]);
  });

  it('a test whose always-valid sequential test is conclusive stops early', () => {
    const data = createEmptyStore();
    const { test_id } = created(data, { ...BODY, success_metric: 'startup_time', min_sample_size: 10 });
    fillArms(data.ab_tests[0]!, 19, 0.02);
    expect(getAbTest(data, test_id, { now: T0 }).status).toBe('active');
    fillArms(data.ab_tests[0]!, 25, 0.02);
    const got = getAbTest(data, test_id, { now: T0 });
    expect(got.status).toBe('completed');
    expect(got.results).toMatchObject({
      completed_by: 'sequential_stop',
      winner: 'lazy',
      applied_strategy: null,
    });
  });

  it('a test with no difference keeps running', () => {
    const data = createEmptyStore();
    const { test_id } = created(data, { ...BODY, success_metric: 'startup_time', min_sample_size: 10 });
    fillArms(data.ab_tests[0]!, 200, 0);
    expect(getAbTest(data, test_id, { now: T0 }).status).toBe('active');
  });
});

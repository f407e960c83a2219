import { randomBytes } from 'node:crypto';
import { AB_METRICS, type AbMetric, type AbResults, computeAbResults } from '../analysis/ab-results.js';
import { ErrorCode, invalidField, LoadstratError } from '../errors.js';
import { applyAutoOptimized } from './auto-optimized.js';
import { assertPackageName } from './configurations.js';
import { type AbTest, createArmStats, type StoreData } from './store-schema.js';
import { isStrategy, type LoadingStrategy } from './strategies.js';

// Every function here takes the store's data and may change it (tests past their time complete themselves):
// call them inside updateStore() so the change is written under the lock.

export const AB_STATUSES: readonly AbTest['status'][] = ['active', 'completed', 'stopped'];

const DAY_MS = 86_400_000;
const DEFAULTS = {
  traffic_split: 0.5,
  duration_days: 7,
  min_sample_size: 100,
  success_metric: 'load_time' as AbMetric,
};
const BODY_FIELDS = new Set([
  'package_name',
  'strategy_a',
  'strategy_b',
  'traffic_split',
  'duration_days',
  'min_sample_size',
  'success_metric',
]);

type Options = { now?: Date };

export type AbTestSummary = Pick<
  AbTest,
  | 'test_id'
  | 'package_name'
  | 'strategy_a'
  | 'strategy_b'
  | 'traffic_split'
  | 'duration_days'
  | 'min_sample_size'
  | 'success_metric'
  | 'status'
  | 'created_at'
  | 'started_at'
  | 'completed_at'
>;

/** What a completed test keeps in `results`: the analysis at completion and how it ended. */
export type CompletedResults = AbResults & {
  completed_by: 'manual' | 'duration' | 'sequential_stop';
  applied_strategy: LoadingStrategy | null;
};

const invalid = invalidField;

function createTestId(data: StoreData): string {
  for (;;) {
    const id = `test_${randomBytes(6).toString('hex')}`;
    if (!data.ab_tests.some((t) => t.test_id === id)) return id;
  }
}

function summarize(test: AbTest): AbTestSummary {
  return {
    test_id: test.test_id,
    package_name: test.package_name,
    strategy_a: test.strategy_a,
    strategy_b: test.strategy_b,
    traffic_split: test.traffic_split,
    duration_days: test.duration_days,
    min_sample_size: test.min_sample_size,
    success_metric: test.success_metric,
    status: test.status,
    created_at: test.created_at,
    started_at: test.started_at,
    completed_at: test.completed_at,
  };
}

function findTest(data: StoreData, testId: string): AbTest {
  const test = data.ab_tests.find((t) => t.test_id === testId);
  if (test === undefined) throw new LoadstratError(ErrorCode.NotFound, `no A/B test '${testId}'`);
  return test;
}

function strategyField(body: Record<string, unknown>, field: 'strategy_a' | 'strategy_b'): LoadingStrategy {
  const value = body[field];
  if (value === undefined) throw invalid(field, 'is required');
  if (!isStrategy(value))
    throw invalid(field, `${JSON.stringify(value)} is not one of eager, lazy, preload, on_demand`);
  return value;
}

/** Check a create request; every message names the field that is wrong. */
export function validateAbTestInput(packageName: string | undefined, body: unknown) {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw invalid('body', 'must be a JSON object');
  const input = body as Record<string, unknown>;
  for (const key of Object.keys(input))
    if (!BODY_FIELDS.has(key)) throw invalid(key, 'is not a field of an A/B test');
  if (packageName && input.package_name !== undefined && input.package_name !== packageName) {
    throw invalid(
      'package_name',
      `the query says '${packageName}' and the body ${JSON.stringify(input.package_name)}`,
    );
  }
  const name = packageName === '' || packageName === undefined ? input.package_name : packageName;
  if (name === undefined || name === '') throw invalid('package_name', 'is required');
  if (typeof name !== 'string') throw invalid('package_name', 'must be a string');
  assertPackageName(name);

  const strategy_a = strategyField(input, 'strategy_a');
  const strategy_b = strategyField(input, 'strategy_b');
  if (strategy_a === strategy_b)
    throw invalid('strategy_b', `must differ from strategy_a (both are ${strategy_a})`);

  const split = input.traffic_split ?? DEFAULTS.traffic_split;
  if (typeof split !== 'number' || !(split > 0 && split < 1)) {
    throw invalid('traffic_split', `${JSON.stringify(split)} is not a number strictly between 0 and 1`);
  }
  const days = input.duration_days ?? DEFAULTS.duration_days;
  if (typeof days !== 'number' || !Number.isFinite(days) || days <= 0) {
    throw invalid('duration_days', `${JSON.stringify(days)} is not a positive number of days`);
  }
  const minSample = input.min_sample_size ?? DEFAULTS.min_sample_size;
  if (typeof minSample !== 'number' || !Number.isInteger(minSample) || minSample < 2) {
    throw invalid('min_sample_size', `${JSON.stringify(minSample)} is not an integer ≥ 2`);
  }
  const metric = input.success_metric ?? DEFAULTS.success_metric;
  if (!(AB_METRICS as readonly unknown[]).includes(metric)) {
    throw invalid('success_metric', `${JSON.stringify(metric)} is not one of ${AB_METRICS.join(', ')}`);
  }
  return {
    package_name: name,
    strategy_a,
    strategy_b,
    traffic_split: split,
    duration_days: days,
    min_sample_size: minSample,
    success_metric: metric as AbMetric,
  };
}

/** POST /ab-tests: the seed's response data. 409 while the package has an active test. */
export function createAbTest(
  data: StoreData,
  packageName: string | undefined,
  body: unknown,
  options: Options = {},
) {
  const now = options.now ?? new Date();
  completeDueAbTests(data, now);
  const valid = validateAbTestInput(packageName, body);
  const running = data.ab_tests.find((t) => t.package_name === valid.package_name && t.status === 'active');
  if (running !== undefined) {
    throw new LoadstratError(
      ErrorCode.Conflict,
      `package '${valid.package_name}' already has an active A/B test (${running.test_id}); complete or delete it first`,
    );
  }
  const at = now.toISOString();
  const test_id = createTestId(data);
  const test: AbTest = {
    test_id,
    ...valid,
    status: 'active',
    created_at: at,
    started_at: at,
    completed_at: null,
    seed: test_id,
    arms: { a: createArmStats(), b: createArmStats() },
    results: {},
  };
  data.ab_tests.push(test);
  const { completed_at: _, ...created } = summarize(test);
  return { ...created, message: `A/B test created for ${valid.package_name}` };
}

/** GET /ab-tests?status= */
export function listAbTests(data: StoreData, query: { status?: unknown } = {}, options: Options = {}) {
  const status = query.status === '' ? undefined : query.status;
  if (status !== undefined && !(AB_STATUSES as readonly unknown[]).includes(status)) {
    throw invalid('status', `${JSON.stringify(status)} is not one of ${AB_STATUSES.join(', ')}`);
  }
  completeDueAbTests(data, options.now ?? new Date());
  const tests = data.ab_tests.filter((t) => status === undefined || t.status === status).map(summarize);
  return {
    ab_tests: tests,
    total_tests: tests.length,
    filter: { status: (status as string | undefined) ?? null },
  };
}

/** GET /ab-tests/{test_id}: the test with its results, live while it runs, frozen once completed. */
export function getAbTest(data: StoreData, testId: string, options: Options = {}) {
  completeDueAbTests(data, options.now ?? new Date());
  const test = findTest(data, testId);
  const results = test.status === 'active' ? computeAbResults(test) : test.results;
  return { ...summarize(test), results };
}

function finish(
  data: StoreData,
  test: AbTest,
  by: CompletedResults['completed_by'],
  apply: boolean,
  now: Date,
): CompletedResults {
  const results = computeAbResults(test);
  let applied: LoadingStrategy | null = null;
  if (apply && results.winner !== null) {
    applyAutoOptimized(data, test.package_name, results.winner, { ab_test: test.test_id }, now);
    applied = results.winner;
  }
  const completed: CompletedResults = { ...results, completed_by: by, applied_strategy: applied };
  test.status = 'completed';
  test.completed_at = now.toISOString();
  test.results = completed;
  return completed;
}

/**
 * POST /ab-tests/{test_id}/complete: analyse, freeze the results and stop assigning arms. With `apply`,
 * a winner is stored as the package's `auto_optimized` strategy (the previous one kept for a revert).
 */
export function completeAbTest(data: StoreData, testId: string, options: Options & { apply?: boolean } = {}) {
  const now = options.now ?? new Date();
  completeDueAbTests(data, now);
  const test = findTest(data, testId);
  if (test.status !== 'active') {
    throw new LoadstratError(
      ErrorCode.Conflict,
      `A/B test ${testId} is already ${test.status} (at ${test.completed_at})`,
    );
  }
  const results = finish(data, test, 'manual', options.apply === true, now);
  return { test_id: test.test_id, ...results, message: `A/B test ${test.test_id} completed successfully` };
}

/** DELETE /ab-tests/{test_id} */
export function deleteAbTest(data: StoreData, testId: string) {
  const test = findTest(data, testId);
  data.ab_tests.splice(data.ab_tests.indexOf(test), 1);
  return { test_id: test.test_id, message: `A/B test ${test.test_id} deleted successfully` };
}

/**
 * Complete every active test past its duration_days, and every one whose always-valid sequential test
 * says it may stop. Neither applies the winner: an automatic end changes no strategy by itself.
 */
export function completeDueAbTests(
  data: StoreData,
  now = new Date(),
): { test_id: string; completed_by: string }[] {
  const done: { test_id: string; completed_by: string }[] = [];
  for (const test of data.ab_tests) {
    if (test.status !== 'active') continue;
    const end = Date.parse(test.started_at) + test.duration_days * DAY_MS;
    if (now.getTime() >= end) {
      finish(data, test, 'duration', false, new Date(end));
      done.push({ test_id: test.test_id, completed_by: 'duration' });
    } else if (computeAbResults(test).sequential.stop) {
      finish(data, test, 'sequential_stop', false, now);
      done.push({ test_id: test.test_id, completed_by: 'sequential_stop' });
    }
  }
  return done;
}

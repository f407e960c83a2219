import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessReport } from '../../../src/metrics/process-report.js';
import { API, AUTH, createTestApp, diffShape, type PythonCall, toInject } from './helpers.js';

const SEED_BODY =
  '{"strategy_a": "lazy", "strategy_b": "eager", "traffic_split": 0.5, "duration_days": 7, "min_sample_size": 100, "success_metric": "load_time"}';
const SEED_CREATE = {
  method: 'POST',
  path: '/ab-tests',
  params: { package_name: 'torch' },
  json: SEED_BODY,
} satisfies PythonCall;

const seedTime = '2024-01-01T00:00:00';
const seedTest = {
  test_id: 'test_1',
  package_name: 'torch',
  strategy_a: 'lazy',
  strategy_b: 'eager',
  traffic_split: 0.5,
  duration_days: 7,
  min_sample_size: 100,
  success_metric: 'load_time',
  status: 'active',
  created_at: seedTime,
  started_at: seedTime,
  completed_at: null,
};
const seedResults = {
  strategy_a_performance: { avg_load_time: 1.5 },
  strategy_b_performance: { avg_load_time: 0.8 },
  statistical_significance: 0.95,
  winner: 'eager',
  recommendation: 'Switch to eager strategy',
};
const { completed_at: _, ...seedCreated } = seedTest;
const SEED_RESPONSES = {
  create: {
    status: 'success',
    data: { ...seedCreated, test_id: 'test_123', message: 'A/B test created for torch' },
  },
  list: { status: 'success', data: { ab_tests: [seedTest], total_tests: 1, filter: { status: 'active' } } },
  get: { status: 'success', data: { ...seedTest, results: seedResults } },
  complete: {
    status: 'success',
    data: { test_id: 'test_1', ...seedResults, message: 'A/B test test_1 completed successfully' },
  },
  delete: { status: 'success', data: { test_id: 'test_1', message: 'A/B test test_1 deleted successfully' } },
};

/** Beyond the seed's example: the statistics behind its fields (SPEC §7), documented in the OpenAPI schema. */
const ARM_EXTRAS = [
  'strategy',
  'processes',
  'avg_startup_time',
  'avg_memory_usage',
  'success_rate',
  'total_attempts',
];
const RESULT_EXTRAS = [
  'success_metric',
  'method',
  'p_value',
  'lift',
  'difference',
  'sample_ratio_mismatch',
  'healthy',
  'sequential',
  'winner_reason',
];
const COMPLETION_EXTRAS = ['completed_by', 'applied_strategy'];

/** diffShape against the seed, with the documented extra fields listed by name instead of refused. */
function expectShape(actual: unknown, seed: unknown, extras: { at: string; fields: string[] }[] = []) {
  const expected = extras.flatMap(({ at, fields }) => fields.map((f) => `${at}.${f}: not in the seed`));
  expect(diffShape(actual, seed).sort()).toEqual(expected.sort());
}

/** One process of the fleet, in arm `arm` of `testId`, that loaded `name` once in `seconds`. */
function makeReport(i: number, testId: string, arm: 'a' | 'b', name: string, seconds: number): ProcessReport {
  const at = Date.now() - 60_000 + i;
  return {
    id: `ab-${testId}-${i}`,
    pid: 2000 + i,
    started_at: new Date(at - 2000).toISOString(),
    ended_at: new Date(at).toISOString(),
    first: true,
    startup_s: seconds + 0.3,
    ab: { [testId]: arm },
    packages: {
      [name]: {
        strategy: arm === 'a' ? 'lazy' : 'eager',
        loads: [[Math.round(seconds * 1e6), 1, 50_000_000]],
        imported: true,
        observed: true,
        used: true,
        first_use_s: 0.1,
        import_site_use: false,
        native_reason: null,
      },
    },
    shapes: {},
    events: [],
    records: [],
  };
}

describe('A/B test endpoints through app.inject()', () => {
  let app: FastifyInstance;
  const send = async (call: PythonCall, headers?: Record<string, string>) => {
    const response = await app.inject(toInject(call, headers));
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    return { status: response.statusCode, body: response.json() };
  };
  const expectError = (
    r: { status: number; body: { status: string; error: { code: string; message: string } } },
    status: number,
    field?: string,
  ) => {
    expect(r.status).toBe(status);
    expect(r.body.status).toBe('error');
    if (field !== undefined) expect(r.body.error.message).toContain(field);
  };

  /** A test on `name` whose arms each saw `perArm` processes: a ≈ 1.5 s loads, b ≈ 0.8 s (fewer than 20 per arm: no automatic stop). */
  async function createMeasuredTest(name: string, perArm: number): Promise<string> {
    const created = await send({
      method: 'POST',
      path: '/ab-tests',
      params: { package_name: name },
      json: `{"strategy_a": "lazy", "strategy_b": "eager", "min_sample_size": ${perArm}}`,
    });
    expect(created.status).toBe(200);
    const id: string = created.body.data.test_id;
    const reports = [];
    for (let i = 0; i < perArm; i++) {
      reports.push(makeReport(i, id, 'a', name, 1.5 + (i % 3) * 0.01));
      reports.push(makeReport(perArm + i, id, 'b', name, 0.8 + (i % 3) * 0.01));
    }
    const sent = await app.inject({
      method: 'POST',
      url: `${API}/fleet/reports`,
      headers: AUTH,
      payload: { reports },
    });
    expect(sent.statusCode).toBe(200);
    return id;
  }

  beforeAll(async () => {
    ({ app } = await createTestApp());
  });
  afterAll(() => app.close());

  let seedId: string;

  it('POST /ab-tests?package_name=torch with the seed’s body, as the seed sends it', async () => {
    const { status, body } = await send(SEED_CREATE);
    expect(status).toBe(200);
    expectShape(body, SEED_RESPONSES.create);
    seedId = body.data.test_id;
    expect(seedId).toMatch(/^test_[0-9a-f]+$/);
    const { test_id: _id, created_at, started_at, ...rest } = body.data;
    const { test_id: _seedId, created_at: _c, started_at: _s, ...seedRest } = SEED_RESPONSES.create.data;
    expect(rest).toEqual(seedRest);
    expect(created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(started_at).toBe(created_at);
  });

  it('a second active test on the same package is a 409', async () => {
    const r = await send(SEED_CREATE);
    expectError(r, 409, 'torch');
    expect(r.body.error.code).toBe('LOADSTRAT_ERR_CONFLICT');
  });

  it('GET /ab-tests?status=active lists it in the seed’s shape', async () => {
    const { status, body } = await send({ method: 'GET', path: '/ab-tests', params: { status: 'active' } });
    expect(status).toBe(200);
    expectShape(body, SEED_RESPONSES.list);
    expect(body.data.total_tests).toBe(1);
    expect(body.data.filter).toEqual({ status: 'active' });
    expect(body.data.ab_tests[0]).toMatchObject({
      test_id: seedId,
      package_name: 'torch',
      completed_at: null,
    });
  });

  it('GET /ab-tests without a filter: filter.status is null', async () => {
    const { body } = await send({ method: 'GET', path: '/ab-tests' });
    expect(body.data.filter).toEqual({ status: null });
    expect(body.data.total_tests).toBe(1);
    const completed = await send({ method: 'GET', path: '/ab-tests', params: { status: 'completed' } });
    expect(completed.body.data).toEqual({ ab_tests: [], total_tests: 0, filter: { status: 'completed' } });
  });

  it('GET /ab-tests/{test_id} of a test without measurements: no winner yet, and why', async () => {
    const { status, body } = await send({ method: 'GET', path: `/ab-tests/${seedId}` });
    expect(status).toBe(200);
    expect(body.data).toMatchObject({ test_id: seedId, status: 'active', completed_at: null });
    expect(body.data.results.winner).toBeNull();
    expect(body.data.results.statistical_significance).toBeNull();
    expect(typeof body.data.results.winner_reason).toBe('string');
  });

  let measuredId: string;

  it('GET /ab-tests/{test_id} of a measured test: the seed’s shape, live results, the faster arm winning', async () => {
    measuredId = await createMeasuredTest('numpy', 6);
    const { status, body } = await send({ method: 'GET', path: `/ab-tests/${measuredId}` });
    expect(status).toBe(200);
    expectShape(body, SEED_RESPONSES.get, [
      { at: '$.data.results', fields: RESULT_EXTRAS },
      { at: '$.data.results.strategy_a_performance', fields: ARM_EXTRAS },
      { at: '$.data.results.strategy_b_performance', fields: ARM_EXTRAS },
    ]);
    const { results } = body.data;
    expect(results.strategy_a_performance).toMatchObject({ strategy: 'lazy', processes: 6 });
    expect(results.strategy_a_performance.avg_load_time).toBeCloseTo(1.51, 2);
    expect(results.strategy_b_performance.avg_load_time).toBeCloseTo(0.81, 2);
    expect(results.statistical_significance).toBeGreaterThanOrEqual(0.95);
    expect(results.winner).toBe('eager');
  });

  it('POST /ab-tests/{test_id}/complete: the seed’s shape; then it is completed (409 a second time)', async () => {
    const { status, body } = await send({ method: 'POST', path: `/ab-tests/${measuredId}/complete` });
    expect(status).toBe(200);
    expectShape(body, SEED_RESPONSES.complete, [
      { at: '$.data', fields: [...RESULT_EXTRAS, ...COMPLETION_EXTRAS] },
      { at: '$.data.strategy_a_performance', fields: ARM_EXTRAS },
      { at: '$.data.strategy_b_performance', fields: ARM_EXTRAS },
    ]);
    expect(body.data).toMatchObject({
      test_id: measuredId,
      winner: 'eager',
      completed_by: 'manual',
      applied_strategy: null,
      message: `A/B test ${measuredId} completed successfully`,
    });
    const got = await send({ method: 'GET', path: `/ab-tests/${measuredId}` });
    expect(got.body.data.status).toBe('completed');
    expect(got.body.data.completed_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    expect(got.body.data.results.winner).toBe('eager');
    // Not applied: numpy has no configuration.
    const pkg = await send({ method: 'GET', path: '/packages/numpy' });
    expect(pkg.body.data.configuration_type).toBe('global');

    expectError(
      await send({ method: 'POST', path: `/ab-tests/${measuredId}/complete` }),
      409,
      'already completed',
    );
  });

  it('POST /ab-tests/{test_id}/complete?apply=True stores the winner as auto_optimized', async () => {
    const id = await createMeasuredTest('pandas', 6);
    const { status, body } = await send({
      method: 'POST',
      path: `/ab-tests/${id}/complete`,
      params: { apply: true },
    });
    expect(status).toBe(200);
    expect(body.data).toMatchObject({ winner: 'eager', applied_strategy: 'eager' });
    const pkg = await send({ method: 'GET', path: '/packages/pandas' });
    expect(pkg.body.data).toMatchObject({
      configured_strategy: 'eager',
      configuration_type: 'auto_optimized',
    });
  });

  it('DELETE /ab-tests/{test_id}: the seed’s answer, then 404', async () => {
    const { status, body } = await send({ method: 'DELETE', path: `/ab-tests/${seedId}` });
    expect(status).toBe(200);
    expectShape(body, SEED_RESPONSES.delete);
    expect(body.data).toEqual({ test_id: seedId, message: `A/B test ${seedId} deleted successfully` });
    expectError(await send({ method: 'DELETE', path: `/ab-tests/${seedId}` }), 404, seedId);
    // Deleted: torch may have a new test.
    expect((await send(SEED_CREATE)).status).toBe(200);
  });

  it.each([
    ['GET', '/ab-tests/test_nope'],
    ['POST', '/ab-tests/test_nope/complete'],
    ['DELETE', '/ab-tests/test_nope'],
  ] as const)('%s %s is a 404', async (method, path) => {
    const r = await send({ method, path });
    expectError(r, 404, 'test_nope');
    expect(r.body.error.code).toBe('LOADSTRAT_ERR_NOT_FOUND');
  });

  it.each([
    ['{"strategy_b": "eager"}', { package_name: 'react' }, 'strategy_a'],
    ['{"strategy_a": "lazy", "strategy_b": "lazy"}', { package_name: 'react' }, 'strategy_b'],
    ['{"strategy_a": "lazy", "strategy_b": "fast"}', { package_name: 'react' }, 'strategy_b'],
    [
      '{"strategy_a": "lazy", "strategy_b": "eager", "traffic_split": 1.5}',
      { package_name: 'react' },
      'traffic_split',
    ],
    [
      '{"strategy_a": "lazy", "strategy_b": "eager", "duration_days": 0}',
      { package_name: 'react' },
      'duration_days',
    ],
    [
      '{"strategy_a": "lazy", "strategy_b": "eager", "min_sample_size": 1}',
      { package_name: 'react' },
      'min_sample_size',
    ],
    [
      '{"strategy_a": "lazy", "strategy_b": "eager", "success_metric": "joy"}',
      { package_name: 'react' },
      'success_metric',
    ],
    ['{"strategy_a": "lazy", "strategy_b": "eager", "color": "red"}', { package_name: 'react' }, 'color'],
    ['{"strategy_a": "lazy", "strategy_b": "eager"}', {}, 'package_name'],
    ['{"strategy_a": "lazy", "strategy_b": "eager"}', { package_name: 'Bad Name' }, 'package_name'],
    ['{"strategy_a": "lazy", "strategy_b": "eager"}', { package_name: 'react', pkg: 'x' }, 'pkg'],
    ['["lazy", "eager"]', { package_name: 'react' }, 'body'],
  ])('POST /ab-tests with %s and %j is a 400 naming %s', async (json, params, field) => {
    expectError(await send({ method: 'POST', path: '/ab-tests', params, json }), 400, field);
  });

  it('the package may come in the body instead of the query', async () => {
    const r = await send({
      method: 'POST',
      path: '/ab-tests',
      json: '{"package_name": "react", "strategy_a": "lazy", "strategy_b": "preload"}',
    });
    expect(r.status).toBe(200);
    expect(r.body.data).toMatchObject({
      package_name: 'react',
      traffic_split: 0.5,
      duration_days: 7,
      min_sample_size: 100,
    });
  });

  it.each([
    [{ method: 'GET', path: '/ab-tests', params: { status: 'running' } }, 'status'],
    [{ method: 'GET', path: '/ab-tests', params: { state: 'active' } }, 'state'],
    [{ method: 'GET', path: '/ab-tests/test_x', params: { verbose: 1 } }, 'verbose'],
    [{ method: 'POST', path: '/ab-tests/test_x/complete', params: { apply: 'maybe' } }, 'apply'],
    [{ method: 'DELETE', path: '/ab-tests/test_x', params: { force: true } }, 'force'],
  ] satisfies [PythonCall, string][])('%j is a 400 naming %s', async (call, field) => {
    expectError(await send(call), 400, field);
  });

  it('401 without the Bearer token, for every endpoint', async () => {
    const calls: PythonCall[] = [
      SEED_CREATE,
      { method: 'GET', path: '/ab-tests' },
      { method: 'GET', path: `/ab-tests/${measuredId}` },
      { method: 'POST', path: `/ab-tests/${measuredId}/complete` },
      { method: 'DELETE', path: `/ab-tests/${measuredId}` },
    ];
    for (const call of calls) expectError(await send(call, {}), 401);
    for (const call of calls) expectError(await send(call, { authorization: 'Bearer wrong' }), 401);
  });
});

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessReport } from '../../../src/metrics/process-report.js';
import { API, AUTH, createTestApp, expectSeedShape, type PythonCall, toInject } from './helpers.js';

const SEED = {
  get: {
    method: 'GET',
    path: '/recommendations',
    params: { package_name: 'torch', min_confidence: 0.7 },
  },
  apply: { method: 'POST', path: '/recommendations/apply', json: '["torch", "numpy"]' },
} satisfies Record<string, PythonCall>;

const SEED_RESPONSES = {
  get: {
    status: 'success',
    data: {
      recommendations: [
        {
          package_name: 'torch',
          current_strategy: 'lazy',
          recommended_strategy: 'eager',
          confidence: 0.85,
          reasoning: 'High usage suggests eager loading',
          expected_improvement: 25.5,
          implementation_cost: 'medium',
          risk_level: 'low',
          data_points: 50,
        },
      ],
      total_recommendations: 1,
      filters: { package_name: 'torch', min_confidence: 0.7 },
    },
  },
  apply: {
    status: 'success',
    data: {
      results: [
        {
          package_name: 'torch',
          applied_strategy: 'eager',
          success: true,
          expected_improvement: 25.5,
          confidence: 0.85,
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
    },
  },
};

const PROCESSES = 40;

/**
 * One process that imported torch (with the global default, on_demand) and never used it: 40 of them make
 * "rarely used → lazy" the recommendation. Loads of 200 ms ± 2 ms, a 500 ms startup.
 */
function makeReport(i: number): ProcessReport {
  const at = Date.now() - 60_000 + i;
  return {
    id: `rec-${i}`,
    pid: 1000 + i,
    started_at: new Date(at - 1000).toISOString(),
    ended_at: new Date(at).toISOString(),
    first: true,
    startup_s: 0.5,
    ab: {},
    packages: {
      torch: {
        strategy: 'on_demand',
        loads: [[200_000 + (i % 5) * 1000 - 2000, 1, 50_000_000]],
        imported: true,
        observed: true,
        used: false,
        first_use_s: null,
        import_site_use: false,
        native_reason: null,
      },
    },
    shapes: {},
    events: [],
    records: [],
  };
}

describe('recommendation endpoints through app.inject()', () => {
  let app: FastifyInstance;
  const send = async (call: PythonCall, headers?: Record<string, string>) => {
    const response = await app.inject(toInject(call, headers));
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    return { status: response.statusCode, body: response.json() };
  };

  beforeAll(async () => {
    ({ app } = await createTestApp());
    const response = await app.inject({
      method: 'POST',
      url: `${API}/fleet/reports`,
      headers: AUTH,
      payload: { reports: Array.from({ length: PROCESSES }, (_, i) => makeReport(i)) },
    });
    expect(response.statusCode).toBe(200);
  });
  afterAll(() => app.close());

  it('GET /recommendations?package_name=torch&min_confidence=0.7 as the seed sends it', async () => {
    const { status, body } = await send(SEED.get);
    expect(status).toBe(200);
    expectSeedShape(body, SEED_RESPONSES.get);
    expect(body.data.total_recommendations).toBe(1);
    expect(body.data.filters).toEqual({ package_name: 'torch', min_confidence: 0.7 });
    const [rec] = body.data.recommendations;
    expect(rec).toMatchObject({
      package_name: 'torch',
      current_strategy: 'on_demand',
      recommended_strategy: 'lazy',
      data_points: PROCESSES,
    });
    expect(rec.confidence).toBeGreaterThanOrEqual(0.7);
    expect(rec.confidence).toBeLessThanOrEqual(1);
    // 200 ms saved in every process of a 500 ms startup.
    expect(rec.expected_improvement).toBeCloseTo(40, 0);
    expect(rec.reasoning).toContain('imported by 40 processes');
  });

  it('GET /recommendations without parameters uses min_confidence 0.7 and no package filter', async () => {
    const { status, body } = await send({ method: 'GET', path: '/recommendations' });
    expect(status).toBe(200);
    expect(body.data.filters).toEqual({ package_name: null, min_confidence: 0.7 });
    expect(body.data.recommendations.map((r: { package_name: string }) => r.package_name)).toEqual(['torch']);
  });

  it('filters: another package, or a confidence above what the evidence gives, finds nothing', async () => {
    const other = await send({ method: 'GET', path: '/recommendations', params: { package_name: 'numpy' } });
    expect(other.body.data).toEqual({
      recommendations: [],
      total_recommendations: 0,
      filters: { package_name: 'numpy', min_confidence: 0.7 },
    });
    const strict = await send({ method: 'GET', path: '/recommendations', params: { min_confidence: 1 } });
    expect(strict.body.data.total_recommendations).toBe(0);
  });

  it.each([
    [{ min_confidence: 2 }, 'min_confidence'],
    [{ min_confidence: 'high' }, 'min_confidence'],
    [{ package_name: 'Not A Name' }, 'package_name'],
    [{ packages: 'torch' }, 'packages'],
  ])('GET /recommendations with %j is a 400 naming %s', async (params, field) => {
    const { status, body } = await send({ method: 'GET', path: '/recommendations', params });
    expect(status).toBe(400);
    expect(body.status).toBe('error');
    expect(body.error.code).toBe('LOADSTRAT_ERR_VALIDATION');
    expect(body.error.message).toContain(field);
  });

  it('POST /recommendations/apply without a body is a 400 naming the body', async () => {
    const { status, body } = await send({ method: 'POST', path: '/recommendations/apply' });
    expect(status).toBe(400);
    expect(body.error.message).toMatch(/^body/);
  });

  it('401 without the Bearer token, for both endpoints', async () => {
    for (const call of [SEED.get, SEED.apply]) {
      const { status, body } = await send(call, {});
      expect(status).toBe(401);
      expect(body.status).toBe('error');
    }
  });

  it.each([
    ['{"names": ["torch"]}', 'body'],
    ['["torch", 1]', 'body[1]'],
    ['"torch"', 'body'],
    ['null', 'body'],
  ])('POST /recommendations/apply with %s is a 400 naming %s', async (json, field) => {
    const { status, body } = await send({ method: 'POST', path: '/recommendations/apply', json });
    expect(status).toBe(400);
    expect(body.error.message).toContain(field);
  });

  it('POST /recommendations/apply with an empty list applies nothing', async () => {
    const { status, body } = await send({ method: 'POST', path: '/recommendations/apply', json: '[]' });
    expect(status).toBe(200);
    expect(body.data).toEqual({ results: [], total_packages: 0, successful_applications: 0 });
  });

  it('POST /recommendations/apply with a min_confidence above the recommendation applies nothing', async () => {
    const { status, body } = await send({ ...SEED.apply, params: { min_confidence: 0.99 } });
    expect(status).toBe(200);
    expect(body.data.successful_applications).toBe(0);
    expect(body.data.results[0]).toMatchObject({
      package_name: 'torch',
      applied_strategy: null,
      success: false,
    });
    expect(body.data.results[0].reason).toContain('below min_confidence 0.99');
  });

  it('POST /recommendations/apply with the seed’s body applies torch as auto_optimized, not numpy', async () => {
    const { status, body } = await send(SEED.apply);
    expect(status).toBe(200);
    // The seed's two results differ in shape: an applied one and one with a reason.
    const [applied, missing] = SEED_RESPONSES.apply.data.results;
    expectSeedShape({ ...body, data: { ...body.data, results: [] } }, SEED_RESPONSES.apply);
    expectSeedShape(body.data.results[0], applied);
    expectSeedShape(body.data.results[1], missing);
    expect(body.data).toMatchObject({
      results: [
        { package_name: 'torch', applied_strategy: 'lazy', success: true },
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

    const pkg = await send({ method: 'GET', path: '/packages/torch' });
    expect(pkg.body.data).toMatchObject({
      configured_strategy: 'lazy',
      configuration_type: 'auto_optimized',
    });
    // Applied: nothing left to recommend.
    const after = await send(SEED.get);
    expect(after.body.data.total_recommendations).toBe(0);
  });
});

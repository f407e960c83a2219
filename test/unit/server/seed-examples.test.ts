import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectSeedShape, SEED_CALLS, SEED_RESPONSES, toInject } from './helpers.js';

/** Each seed example request, sent as the seed's Python `requests` snippets send it, through app.inject(). */
describe('the seed’s examples through app.inject()', () => {
  let app: FastifyInstance;
  const send = async (call: (typeof SEED_CALLS)[keyof typeof SEED_CALLS]) => {
    const response = await app.inject(toInject(call));
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    return { status: response.statusCode, body: response.json() };
  };

  beforeAll(async () => {
    ({ app } = await createTestApp());
  });
  afterAll(() => app.close());

  it('PUT /packages/torch with the seed’s JSON body', async () => {
    const { status, body } = await send(SEED_CALLS.put);
    expect(status).toBe(200);
    expectSeedShape(body, SEED_RESPONSES.put);
    expect(body).toEqual(SEED_RESPONSES.put);
  });

  it('POST /performance/record with the seed’s query parameters (success=True)', async () => {
    const { status, body } = await send(SEED_CALLS.record);
    expect(status).toBe(200);
    expect(body).toEqual(SEED_RESPONSES.record);
  });

  it('GET /status', async () => {
    const { status, body } = await send(SEED_CALLS.status);
    expect(status).toBe(200);
    expectSeedShape(body, SEED_RESPONSES.status);
    expect(body.data.configuration_summary).toEqual({
      total_configurations: 1,
      strategy_distribution: { eager: 1 },
      configuration_type_distribution: { package_specific: 1 },
      active_ab_tests: 0,
      total_ab_tests: 0,
      performance_records: 1,
      global_default_strategy: 'on_demand',
    });
    expect(body.data.available_strategies).toEqual(SEED_RESPONSES.status.data.available_strategies);
    expect(body.data.configuration_types).toEqual(SEED_RESPONSES.status.data.configuration_types);
  });

  it('GET /packages', async () => {
    const { status, body } = await send(SEED_CALLS.list);
    expect(status).toBe(200);
    expectSeedShape(body, SEED_RESPONSES.list);
    const [config] = body.data.configurations;
    expect(config).toMatchObject({
      package_name: 'torch',
      strategy: 'eager',
      priority: 1,
      performance_threshold: 2,
      fallback_strategy: 'lazy',
    });
    expect(config.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
  });

  it('GET /packages/torch', async () => {
    const { status, body } = await send(SEED_CALLS.get);
    expect(status).toBe(200);
    expectSeedShape(body, SEED_RESPONSES.get);
    expect(body.data).toMatchObject({
      current_strategy: 'eager',
      configured_strategy: 'eager',
      configuration_type: 'package_specific',
    });
  });

  it('GET /performance/comparison?package_name=torch&time_window_hours=24, in the seed’s units', async () => {
    const { status, body } = await send(SEED_CALLS.comparison);
    expect(status).toBe(200);
    expectSeedShape(body, SEED_RESPONSES.comparison);
    expect(body.data).toEqual({
      performance_comparison: [
        {
          strategy: 'eager',
          avg_load_time: 1.5,
          min_load_time: 1.5,
          max_load_time: 1.5,
          avg_memory_usage: 47.68,
          success_rate: 100,
          total_attempts: 1,
          avg_user_satisfaction: 80,
          avg_system_impact: 30,
        },
      ],
      filters: { package_name: 'torch', time_window_hours: 24 },
      total_strategies: 1,
    });
  });

  it('DELETE /packages/torch', async () => {
    const { status, body } = await send(SEED_CALLS.delete);
    expect(status).toBe(200);
    expect(body).toEqual(SEED_RESPONSES.delete);
  });
});

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API, createTestApp } from './helpers.js';

describe('/docs', () => {
  let app: FastifyInstance;
  let doc: any;
  beforeAll(async () => {
    ({ app } = await createTestApp());
    doc = (await app.inject({ url: '/docs/json' })).json();
  });
  afterAll(() => app.close());

  it('describes every endpoint, once, with the seed’s paths', () => {
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/health',
        `${API}/status`,
        `${API}/packages`,
        `${API}/packages/{package_name}`,
        `${API}/global-default`,
        `${API}/performance/comparison`,
        `${API}/performance/record`,
        `${API}/recommendations`,
        `${API}/recommendations/apply`,
        `${API}/ab-tests`,
        `${API}/ab-tests/{test_id}`,
        `${API}/ab-tests/{test_id}/complete`,
        `${API}/fleet/boot-view`,
        `${API}/fleet/reports`,
      ].sort(),
    );
    expect(Object.keys(doc.paths[`${API}/packages/{package_name}`]).sort()).toEqual(['delete', 'get', 'put']);
  });

  it('documents the Bearer scheme, required everywhere but /health', () => {
    expect(doc.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/health'].get.security).toEqual([]);
  });

  it('is generated from the schemas that validate: the record’s query parameters and its optional body', () => {
    const record = doc.paths[`${API}/performance/record`].post;
    const params = Object.fromEntries(record.parameters.map((p: any) => [p.name, p]));
    expect(Object.keys(params).sort()).toEqual(
      [
        'load_time',
        'memory_usage',
        'package_name',
        'strategy',
        'success',
        'system_impact',
        'user_satisfaction',
      ].sort(),
    );
    expect(params.load_time).toMatchObject({
      in: 'query',
      required: true,
      schema: { type: 'number', minimum: 0 },
    });
    expect(params.user_satisfaction).toMatchObject({ required: false, schema: { minimum: 0, maximum: 1 } });
    expect(params.strategy.schema.enum).toEqual(['eager', 'lazy', 'preload', 'on_demand']);
    expect(record.requestBody.required).toBe(false);
    expect(
      record.responses['200'].content['application/json'].schema.properties.data.properties.message.type,
    ).toBe('string');
    for (const status of ['400', '401', '415']) expect(record.responses[status]).toBeDefined();
  });

  it('serves the interactive page', async () => {
    const page = await app.inject({ url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toContain('swagger-ui');
  });
});

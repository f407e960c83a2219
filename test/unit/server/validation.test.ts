import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStoreSync } from '../../../src/config/store-file.js';
import { buildApp } from '../../../src/server/app.js';
import { API, AUTH, createTestApp, TOKEN } from './helpers.js';

const RECORD = `${API}/performance/record`;
const good = 'package_name=torch&strategy=eager&load_time=1.5&memory_usage=100&success=true';

describe('bad input gets the right status and names the field', () => {
  let app: FastifyInstance;
  let store: string;
  beforeAll(async () => {
    ({ app, store } = await createTestApp({ bodyLimit: 4096, fleetBodyLimit: 16_384 }));
  });
  afterAll(() => app.close());

  const cases: [string, Parameters<FastifyInstance['inject']>[0] & object, number, string, RegExp][] = [
    [
      'unknown strategy',
      { method: 'PUT', url: `${API}/packages/torch`, payload: { strategy: 'fast' } },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^strategy: must be one of eager, lazy, preload, on_demand$/,
    ],
    [
      'unknown configuration type',
      { method: 'PUT', url: `${API}/packages/torch`, payload: { strategy: 'lazy', configuration_type: 'x' } },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^configuration_type: must be one of/,
    ],
    [
      'global as a package’s type',
      {
        method: 'PUT',
        url: `${API}/packages/torch`,
        payload: { strategy: 'lazy', configuration_type: 'global' },
      },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^configuration_type: .*global-default/,
    ],
    [
      'unknown fallback strategy',
      { method: 'PUT', url: `${API}/packages/torch`, payload: { strategy: 'lazy', fallback_strategy: 'x' } },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^fallback_strategy: /,
    ],
    [
      'priority 0',
      { method: 'PUT', url: `${API}/packages/torch`, payload: { strategy: 'lazy', priority: 0 } },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^priority: must be >= 1$/,
    ],
    [
      'missing strategy',
      { method: 'PUT', url: `${API}/packages/torch`, payload: {} },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^strategy: is required$/,
    ],
    [
      'unknown body field',
      { method: 'PUT', url: `${API}/packages/torch`, payload: { strategy: 'lazy', colour: 'red' } },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^colour: unknown field$/,
    ],
    [
      'body not JSON',
      {
        method: 'PUT',
        url: `${API}/packages/torch`,
        headers: { 'content-type': 'application/json' },
        payload: '{"strategy":',
      },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^body: /,
    ],
    [
      'body an array',
      { method: 'PUT', url: `${API}/packages/torch`, payload: ['lazy'] },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^body: must be an object$/,
    ],
    [
      'uppercase package name',
      { method: 'GET', url: `${API}/packages/Torch` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^package_name: 'Torch' is not a valid npm package name$/,
    ],
    [
      'path tricks ..%2f..',
      { method: 'GET', url: `${API}/packages/..%2f..` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^package_name: '\.\.\/\.\.' is not a valid/,
    ],
    [
      'path tricks ..%2F..%2Fstrategy_config.json',
      { method: 'PUT', url: `${API}/packages/..%2F..%2Fstrategy_config.json`, payload: { strategy: 'lazy' } },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^package_name: /,
    ],
    [
      'a dot',
      { method: 'DELETE', url: `${API}/packages/.` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^package_name: /,
    ],
    [
      'a scope without a name',
      { method: 'GET', url: `${API}/packages/%40scope` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^package_name: /,
    ],
    [
      'a bad percent-encoding',
      { method: 'GET', url: `${API}/packages/%zz` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^url: /,
    ],
    [
      'a 215-character name',
      { method: 'GET', url: `${API}/packages/${'a'.repeat(215)}` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^package_name: /,
    ],
    [
      'negative load time',
      { method: 'POST', url: `${RECORD}?${good.replace('1.5', '-1')}` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^load_time: must be >= 0$/,
    ],
    [
      'non-numeric load time',
      { method: 'POST', url: `${RECORD}?${good.replace('1.5', 'fast')}` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^load_time: must be a number$/,
    ],
    [
      'infinite load time',
      { method: 'POST', url: `${RECORD}?${good.replace('1.5', 'Infinity')}` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^load_time: /,
    ],
    [
      'NaN load time',
      { method: 'POST', url: `${RECORD}?${good.replace('1.5', 'NaN')}` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^load_time: /,
    ],
    [
      'load time given twice',
      { method: 'POST', url: `${RECORD}?${good}&load_time=2` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^load_time: /,
    ],
    [
      'negative memory',
      { method: 'POST', url: `${RECORD}?${good.replace('memory_usage=100', 'memory_usage=-5')}` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^memory_usage: must be >= 0$/,
    ],
    [
      'satisfaction above 1',
      { method: 'POST', url: `${RECORD}?${good}&user_satisfaction=1.5` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^user_satisfaction: must be <= 1$/,
    ],
    [
      'impact below 0',
      { method: 'POST', url: `${RECORD}?${good}&system_impact=-0.1` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^system_impact: must be >= 0$/,
    ],
    [
      'success not a boolean',
      { method: 'POST', url: `${RECORD}?${good.replace('success=true', 'success=maybe')}` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^success: must be true or false$/,
    ],
    [
      'missing load time',
      { method: 'POST', url: `${RECORD}?${good.replace('load_time=1.5&', '')}` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^load_time: is required$/,
    ],
    [
      'a field both in query and body',
      { method: 'POST', url: `${RECORD}?${good}`, payload: { load_time: 2 } },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^load_time: given both/,
    ],
    [
      'unknown field in the record body',
      {
        method: 'POST',
        url: RECORD,
        payload: {
          package_name: 'torch',
          strategy: 'lazy',
          load_time: 1,
          memory_usage: 1,
          success: true,
          extra: 1,
        },
      },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^extra: unknown query parameter$/,
    ],
    [
      'record package name invalid',
      { method: 'POST', url: `${RECORD}?${good.replace('torch', '..%2Fx')}` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^package_name: /,
    ],
    [
      'unknown query parameter',
      { method: 'GET', url: `${API}/status?verbose=1` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^verbose: unknown query parameter$/,
    ],
    [
      'unknown query parameter on comparison',
      { method: 'GET', url: `${API}/performance/comparison?package=torch` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^package: unknown query parameter$/,
    ],
    [
      'time window 0',
      { method: 'GET', url: `${API}/performance/comparison?time_window_hours=0` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^time_window_hours: must be > 0$/,
    ],
    [
      'time window not a number',
      { method: 'GET', url: `${API}/performance/comparison?time_window_hours=day` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^time_window_hours: must be a number$/,
    ],
    [
      'comparison of an invalid name',
      { method: 'GET', url: `${API}/performance/comparison?package_name=a%20b` },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^package_name: /,
    ],
    [
      'oversized body',
      {
        method: 'PUT',
        url: `${API}/packages/torch`,
        payload: { strategy: 'lazy', metadata: { x: 'y'.repeat(5000) } },
      },
      413,
      'LOADSTRAT_ERR_PAYLOAD_TOO_LARGE',
      /^body: larger than this endpoint's limit of 4096 bytes$/,
    ],
    [
      'wrong content type',
      {
        method: 'PUT',
        url: `${API}/packages/torch`,
        headers: { 'content-type': 'text/plain' },
        payload: 'strategy=lazy',
      },
      415,
      'LOADSTRAT_ERR_MEDIA_TYPE',
      /^content-type: /,
    ],
    [
      'form-encoded body',
      {
        method: 'POST',
        url: RECORD,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: good,
      },
      415,
      'LOADSTRAT_ERR_MEDIA_TYPE',
      /^content-type: /,
    ],
    [
      'global default unknown',
      { method: 'PUT', url: `${API}/global-default`, payload: { strategy: 'sometimes' } },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^strategy: must be one of/,
    ],
    [
      'delete of an unconfigured package',
      { method: 'DELETE', url: `${API}/packages/never-configured` },
      404,
      'LOADSTRAT_ERR_NOT_FOUND',
      /never-configured/,
    ],
    [
      'unknown endpoint',
      { method: 'GET', url: `${API}/nothing-here` },
      404,
      'LOADSTRAT_ERR_NOT_FOUND',
      /nothing-here/,
    ],
    [
      'fleet report with a bad id',
      { method: 'POST', url: `${API}/fleet/reports`, payload: { reports: [{ id: '../x' }] } },
      400,
      'LOADSTRAT_ERR_VALIDATION',
      /^reports\[0\]/,
    ],
    [
      'fleet batch too large',
      {
        method: 'POST',
        url: `${API}/fleet/reports`,
        payload: { reports: [{ id: 'x', pad: 'y'.repeat(20_000) }] },
      },
      413,
      'LOADSTRAT_ERR_PAYLOAD_TOO_LARGE',
      /16384 bytes/,
    ],
  ];

  it.each(cases)('%s', async (_name, request, status, code, message) => {
    const response = await app.inject({ ...request, headers: { ...AUTH, ...(request.headers ?? {}) } });
    expect(response.statusCode).toBe(status);
    const body = response.json();
    expect(body).toEqual({ status: 'error', error: { code, message: expect.stringMatching(message) } });
  });

  it('left the store without a configuration or a record', async () => {
    const status = await app.inject({ url: `${API}/status`, headers: AUTH });
    expect(status.json().data.configuration_summary).toMatchObject({
      total_configurations: 0,
      performance_records: 0,
    });
    expect(readStoreSync(store).configurations).toEqual([]);
  });
});

describe('what is accepted', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ app } = await createTestApp());
  });
  afterAll(() => app.close());

  it('scoped names, encoded or not, name the same package', async () => {
    const put = await app.inject({
      method: 'PUT',
      url: `${API}/packages/@aws-sdk/client-s3`,
      headers: AUTH,
      payload: { strategy: 'lazy' },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json().data.package_name).toBe('@aws-sdk/client-s3');
    for (const url of ['%40aws-sdk%2Fclient-s3', '@aws-sdk%2Fclient-s3', '%40aws-sdk/client-s3']) {
      const get = await app.inject({ url: `${API}/packages/${url}`, headers: AUTH });
      expect(get.statusCode, url).toBe(200);
      expect(get.json().data).toMatchObject({
        package_name: '@aws-sdk/client-s3',
        configured_strategy: 'lazy',
      });
    }
    const del = await app.inject({
      method: 'DELETE',
      url: `${API}/packages/%40aws-sdk%2Fclient-s3`,
      headers: AUTH,
    });
    expect(del.json().data.message).toBe('Strategy configuration for @aws-sdk/client-s3 removed');
  });

  it('an unconfigured package answers with the global default and type global', async () => {
    await app.inject({
      method: 'PUT',
      url: `${API}/global-default`,
      headers: AUTH,
      payload: { strategy: 'lazy' },
    });
    const get = await app.inject({ url: `${API}/packages/left-pad`, headers: AUTH });
    expect(get.json().data).toEqual({
      package_name: 'left-pad',
      current_strategy: 'lazy',
      configured_strategy: 'lazy',
      configuration_type: 'global',
      priority: 1000,
      enabled: true,
      created_at: null,
      updated_at: null,
      performance_threshold: null,
      fallback_strategy: null,
    });
    const global = await app.inject({ url: `${API}/global-default`, headers: AUTH });
    expect(global.json().data).toEqual({ global_default_strategy: 'lazy', configuration_type: 'global' });
  });

  it('the record as a JSON body, and Python’s True/False, 1/0', async () => {
    const body = await app.inject({
      method: 'POST',
      url: RECORD,
      headers: AUTH,
      payload: {
        package_name: 'chalk',
        strategy: 'lazy',
        load_time: 0.25,
        memory_usage: 1_048_576,
        success: false,
        user_satisfaction: 0.5,
      },
    });
    expect(body.statusCode).toBe(200);
    for (const word of ['True', 'False', '1', '0', 'TRUE']) {
      const q = await app.inject({
        method: 'POST',
        url: `${RECORD}?package_name=chalk&strategy=lazy&load_time=0.25&memory_usage=0&success=${word}`,
        headers: AUTH,
      });
      expect(q.statusCode, word).toBe(200);
    }
    const comparison = await app.inject({
      url: `${API}/performance/comparison?package_name=chalk`,
      headers: AUTH,
    });
    expect(comparison.json().data.performance_comparison).toEqual([
      expect.objectContaining({
        strategy: 'lazy',
        total_attempts: 6,
        success_rate: 50,
        avg_user_satisfaction: 50,
        avg_system_impact: null,
      }),
    ]);
  });

  it('time_window_hours leaves out buckets that ended before the window', async () => {
    const { app: now, store } = await createTestApp();
    const past = await buildApp({
      storePath: store,
      token: TOKEN,
      mergeIntervalMs: 0,
      now: () => new Date(Date.now() - 48 * 3_600_000),
    });
    const url = `${RECORD}?package_name=old&strategy=eager&load_time=1&memory_usage=0&success=true`;
    expect((await past.inject({ method: 'POST', url, headers: AUTH })).statusCode).toBe(200);
    await past.close();
    const within = async (hours: number) =>
      (
        await now.inject({
          url: `${API}/performance/comparison?package_name=old&time_window_hours=${hours}`,
          headers: AUTH,
        })
      ).json().data;
    expect((await within(1)).total_strategies).toBe(0);
    expect((await within(72)).performance_comparison).toEqual([
      expect.objectContaining({ strategy: 'eager', total_attempts: 1 }),
    ]);
    await now.close();
  });

  it('current_strategy is what processes last reported, configured_strategy what the store says', async () => {
    const { app: a, store } = await createTestApp();
    const { updateStore } = await import('../../../src/config/store.js');
    await updateStore(store, (data) => {
      data.packages.torch = {
        shapes: {},
        native_reasons: {},
        last_strategy: 'lazy',
        last_seen: new Date().toISOString(),
      };
    });
    await a.inject({
      method: 'PUT',
      url: `${API}/packages/torch`,
      headers: AUTH,
      payload: { strategy: 'eager' },
    });
    const get = await a.inject({ url: `${API}/packages/torch`, headers: AUTH });
    expect(get.json().data).toMatchObject({ current_strategy: 'lazy', configured_strategy: 'eager' });
    await a.close();
  });

  it('a performance_threshold exceeded makes the effective strategy the fallback', async () => {
    const { app: a } = await createTestApp();
    await a.inject({
      method: 'PUT',
      url: `${API}/packages/slow`,
      headers: AUTH,
      payload: { strategy: 'eager', performance_threshold: 0.5, fallback_strategy: 'lazy' },
    });
    await a.inject({
      method: 'POST',
      url: `${RECORD}?package_name=slow&strategy=eager&load_time=2&memory_usage=0&success=true`,
      headers: AUTH,
    });
    const get = await a.inject({ url: `${API}/packages/slow`, headers: AUTH });
    expect(get.json().data).toMatchObject({ current_strategy: 'lazy', configured_strategy: 'eager' });
    await a.close();
  });
});

import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStore } from '../../../src/config/store.js';
import { parseStore } from '../../../src/config/store-file.js';
import { API, AUTH, createTestApp } from './helpers.js';

const PATHS = [
  '/status',
  '/packages',
  '/packages/torch',
  '/packages/@scope/pkg',
  '/packages/%40scope%2Fpkg',
  '/global-default',
  '/performance/comparison',
  '/performance/record',
  '/fleet/boot-view',
  '/fleet/reports',
];
const FIELDS = [
  'package_name',
  'strategy',
  'load_time',
  'memory_usage',
  'success',
  'user_satisfaction',
  'system_impact',
  'time_window_hours',
  'configuration_type',
  'priority',
  'reports',
];
const VALUES = [
  'torch',
  '@s/p',
  'eager',
  'lazy',
  'True',
  '1.5',
  '-1',
  '1e400',
  'NaN',
  '',
  '0',
  '..%2f..',
  '%00',
  '[]',
  'null',
];

const segment = fc.oneof(
  fc.constantFrom('..', '.', '%2e%2e', '..%2f..', '%2F', '%00', '%zz', '@x', 'torch', '~', '%40a%2Fb'),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
);
const path = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PATHS) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('/packages/', '/performance/', '/fleet/', '/'),
        fc.array(segment, { minLength: 1, maxLength: 3 }),
      )
      .map(([p, s]) => p + s.join('/')),
  },
);
const query = fc.array(
  fc.tuple(
    fc.oneof(fc.constantFrom(...FIELDS), fc.string({ maxLength: 6 })),
    fc.oneof(fc.constantFrom(...VALUES), fc.string({ maxLength: 10 })),
  ),
  { maxLength: 8 },
);
const jsonValue = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc
    .record(
      {
        strategy: fc.constantFrom('eager', 'lazy', 'x', 1),
        priority: fc.oneof(fc.integer(), fc.double()),
        performance_threshold: fc.oneof(fc.constant(null), fc.double()),
        metadata: fc.object({ maxDepth: 2 }),
      },
      { requiredKeys: [] },
    )
    .map((v) => JSON.stringify(v)),
  fc
    .record({ reports: fc.array(fc.object({ maxDepth: 3 }), { maxLength: 3 }) })
    .map((v) => JSON.stringify(v)),
);
const body = fc.option(
  fc.record({
    type: fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/octet-stream',
      'multipart/form-data; boundary=x',
      '',
    ),
    payload: fc.oneof(jsonValue, fc.string({ maxLength: 50 }), fc.constant('x'.repeat(70_000))),
  }),
  { nil: undefined },
);
const name = fc.oneof(
  fc.constantFrom('torch', 'left-pad', '@scope/pkg'),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
);
const strategyName = fc.constantFrom('eager', 'lazy', 'preload', 'on_demand');
/** Well-formed writes among the noise, so the store really changes while the fuzz runs. */
const validWrite = fc.oneof(
  fc.record({ name, strategy: strategyName }).map(({ name: n, strategy }) => ({
    method: 'PUT',
    path: `/packages/${n}`,
    query: [] as [string, string][],
    body: { type: 'application/json', payload: JSON.stringify({ strategy }) },
    auth: AUTH,
  })),
  fc
    .record({ name, strategy: strategyName, t: fc.double({ min: 0, max: 100, noNaN: true }) })
    .map(({ name: n, strategy, t }) => ({
      method: 'POST',
      path: '/performance/record',
      query: [
        ['package_name', encodeURIComponent(n)],
        ['strategy', strategy],
        ['load_time', String(t)],
        ['memory_usage', '1000'],
        ['success', 'True'],
      ] as [string, string][],
      body: undefined,
      auth: AUTH,
    })),
  name.map((n) => ({
    method: 'DELETE',
    path: `/packages/${n}`,
    query: [] as [string, string][],
    body: undefined,
    auth: AUTH,
  })),
);
const anyRequest = fc.record({
  method: fc.constantFrom('GET', 'GET', 'PUT', 'PUT', 'POST', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
  path,
  query,
  body,
  auth: fc.constantFrom(AUTH, AUTH, AUTH, {}, { authorization: 'Bearer x' }),
});
const request = fc.oneof({ weight: 3, arbitrary: anyRequest }, { weight: 1, arbitrary: validWrite });

describe('fuzz: random requests', () => {
  let app: FastifyInstance;
  let store: string;
  beforeAll(async () => {
    ({ app, store } = await createTestApp());
  });
  afterAll(() => app.close());

  it('never answer 500, always answer in the envelope, and leave a valid store', async () => {
    // A model of what the accepted requests did: the store must agree with it at the end.
    const configured = new Map<string, string>();
    let records = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const qs = r.query.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&');
        const headers: Record<string, string> = { ...r.auth };
        if (r.body !== undefined && r.body.type !== '') headers['content-type'] = r.body.type;
        const response = await app.inject({
          method: r.method as 'GET',
          url: `${API}${r.path}${qs === '' ? '' : `?${qs}`}`,
          headers,
          ...(r.body === undefined || r.method === 'GET' || r.method === 'HEAD'
            ? {}
            : { payload: r.body.payload }),
        });
        expect(response.statusCode, `${r.method} ${r.path}?${qs} → ${response.body}`).toBeLessThan(500);
        if (response.statusCode === 200 && r.method !== 'HEAD') {
          const data = response.json().data;
          if (r.method === 'PUT' && r.path.startsWith('/packages/'))
            configured.set(data.package_name, data.strategy);
          if (r.method === 'DELETE') configured.delete(data.package_name);
          if (r.method === 'POST' && r.path === '/performance/record') records += 1;
        }
        if (r.method === 'HEAD' || response.statusCode === 204) return;
        const parsed = response.json();
        expect(['success', 'error']).toContain(parsed.status);
        if (parsed.status === 'error') {
          expect(parsed.error).toEqual({
            code: expect.stringMatching(/^LOADSTRAT_ERR_/),
            message: expect.any(String),
          });
        }
      }),
      { numRuns: 1000 },
    );
    // Everything accepted was folded in, and the file is one loadstrat reads.
    const merged = await readStore(store);
    expect(() => parseStore(readFileSync(store, 'utf8'), store)).not.toThrow();
    expect(new Map(merged.configurations.map((c) => [c.package_name, c.strategy]))).toEqual(configured);
    expect(merged.performance.reduce((n, b) => n + b.count, 0)).toBe(records);
    expect(records).toBeGreaterThan(10);
  });
});

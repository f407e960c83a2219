import { statSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getStorePaths } from '../../../src/config/store-file.js';
import { createTokenCheck, ensureApiToken } from '../../../src/server/auth.js';
import { API, createTestApp, TOKEN } from './helpers.js';

describe('the Bearer token', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    ({ app } = await createTestApp());
  });
  afterAll(() => app.close());

  const endpoints: [string, string][] = [
    ['GET', '/status'],
    ['GET', '/packages'],
    ['GET', '/packages/torch'],
    ['PUT', '/packages/torch'],
    ['DELETE', '/packages/torch'],
    ['GET', '/packages/@scope/pkg'],
    ['GET', '/global-default'],
    ['PUT', '/global-default'],
    ['GET', '/performance/comparison'],
    ['POST', '/performance/record'],
    ['GET', '/fleet/boot-view'],
    ['POST', '/fleet/reports'],
  ];
  const headers: [string, Record<string, string>][] = [
    ['no header', {}],
    ['a wrong token', { authorization: 'Bearer nope' }],
    ['a longer token', { authorization: `Bearer ${TOKEN}x` }],
    ['a prefix of it', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['Basic auth', { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }],
    ['the token without Bearer', { authorization: TOKEN }],
  ];

  it.each(endpoints)('%s %s needs it', async (method, path) => {
    for (const [why, h] of headers) {
      const response = await app.inject({
        method: method as 'GET',
        url: `${API}${path}`,
        headers: h,
        payload: method === 'GET' || method === 'DELETE' ? undefined : {},
      });
      expect(response.statusCode, why).toBe(401);
      expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(response.json()).toEqual({
        status: 'error',
        error: { code: 'LOADSTRAT_ERR_UNAUTHORIZED', message: expect.stringMatching(/^authorization: /) },
      });
    }
  });

  it('a percent-encoded spelling of an /api path still needs it', async () => {
    const response = await app.inject({ url: '/api/strategy-configuration/%73tatus' });
    expect(response.statusCode).toBe(401);
  });

  it('/health, /docs and /docs/json need none', async () => {
    expect((await app.inject({ url: '/health' })).json()).toMatchObject({
      status: 'success',
      data: { status: 'ok' },
    });
    expect((await app.inject({ url: '/docs' })).statusCode).toBeLessThan(400);
    expect((await app.inject({ url: '/docs/json' })).statusCode).toBe(200);
  });

  it('the check accepts exactly the token, any case of "Bearer"', () => {
    const check = createTokenCheck('s3cret');
    expect(check('Bearer s3cret')).toBe(true);
    expect(check('bearer s3cret')).toBe(true);
    expect(check('Bearer s3cre')).toBe(false);
    expect(check('Bearer s3cret s3cret')).toBe(false);
    expect(check('Bearer ')).toBe(false);
    expect(check(undefined)).toBe(false);
  });
});

describe('ensureApiToken', () => {
  it('takes LOADSTRAT_API_TOKEN when set, and writes nothing', async () => {
    const { store, app } = await createTestApp();
    await app.close();
    expect(ensureApiToken(store, 'from-env')).toEqual({ token: 'from-env', source: 'env', path: null });
    expect(() => statSync(getStorePaths(store).token)).toThrow();
  });

  it('otherwise generates one beside the store, owner-only, and keeps it across restarts', async () => {
    const { store, app } = await createTestApp();
    await app.close();
    const first = ensureApiToken(store, undefined);
    expect(first.source).toBe('generated');
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(first.path).toBe(getStorePaths(store).token);
    expect(statSync(first.path!).mode & 0o777).toBe(0o600);
    const second = ensureApiToken(store, undefined);
    expect(second).toEqual({ ...first, source: 'file' });
  });
});

import { createServer, type Server } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStore } from '../../../src/config/store.js';
import type { ProcessReport } from '../../../src/metrics/process-report.js';
import { createRecorder } from '../../../src/metrics/recorder.js';
import { fetchBootView, sendReports, sendReportsSync } from '../../../src/metrics/remote.js';
import { API, AUTH, createTestApp, TOKEN } from './helpers.js';
import { type RunningServer, startServer } from './serve.js';

function makeReport(name = 'heavy'): ProcessReport {
  const recorder = createRecorder();
  recorder.noteImport(name, 'lazy');
  recorder.recordLoad(name, 'lazy', 12_345, true, 2_000_000);
  recorder.observe(name, 'lazy');
  recorder.recordUse(name, 'lazy', false);
  recorder.recordShape(name, '.', {
    stamp: '1:2',
    kind: 'object',
    props: { a: 'function' },
    esModule: false,
    thenable: false,
  });
  recorder.recordEvent('LOADSTRAT_WRN_003', 'x'.repeat(20_000), name);
  recorder.setStartup(80);
  return recorder.take();
}

describe('fleet endpoints through app.inject()', () => {
  let app: FastifyInstance;
  let store: string;
  beforeAll(async () => {
    ({ app, store } = await createTestApp());
  });
  afterAll(() => app.close());

  it('POST /fleet/reports takes a batch whole, and the next read counts each process once', async () => {
    const reports = [makeReport(), makeReport(), makeReport('@scope/pkg')].map((r) => ({ ...r, events: [] }));
    const response = await app.inject({
      method: 'POST',
      url: `${API}/fleet/reports`,
      headers: AUTH,
      payload: { reports },
    });
    expect(response.json()).toEqual({
      status: 'success',
      data: { accepted: 3, message: '3 report(s) accepted' },
    });
    const data = await readStore(store);
    const heavy = data.performance.find((b) => b.package_name === 'heavy')!;
    expect(heavy).toMatchObject({ strategy: 'lazy', count: 2, processes: 2, used_processes: 2 });
    expect(data.packages.heavy?.last_strategy).toBe('lazy');
    expect(data.packages.heavy?.shapes['.']?.kind).toBe('object');
    expect(data.startup[0]?.time.n).toBe(3);
  });

  it('a batch with one bad report keeps nothing', async () => {
    const bad = { ...makeReport('good-one'), events: [] };
    const worse = {
      ...makeReport('bad-one'),
      events: [],
      packages: { 'bad-one': { ...makeReport().packages.heavy!, loads: [[-1, 1, 0]] } },
    };
    const response = await app.inject({
      method: 'POST',
      url: `${API}/fleet/reports`,
      headers: AUTH,
      payload: { reports: [bad, worse] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(
      /^reports\[1\]\.packages\.bad-one\.loads\[0\]\[0\]: must be >= 1$/,
    );
    const data = await readStore(store);
    expect(data.performance.find((b) => b.package_name === 'good-one')).toBeUndefined();
  });

  it('package names are checked (a path is not a name)', async () => {
    const report = { ...makeReport(), events: [] };
    report.packages = { '../../etc': report.packages.heavy! };
    const response = await app.inject({
      method: 'POST',
      url: `${API}/fleet/reports`,
      headers: AUTH,
      payload: { reports: [report] },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().error.message).toMatch(/^reports\[0\]\.packages: '\.\.\/\.\.\/etc'/);
  });

  it('GET /fleet/boot-view is the store’s boot view', async () => {
    await app.inject({
      method: 'PUT',
      url: `${API}/packages/heavy`,
      headers: AUTH,
      payload: { strategy: 'eager', priority: 2 },
    });
    const view = (await app.inject({ url: `${API}/fleet/boot-view`, headers: AUTH })).json().data;
    expect(view.global_default_strategy).toBe('on_demand');
    expect(view.configurations).toEqual([
      expect.objectContaining({ package_name: 'heavy', strategy: 'eager', priority: 2 }),
    ]);
    expect(view.shapes.heavy['.'].kind).toBe('object');
  });
});

describe('remote.ts against a real server', () => {
  let server: RunningServer;
  let blackHole: Server;
  let blackHolePort = 0;
  beforeAll(async () => {
    server = await startServer();
    blackHole = createServer(() => {
      // Accepts the connection and never answers.
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    blackHolePort = (blackHole.address() as { port: number }).port;
  });
  afterAll(async () => {
    blackHole.close();
    await server.stop();
  });

  const settings = () => ({ server: server.url, apiToken: TOKEN, storePath: server.store });

  it('fetchBootView reads the configuration', async () => {
    await fetch(`${server.url}${API}/packages/lodash`, {
      method: 'PUT',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ strategy: 'lazy' }),
    });
    const view = await fetchBootView(settings(), 2000);
    expect(view?.configurations).toEqual([
      expect.objectContaining({ package_name: 'lodash', strategy: 'lazy' }),
    ]);
  });

  it('fetchBootView falls back to null fast, saying why: wrong token, nothing listening, no answer, no server', async () => {
    const problems: string[] = [];
    const note = (m: string) => problems.push(m);
    expect(await fetchBootView({ ...settings(), apiToken: 'wrong' }, 2000, note)).toBeNull();
    expect(problems.pop()).toMatch(/answered 401: authorization: wrong token/);

    const refused = performance.now();
    expect(await fetchBootView({ ...settings(), server: 'http://127.0.0.1:9' }, 2000, note)).toBeNull();
    expect(performance.now() - refused).toBeLessThan(1000);
    expect(problems.pop()).toMatch(/ECONNREFUSED/);

    const silent = performance.now();
    expect(
      await fetchBootView({ ...settings(), server: `http://127.0.0.1:${blackHolePort}` }, 300, note),
    ).toBeNull();
    const waited = performance.now() - silent;
    expect(waited).toBeGreaterThanOrEqual(290);
    expect(waited).toBeLessThan(1000);
    expect(problems.pop()).toMatch(/no answer within 300 ms/);

    expect(await fetchBootView({ ...settings(), server: undefined }, 300, note)).toBeNull();
    expect(await fetchBootView({ ...settings(), server: 'ftp://x' }, 300, note)).toBeNull();
    expect(problems.pop()).toMatch(/not http/);
  });

  it('without LOADSTRAT_API_TOKEN, the token file beside the local store is used', async () => {
    const local = await startServer({ env: { LOADSTRAT_API_TOKEN: '' } });
    try {
      expect(local.output()).toMatch(/API token: in .*api-token \(generated now/);
      const view = await fetchBootView(
        { server: local.url, apiToken: undefined, storePath: local.store },
        2000,
      );
      expect(view).not.toBeNull();
    } finally {
      await local.stop();
    }
  });

  it('sendReports and sendReportsSync deliver; failures throw with the reason', async () => {
    await sendReports(settings(), [makeReport('async-sent')]);
    sendReportsSync(settings(), [makeReport('sync-sent')]);
    await expect(sendReports({ ...settings(), apiToken: 'wrong' }, [makeReport()])).rejects.toThrow(/401/);
    expect(() => sendReportsSync({ ...settings(), apiToken: 'wrong' }, [makeReport()])).toThrow(
      /401: authorization: wrong token/,
    );
    expect(() => sendReportsSync({ ...settings(), server: 'http://127.0.0.1:9' }, [makeReport()])).toThrow(
      /ECONNREFUSED/,
    );
    const started = performance.now();
    expect(() =>
      sendReportsSync({ ...settings(), server: `http://127.0.0.1:${blackHolePort}` }, [makeReport()], 300),
    ).toThrow(/no answer/);
    expect(performance.now() - started).toBeLessThan(1500);

    const comparison = await fetch(`${server.url}${API}/status`, { headers: AUTH });
    expect((await comparison.json()).data.configuration_summary.performance_records).toBe(2);
  });
});

import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, ROOT, readReport, runCli, runNode } from '../helpers/run.js';
import {
  API,
  AUTH,
  diffShape,
  encodePythonParams,
  PYTHON_HEADERS,
  type PythonCall,
  SEED_CALLS,
  SEED_RESPONSES,
} from '../unit/server/helpers.js';
import { type RunningServer, startServer } from '../unit/server/serve.js';

/** A seed call on a real socket, with the headers and bytes Python's `requests` sends. */
function sendLikePython(
  base: string,
  call: PythonCall,
): Promise<{ status: number; type: string; body: any }> {
  const url = new URL(
    `${base}${API}${call.path}${call.params === undefined ? '' : `?${encodePythonParams(call.params)}`}`,
  );
  const headers: Record<string, string> = { ...PYTHON_HEADERS, ...AUTH };
  if (call.json !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(call.json));
  } else if (call.method !== 'GET') headers['content-length'] = '0';
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: call.method, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (text += c));
      res.on('end', () =>
        resolve({
          status: res.statusCode!,
          type: String(res.headers['content-type']),
          body: JSON.parse(text),
        }),
      );
    });
    req.on('error', reject);
    req.end(call.json);
  });
}

function hasPythonRequests(): boolean {
  return spawnSync('python3', ['-c', 'import requests'], { stdio: 'ignore' }).status === 0;
}

describe('loadstrat serve over a real socket', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('prints where it listens, the docs and where the token is, and binds 127.0.0.1', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.output()).toContain(`API docs: ${server.url}/docs`);
    expect(server.output()).toContain('API token: from LOADSTRAT_API_TOKEN');
  });

  it('answers every seed example with the seed’s shape', async () => {
    const order = ['put', 'record', 'status', 'list', 'get', 'comparison', 'delete'] as const;
    for (const name of order) {
      const { status, type, body } = await sendLikePython(server.url, SEED_CALLS[name]);
      expect(status, name).toBe(200);
      expect(type).toMatch(/^application\/json/);
      expect(diffShape(body, SEED_RESPONSES[name]), name).toEqual([]);
    }
  });

  it.runIf(hasPythonRequests())('answers the seed’s own Python snippets (python3 + requests)', async () => {
    // The seed's snippets, verbatim but for the address and token, plus the endpoints it shows without one.
    const script = `
import json, requests
base = "${server.url}"
headers = {"Authorization": "Bearer your-token"}
out = {}
out["put"] = requests.put(base + "/api/strategy-configuration/packages/torch", json={"strategy": "eager", "configuration_type": "package_specific", "priority": 1, "performance_threshold": 2.0, "fallback_strategy": "lazy"}, headers=headers).json()
out["record"] = requests.post(base + "/api/strategy-configuration/performance/record", params={"package_name": "torch", "strategy": "eager", "load_time": 1.5, "memory_usage": 50000000, "success": True, "user_satisfaction": 0.8, "system_impact": 0.3}, headers=headers).json()
out["status"] = requests.get(base + "/api/strategy-configuration/status", headers=headers).json()
out["list"] = requests.get(base + "/api/strategy-configuration/packages", headers=headers).json()
out["get"] = requests.get(base + "/api/strategy-configuration/packages/torch", headers=headers).json()
out["comparison"] = requests.get(base + "/api/strategy-configuration/performance/comparison", params={"package_name": "torch", "time_window_hours": 24}, headers=headers).json()
out["delete"] = requests.delete(base + "/api/strategy-configuration/packages/torch", headers=headers).json()
print(json.dumps(out))
`;
    const out = JSON.parse(execFileSync('python3', ['-c', script], { encoding: 'utf8' }));
    for (const name of Object.keys(out) as (keyof typeof SEED_RESPONSES)[]) {
      expect(diffShape(out[name], SEED_RESPONSES[name]), name).toEqual([]);
    }
    expect(out.put).toEqual(SEED_RESPONSES.put);
    expect(out.record).toEqual(SEED_RESPONSES.record);
    expect(out.comparison.data.performance_comparison[0]).toMatchObject({
      strategy: 'eager',
      avg_memory_usage: 47.68,
      avg_user_satisfaction: 80,
      avg_system_impact: 30,
    });
  });

  it('answers 401 without the token and serves /health and /docs without it', async () => {
    expect((await fetch(`${server.url}${API}/status`)).status).toBe(401);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
    expect((await fetch(`${server.url}/docs/json`)).status).toBe(200);
  });
});

describe('sharing the store', () => {
  it('the server, preloaded processes and CLI writers at once lose no write', async () => {
    const server = await startServer();
    try {
      const processes = 6;
      const records = 300;
      const app = fixture('basic');
      const env = { LOADSTRAT_CONFIG: server.store };
      const put = (i: number) =>
        fetch(`${server.url}${API}/packages/pkg-${i}`, {
          method: 'PUT',
          headers: { ...AUTH, 'content-type': 'application/json' },
          body: JSON.stringify({ strategy: 'lazy', priority: i + 1 }),
        });
      const record = (i: number) =>
        fetch(
          `${server.url}${API}/performance/record?package_name=rec&strategy=eager&load_time=${(i % 10) / 10}&memory_usage=1000&success=true`,
          {
            method: 'POST',
            headers: AUTH,
          },
        );
      const results = await Promise.all([
        ...Array.from({ length: processes }, () => runNode('app.cjs', [], { cwd: app, env })),
        ...Array.from({ length: 4 }, (_, i) => runCli(['set', `cli-${i}`, 'eager'], server.store)),
        ...Array.from({ length: 20 }, (_, i) => put(i)),
        ...Array.from({ length: records }, (_, i) => record(i)),
      ]);
      for (const r of results) {
        if (r instanceof Response) expect(r.status).toBe(200);
        else expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
      }
      const status = await (await fetch(`${server.url}${API}/status`, { headers: AUTH })).json();
      expect(status.data.configuration_summary.total_configurations).toBe(24);
      const report = await readReport(server.store);
      expect(report.packages.find((p: any) => p.package_name === 'heavy')).toMatchObject({
        processes,
        total_attempts: processes,
      });
      expect(report.packages.find((p: any) => p.package_name === 'rec')).toMatchObject({
        total_attempts: records,
      });
    } finally {
      await server.stop();
    }
  });

  it('records acknowledged just before SIGTERM are in the store afterwards', async () => {
    const server = await startServer();
    const n = 200;
    await Promise.all(
      Array.from({ length: n }, () =>
        fetch(
          `${server.url}${API}/performance/record?package_name=last&strategy=lazy&load_time=0.1&memory_usage=0&success=true`,
          { method: 'POST', headers: AUTH },
        ),
      ),
    );
    expect(await server.stop()).toBe(0);
    const report = await readReport(server.store);
    expect(report.packages.find((p: any) => p.package_name === 'last')?.total_attempts).toBe(n);
  });

  it('a corrupt store stops serve with the file’s path', async () => {
    const server = await startServer();
    await server.stop();
    writeFileSync(server.store, '{ not json');
    const result = await runCli(['serve', '--port', '0'], server.store);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(server.store);
  });
});

describe('the fleet: installRemoteFlush in a preloaded-like process', () => {
  let server: RunningServer;
  let script: string;
  beforeAll(async () => {
    server = await startServer();
    script = join(server.dir, 'fleet-app.mjs');
    writeFileSync(
      script,
      `import { installRemoteFlush } from ${JSON.stringify(join(ROOT, 'dist/metrics/remote.js'))};
import { createRecorder } from ${JSON.stringify(join(ROOT, 'dist/metrics/recorder.js'))};
const [mode, name] = process.argv.slice(2);
const recorder = createRecorder();
if (mode !== 'none') installRemoteFlush({ server: process.env.LOADSTRAT_SERVER, apiToken: process.env.LOADSTRAT_API_TOKEN, storePath: '/nonexistent/s.json' }, recorder);
recorder.noteImport(name, 'lazy');
recorder.recordLoad(name, 'lazy', 2000, true, 1000);
const t0 = performance.now();
process.on('exit', () => process.stderr.write('EXIT_MS ' + (performance.now() - t0).toFixed(1) + '\\n'));
if (mode === 'exit') process.exit(0);
if (mode === 'signal') { setInterval(() => {}, 1000); setTimeout(() => process.kill(process.pid, 'SIGTERM'), 10); }
`,
    );
  });
  afterAll(() => server.stop());

  const run = (mode: string, name: string, env: Record<string, string> = {}) =>
    runNode(script, [mode, name], {
      preload: false,
      env: { LOADSTRAT_SERVER: server.url, LOADSTRAT_API_TOKEN: 'your-token', ...env },
    });
  const attempts = async (name: string) => {
    const r = await fetch(`${server.url}${API}/performance/comparison?package_name=${name}`, {
      headers: AUTH,
    });
    return (await r.json()).data.performance_comparison[0]?.total_attempts ?? 0;
  };

  it('sends at the natural end, at process.exit() and at SIGTERM (which still kills it)', async () => {
    const natural = await run('natural', 'fleet-natural');
    expect(natural).toMatchObject({ code: 0 });
    const exit = await run('exit', 'fleet-exit');
    expect(exit).toMatchObject({ code: 0 });
    const signal = await run('signal', 'fleet-signal');
    expect(signal).toMatchObject({ code: null, signal: 'SIGTERM' });
    for (const r of [natural, exit, signal]) expect(r.stderr.replace(/EXIT_MS .*\n/, '')).toBe('');
    expect(await attempts('fleet-natural')).toBe(1);
    expect(await attempts('fleet-exit')).toBe(1);
    expect(await attempts('fleet-signal')).toBe(1);
  });

  it('a failed flush keeps nothing and says so once on stderr', async () => {
    const refused = await run('exit', 'fleet-refused', { LOADSTRAT_SERVER: 'http://127.0.0.1:9' });
    expect(refused.code).toBe(0);
    const lines = refused.stderr.split('\n').filter((l) => l.includes('loadstrat'));
    expect(lines).toEqual([
      expect.stringMatching(
        /\[LOADSTRAT_WRN_004\] Warning: loadstrat: could not send measurements to http:\/\/127\.0\.0\.1:9: .*ECONNREFUSED.*dropped/,
      ),
    ]);
    const wrongToken = await run('natural', 'fleet-unauthorized', { LOADSTRAT_API_TOKEN: 'wrong' });
    expect(wrongToken.stderr).toMatch(/answered 401/);
    expect(await attempts('fleet-unauthorized')).toBe(0);
  });

  it('measures what a flush costs at exit', async () => {
    const median = async (mode: string) => {
      const times: number[] = [];
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        await run(mode, `cost-${mode}`);
        times.push(performance.now() - started);
      }
      return times.sort((a, b) => a - b)[2]!;
    };
    const none = await median('none');
    const natural = await median('natural');
    const exit = await median('exit');
    console.log(
      `fleet flush, median wall time of a process: none ${none.toFixed(0)} ms, natural end ${natural.toFixed(0)} ms, process.exit ${exit.toFixed(0)} ms`,
    );
    // Tripwires for a flush that waits out its deadline, loose enough for a loaded machine; the numbers are printed.
    expect(natural - none).toBeLessThan(300);
    expect(exit - none).toBeLessThan(800);
  });
});

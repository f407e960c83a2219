import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempStore, fixture, readReport, runCli, runNode } from '../helpers/run.js';
import { type RunningServer, startServer } from '../unit/server/serve.js';

const basic = fixture('basic');

describe('a fleet: preloaded processes configured by and reporting to a loadstrat server', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
    expect((await runCli(['set', 'alpha', 'eager', '--priority', '1'], server.store)).code).toBe(0);
  });
  afterAll(() => server.stop());

  it('reads its configuration from the server and sends its measurements there, writing no local file', async () => {
    const local = createTempStore();
    const env = {
      LOADSTRAT_SERVER: server.url,
      LOADSTRAT_API_TOKEN: 'your-token',
      LOADSTRAT_CONFIG: local.store,
    };
    const result = await runNode('order.cjs', [], { cwd: basic, env });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    // alpha is eager in the server's store only: it loaded before the entry ran.
    expect(result.stdout.split('\n')[0]).toBe('before ["alpha"]');
    expect(existsSync(`${local.store}.d`)).toBe(false);
    const report = await readReport(server.store);
    const alpha = report.packages.find((p: any) => p.package_name === 'alpha');
    expect(alpha).toMatchObject({ total_attempts: 1, processes: 1 });
    expect(alpha.by_strategy).toMatchObject([{ strategy: 'eager' }]);
  });

  it('accepts what an ES module learning run sends (shapes with a format, unmeasured nested memory)', async () => {
    const local = createTempStore();
    const env = {
      LOADSTRAT_SERVER: server.url,
      LOADSTRAT_API_TOKEN: 'your-token',
      LOADSTRAT_CONFIG: local.store,
      LOADSTRAT_DEFAULT_STRATEGY: 'lazy',
    };
    const result = await runNode('app.mjs', [], { cwd: fixture('esm-fidelity'), env });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const report = await readReport(server.store);
    expect(report.packages.find((p: any) => p.package_name === 'cjs-babel')).toMatchObject({
      total_attempts: 1,
    });
    // The next run defers with the server's shapes, lexing its importers without keeping them locally.
    const deferred = await runNode('app.mjs', [], {
      cwd: fixture('esm-fidelity'),
      env: { ...env, NODE_DEBUG: 'loadstrat' },
    });
    expect(deferred.code).toBe(0);
    // Lines starting with `~ ` say when a package was evaluated: the only ones allowed to differ.
    const stable = (out: string) => out.split('\n').filter((line) => !line.startsWith('~ '));
    expect(stable(deferred.stdout)).toEqual(stable(result.stdout));
    expect(deferred.stderr).toContain('esm-zoo: lazy → facade for');
    expect(existsSync(`${local.store}.d`)).toBe(false);
  });

  it('an unreachable server costs a short wait and one warning; the app runs on the local store', async () => {
    const local = createTempStore();
    await runCli(['set', 'beta', 'eager'], local.store);
    const env = {
      LOADSTRAT_SERVER: 'http://127.0.0.1:9',
      LOADSTRAT_API_TOKEN: 'your-token',
      LOADSTRAT_CONFIG: local.store,
    };
    const result = await runNode('order.cjs', [], { cwd: basic, env });
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('before ["beta"]');
    const warnings = result.stderr.split('\n').filter((l) => l.includes('LOADSTRAT_WRN'));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toContain('LOADSTRAT_WRN_005');
    expect(warnings[0]).toContain('using the local store');
  });
});

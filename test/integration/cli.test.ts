import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createTempStore, fixture, readReport, runCli } from '../helpers/run.js';

describe('the loadstrat CLI', () => {
  it('set, unset and default change the store; report shows them', async () => {
    const { store } = createTempStore();
    const set = await runCli(
      ['set', 'torch', 'eager', '--priority', '2', '--threshold', '2.0', '--fallback', 'lazy'],
      store,
    );
    expect(set).toMatchObject({
      code: 0,
      stdout: 'Strategy for torch set to eager (priority 2)\n',
      stderr: '',
    });
    expect((await runCli(['default', 'lazy'], store)).stdout).toBe('Global default strategy set to lazy\n');
    const report = await readReport(store);
    expect(report.global_default_strategy).toBe('lazy');
    expect(report.packages).toMatchObject([
      { package_name: 'torch', strategy: 'eager', configuration_type: 'package_specific', total_attempts: 0 },
    ]);
    const table = await runCli(['report'], store);
    expect(table.stdout).toContain('global default: lazy');
    expect(table.stdout).toMatch(/^torch\s+eager\s+0\s+—/m);
    expect((await runCli(['unset', 'torch'], store)).stdout).toBe(
      'Strategy configuration for torch removed\n',
    );
    expect((await readReport(store)).packages).toEqual([]);
  });

  it('exits 1 with one line on an error, 2 on a usage error', async () => {
    const { store } = createTempStore();
    const unknownStrategy = await runCli(['set', 'torch', 'sometimes'], store);
    expect(unknownStrategy).toMatchObject({
      code: 1,
      stdout: '',
      stderr: 'loadstrat: strategy: "sometimes" is not one of eager, lazy, preload, on_demand\n',
    });
    expect(await runCli(['unset', 'torch'], store)).toMatchObject({
      code: 1,
      stderr: "loadstrat: no configuration for package 'torch'\n",
    });
    const usage = await runCli(['frobnicate'], store);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toBe("loadstrat: unknown command 'frobnicate'\nRun loadstrat --help for usage.\n");
    expect((await runCli(['set', 'torch'], store)).code).toBe(2);
    expect((await runCli(['set', 'torch', 'lazy', '--priority', 'high'], store)).code).toBe(2);
    expect((await runCli(['report', '--bogus'], store)).code).toBe(2);
    writeFileSync(store, 'not json');
    const corrupt = await runCli(['report'], store);
    expect(corrupt.code).toBe(1);
    expect(corrupt.stderr).toContain(`${store} is not valid JSON`);
  });

  it('run -- <command> runs any command with the preloader and passes its exit code through', async () => {
    const { store } = createTempStore();
    const ran = await runCli(['run', '--', process.execPath, fixture('basic/order.cjs')], store, {});
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('names alpha beta gamma');
    expect((await readReport(store)).packages.map((p: any) => p.package_name)).toEqual([
      'alpha',
      'beta',
      'gamma',
    ]);
    const failing = await runCli(['run', '--', process.execPath, '-e', 'process.exit(3)'], store);
    expect(failing.code).toBe(3);
    const missing = await runCli(['run', '--', 'no-such-command-here'], store);
    expect(missing).toMatchObject({ code: 1 });
    expect(missing.stderr).toContain("cannot run 'no-such-command-here'");
  });
});

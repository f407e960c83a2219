import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTempStore, findNode, fixture, REGISTER, readReport, runCli, runNode } from '../helpers/run.js';

// eager, preload, on_demand measurement and other loaders, for `import`: on this machine's Node and on
// the Node 22/24 that .ci/run installs.
const cwd = fixture('esm-basic');
const row = (report: any, name: string) => report.packages.find((p: any) => p.package_name === name);
const NODES = [20, 22, 24].map((major) => ({ major, node: findNode(major) }));

describe.each(NODES)('the preloader for import on node $major', ({ major, node }) => {
  const skip = node === undefined;
  const run = (script: string, env: Record<string, string>, nodeArgs: string[] = []) =>
    runNode(script, [], { cwd, node, env, nodeArgs });

  it.skipIf(skip)('eager ES modules are imported at boot in priority order, before the entry', async () => {
    const { store } = createTempStore();
    expect((await runCli(['set', 'esm-gamma', 'eager', '--priority', '1'], store)).code).toBe(0);
    expect((await runCli(['set', 'esm-alpha', 'eager', '--priority', '2'], store)).code).toBe(0);
    const result = await run('order.mjs', { LOADSTRAT_CONFIG: store });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      'before ["esm-gamma","esm-alpha"]\nnames esm-alpha esm-beta esm-gamma\nafter ["esm-gamma","esm-alpha","esm-beta"]\n',
    );
    const report = await readReport(store);
    expect(row(report, 'esm-gamma').by_strategy).toMatchObject([{ strategy: 'eager', total_attempts: 1 }]);
  });

  it.skipIf(skip)(
    'preload imports a deferred ES module when the app is idle, and never keeps it alive',
    async () => {
      const { store } = createTempStore();
      const env = { LOADSTRAT_CONFIG: store, LOADSTRAT_STRATEGIES: 'esm-heavy=preload' };
      const learning = await run('idle.mjs', env);
      expect(learning.stdout).toBe('at boot true\nafter idle true\nhello idle\n');
      expect((await runCli(['merge'], store)).code).toBe(0);
      const result = await run('idle.mjs', env);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('at boot false\nafter idle true\nhello idle\n');
      const report = await readReport(store);
      expect(row(report, 'esm-heavy').total_attempts).toBe(2);
      expect(row(report, 'esm-heavy').avg_load_time).toBeGreaterThan(0.03);
    },
  );

  it.skipIf(skip)(
    'an edited importing module is read again: taking a primitive export then imports natively',
    async () => {
      const { store } = createTempStore();
      const env = {
        LOADSTRAT_CONFIG: store,
        LOADSTRAT_STRATEGIES: 'esm-versioned=lazy',
        NODE_DEBUG: 'loadstrat',
      };
      const app = `edited-${process.pid}-${major}.mjs`;
      const write = (imports: string, use: string) =>
        writeFileSync(join(cwd, app), `import { ${imports} } from 'esm-versioned';\nconsole.log(${use});\n`);
      try {
        write('greet', "greet('a')");
        expect((await run(app, env)).stdout).toBe('hello a\n');
        expect((await runCli(['merge'], store)).code).toBe(0);
        const deferred = await run(app, env);
        expect(deferred.stdout).toBe('hello a\n');
        expect(deferred.stderr).toContain('esm-versioned: lazy → facade for index.js');
        write('greet, VERSION', "greet('b'), VERSION");
        const edited = await run(app, env);
        expect(edited).toMatchObject({ code: 0, stdout: 'hello b 2.1.0\n' });
        expect(edited.stderr).toContain(
          'esm-versioned: lazy → imported natively: imports a primitive export (VERSION)',
        );
      } finally {
        rmSync(join(cwd, app), { force: true });
      }
    },
  );

  it.skipIf(skip)(
    'an on_demand import by the app itself is measured (evaluation time) wherever the hooks run',
    async () => {
      const { store } = createTempStore();
      const env = { LOADSTRAT_CONFIG: store, LOADSTRAT_STRATEGIES: 'esm-alpha=lazy' };
      for (let i = 0; i < 2; i++) {
        expect(await run('measure.mjs', env)).toMatchObject({
          code: 0,
          stdout: 'hello esm-alpha\n',
          stderr: '',
        });
        expect((await runCli(['merge'], store)).code).toBe(0);
      }
      const heavy = row(await readReport(store), 'esm-heavy');
      expect(heavy.by_strategy).toMatchObject([{ strategy: 'on_demand', total_attempts: 2, processes: 2 }]);
      // esm-heavy busy-waits 40 ms while it evaluates.
      expect(heavy.p50_load_time).toBeGreaterThan(0.035);
    },
  );

  it.skipIf(skip)(
    'a package that imports the app back (a cycle through the entry) is imported natively, and the app runs as plain',
    async () => {
      const { store } = createTempStore();
      const env = {
        LOADSTRAT_CONFIG: store,
        LOADSTRAT_STRATEGIES: 'esm-plugin=lazy',
        NODE_DEBUG: 'loadstrat',
      };
      const plain = await runNode('plugin-host.mjs', [], { cwd, node, preload: false });
      expect(plain.stdout).toBe('attached 1 2 first,second\n');
      expect((await run('plugin-host.mjs', env)).stdout).toBe(plain.stdout);
      expect((await runCli(['merge'], store)).code).toBe(0);
      const deferred = await run('plugin-host.mjs', env);
      expect(deferred.code, deferred.stderr).toBe(0);
      expect(deferred.stdout).toBe(plain.stdout);
      expect(deferred.stderr).toContain(
        'esm-plugin: lazy → imported natively: part of an import cycle through a module still evaluating (the app imported back)',
      );
    },
  );

  it.skipIf(skip || major < 22)(
    'measures the evaluation time of managed ES module imports; with nothing configured installs no hooks (registerHooks, node ≥ 22.15)',
    async () => {
      const { store } = createTempStore();
      const plain = await runNode('measure.mjs', [], { cwd, node, preload: false });
      // A learning run (lazy, exports not known yet) imports natively between two timing marks.
      const result = await run('measure.mjs', {
        LOADSTRAT_CONFIG: store,
        LOADSTRAT_DEFAULT_STRATEGY: 'lazy',
      });
      expect(result).toEqual({ ...plain, stderr: '' });
      const report = await readReport(store);
      // esm-heavy busy-waits 40 ms while it evaluates: fetching its source alone takes far less.
      expect(row(report, 'esm-heavy')).toMatchObject({ strategy: 'on_demand', total_attempts: 1 });
      expect(row(report, 'esm-heavy').by_strategy).toMatchObject([{ strategy: 'lazy', total_attempts: 1 }]);
      expect(row(report, 'esm-heavy').avg_load_time).toBeGreaterThan(0.035);
      expect(row(report, 'esm-alpha').total_attempts).toBe(1);

      // Everything on_demand: `import` is left to Node, at no per-module cost.
      const bare = await run('measure.mjs', {
        LOADSTRAT_CONFIG: createTempStore().store,
        NODE_DEBUG: 'loadstrat',
      });
      expect(bare.stdout).toBe(plain.stdout);
      expect(bare.stderr).toContain('ES module hooks: none');
    },
  );

  it.skipIf(skip || major < 22)(
    'coexists with a loader registered before or after it, which sees every import (registerHooks, node ≥ 22.15)',
    async () => {
      const { store } = createTempStore();
      const env = { LOADSTRAT_CONFIG: store, LOADSTRAT_DEFAULT_STRATEGY: 'lazy' };
      await run('coexist.mjs', env);
      expect((await runCli(['merge'], store)).code).toBe(0);
      for (const order of [
        ['--import', './other-hook.mjs', '--import', REGISTER],
        ['--import', REGISTER, '--import', './other-hook.mjs'],
      ]) {
        const result = await runNode('coexist.mjs', [], { cwd, node, preload: false, env, nodeArgs: order });
        expect(result.stderr).toBe('');
        expect(result.stdout.split('\n')[0]).toBe('hello esm-alpha');
        expect(result.stdout).toContain('esm-alpha/index.js');
        expect(result.stdout).toContain('esm-heavy/index.js');
      }
    },
  );
});

import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CLI, createTempStore, fixture, readReport, readStoreFile, runCli, runNode } from '../helpers/run.js';

const basic = fixture('basic');

function row(report: any, name: string) {
  return report.packages.find((p: any) => p.package_name === name);
}

/** stderr without NODE_DEBUG lines: what a user would see. */
function warnings(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !l.startsWith('LOADSTRAT '));
}

describe('the preloader for require()', () => {
  it('on_demand (the default) changes nothing and measures every package load', async () => {
    const { store } = createTempStore();
    const plain = await runNode('app.cjs', [], { cwd: basic, preload: false });
    const under = await runNode('app.cjs', [], { cwd: basic, env: { LOADSTRAT_CONFIG: store } });
    expect(under).toEqual({ ...plain, stderr: '' });
    const report = await readReport(store);
    expect(row(report, 'heavy')).toMatchObject({
      strategy: 'on_demand',
      total_attempts: 1,
      success_rate: 100,
      processes: 1,
    });
    expect(row(report, 'heavy').avg_load_time).toBeGreaterThan(0.025);
    expect(row(report, 'cls')).toMatchObject({ total_attempts: 1, processes: 1 });
    expect(report.startup.processes).toBe(1);
  });

  it('lazy defers evaluation to first use once the exports are known, and never evaluates unused packages', async () => {
    const { store } = createTempStore();
    const env = { LOADSTRAT_CONFIG: store, LOADSTRAT_DEFAULT_STRATEGY: 'lazy', NODE_DEBUG: 'loadstrat' };
    const plain = await runNode('unused.cjs', [], { cwd: basic, preload: false });
    expect(plain.stdout).toBe('hi u 1\n');

    const learning = await runNode('unused.cjs', [], { cwd: basic, env });
    expect(learning.stdout).toBe(plain.stdout);
    expect(learning.stderr).toContain(
      'heavy: lazy → loaded natively: exports not known yet (learned on this run)',
    );
    expect((await runCli(['merge'], store)).code).toBe(0);

    const deferred = await runNode('unused.cjs', [], { cwd: basic, env });
    expect(deferred.code).toBe(0);
    expect(deferred.stdout).toBe('hi u 0\n');
    expect(warnings(deferred.stderr)).toEqual([]);
    expect(deferred.stderr).toContain('heavy: lazy (default) → stand-in for index.js');

    const report = await readReport(store);
    expect(row(report, 'heavy')).toMatchObject({
      total_attempts: 1,
      processes: 2,
      observed_processes: 1,
      used_processes: 0,
    });
    expect(row(report, 'cls')).toMatchObject({
      total_attempts: 2,
      processes: 2,
      observed_processes: 1,
      used_processes: 1,
    });
    expect(row(report, 'heavy').native_reasons).toEqual({ 'exports not known yet (learned on this run)': 1 });
  });

  it('a run that learned shapes merges them in the background, so the next run defers without a manual merge', async () => {
    const { store } = createTempStore();
    const env = { LOADSTRAT_CONFIG: store, LOADSTRAT_STRATEGIES: 'heavy=lazy,cls=lazy' };
    expect((await runNode('unused.cjs', [], { cwd: basic, env })).stdout).toBe('hi u 1\n');
    // The shapes live beside the boot view, one file per package named by its content, read only when needed.
    const bootView = `${store}.d/boot.json`;
    for (let i = 0; i < 100 && !existsSync(bootView); i++) await new Promise((r) => setTimeout(r, 100));
    const view = JSON.parse(readFileSync(bootView, 'utf8'));
    expect(view).toMatchObject({ shapes: {}, learned: { heavy: ['heavy/index.js'] } });
    const heavyFile = `${store}.d/shapes/heavy.${view.shape_files.heavy}.json`;
    expect(Object.keys(JSON.parse(readFileSync(heavyFile, 'utf8')))).toEqual(view.learned.heavy);
    const deferred = await runNode('unused.cjs', [], { cwd: basic, env });
    expect(deferred).toMatchObject({ code: 0, stdout: 'hi u 0\n', stderr: '' });
  });

  it('a run that does not defer a package does not learn it again, so it writes a small report', async () => {
    const { store } = createTempStore();
    await runNode('unused.cjs', [], {
      cwd: basic,
      env: { LOADSTRAT_CONFIG: store, LOADSTRAT_DEFAULT_STRATEGY: 'lazy' },
    });
    await runCli(['merge'], store);
    await runNode('unused.cjs', [], { cwd: basic, env: { LOADSTRAT_CONFIG: store } });
    const spool = `${store}.d/spool`;
    const [file] = readdirSync(spool).filter((f) => f.endsWith('.json'));
    const report = JSON.parse(readFileSync(`${spool}/${file}`, 'utf8'));
    expect(Object.keys(report.packages).sort()).toEqual(['cls', 'heavy']);
    expect(report.shapes).toEqual({});
  });

  it('eager packages load at boot in priority order, before the entry runs', async () => {
    const { store } = createTempStore();
    for (const [name, priority] of [
      ['gamma', '1'],
      ['alpha', '2'],
    ]) {
      expect((await runCli(['set', name, 'eager', '--priority', priority], store)).code).toBe(0);
    }
    const result = await runNode('order.cjs', [], { cwd: basic, env: { LOADSTRAT_CONFIG: store } });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(
      'before ["gamma","alpha"]\nafter require ["gamma","alpha","beta"]\nnames alpha beta gamma\nafter use ["gamma","alpha","beta"]\n',
    );
    const report = await readReport(store);
    expect(row(report, 'gamma').by_strategy).toMatchObject([{ strategy: 'eager', total_attempts: 1 }]);
    expect(row(report, 'beta').by_strategy).toMatchObject([{ strategy: 'on_demand', total_attempts: 1 }]);
  });

  it('preload evaluates a deferred package when the app is idle, and never keeps the process alive', async () => {
    const { store } = createTempStore();
    const env = { LOADSTRAT_CONFIG: store, LOADSTRAT_STRATEGIES: 'heavy=preload' };
    await runNode('idle.cjs', [], { cwd: basic, env });
    await runCli(['merge'], store);
    const result = await runNode('idle.cjs', [], { cwd: basic, env });
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('at boot 0\nafter idle 1\nhello idle\n');

    // Nothing else to do: the queued preload must not hold the process open.
    const started = Date.now();
    const quick = await runNode('unused.cjs', [], { cwd: basic, env });
    expect(quick.stdout).toBe('hi u 0\n');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('a package that throws while loading throws the same error at the same place', async () => {
    const { store } = createTempStore();
    const plain = await runNode('throws.cjs', [], { cwd: basic, preload: false });
    expect(plain.stdout).toBe('caught TypeError BROKEN_INIT broken package failed to initialise\n');
    for (const strategy of ['on_demand', 'lazy', 'eager']) {
      const env = { LOADSTRAT_CONFIG: store, LOADSTRAT_STRATEGIES: `broken=${strategy}` };
      const result = await runNode('throws.cjs', [], { cwd: basic, env });
      expect(result).toEqual({ ...plain, stderr: '' });
    }
    const report = await readReport(store);
    expect(row(report, 'broken').success_rate).toBe(0);
  });

  it('warns once per bad variable, names it, ignores it and runs the app', async () => {
    const { store } = createTempStore();
    const env = {
      LOADSTRAT_CONFIG: store,
      LOADSTRAT_STRATEGIES: 'heavy=sometimes',
      LOADSTRAT_DEFAULT_STRATEGY: 'fast',
    };
    const result = await runNode('app.cjs', [], { cwd: basic, env });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('loads before use 1\nhello x 1.0.0\nhi a true function\n');
    const lines = warnings(result.stderr).filter((l) => l.includes('LOADSTRAT_WRN'));
    expect(lines).toEqual([
      expect.stringContaining(
        `LOADSTRAT_STRATEGIES="heavy=sometimes" ignored: 'sometimes' is not a strategy (eager, lazy, preload, on_demand)`,
      ),
      expect.stringContaining('LOADSTRAT_DEFAULT_STRATEGY="fast" ignored: not a strategy'),
    ]);
  });

  it('LOADSTRAT_DISABLE=1 installs nothing and writes nothing', async () => {
    const { store } = createTempStore();
    const result = await runNode('app.cjs', [], {
      cwd: basic,
      env: { LOADSTRAT_CONFIG: store, LOADSTRAT_DISABLE: '1' },
    });
    expect(result.stderr).toBe('');
    const report = await readReport(store);
    expect(report.packages).toEqual([]);
  });

  for (const [what, content] of [
    ['corrupt', '{"configurations": [oops'],
    ['unknown-version', '{"version": 99, "configurations": []}'],
  ] as const) {
    it(`a ${what} store is never overwritten: the app runs as plain Node with one warning naming the file`, async () => {
      const { store } = createTempStore();
      writeFileSync(store, content);
      const result = await runNode('app.cjs', [], { cwd: basic, env: { LOADSTRAT_CONFIG: store } });
      expect(result.code).toBe(0);
      expect(result.stdout).toBe('loads before use 1\nhello x 1.0.0\nhi a true function\n');
      const lines = warnings(result.stderr);
      expect(lines.filter((l) => l.includes('LOADSTRAT_WRN_002'))).toHaveLength(1);
      expect(result.stderr).toContain(store);
      expect(readFileSync(store, 'utf8')).toBe(content);

      const cli = await runCli(['report'], store);
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain(store);
      expect(readFileSync(store, 'utf8')).toBe(content);
    });
  }

  it('20 processes at once against one store lose nothing', async () => {
    const { store } = createTempStore();
    await runCli(['set', 'alpha', 'eager'], store);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        runNode('order.cjs', [], { cwd: basic, env: { LOADSTRAT_CONFIG: store } }),
      ),
    );
    for (const r of results) expect(r).toMatchObject({ code: 0, stderr: '' });
    // Readers merging concurrently must not double-count or drop a spool file.
    const reports = await Promise.all([readReport(store), readReport(store), readReport(store)]);
    const final = await readReport(store);
    for (const name of ['alpha', 'beta', 'gamma']) {
      expect(row(final, name)).toMatchObject({ total_attempts: 20, processes: 20 });
    }
    expect(final.startup.processes).toBe(20);
    expect(reports).toHaveLength(3);
  });

  it('a merger killed with SIGKILL mid-write leaves a valid store and nothing counted twice', async () => {
    const { store } = createTempStore();
    for (let round = 0; round < 6; round++) {
      await Promise.all(
        Array.from({ length: 4 }, () =>
          runNode('order.cjs', [], { cwd: basic, env: { LOADSTRAT_CONFIG: store } }),
        ),
      );
      // Kill a merge at a different moment each round: before, during or after its write.
      const merge = spawn(process.execPath, [CLI, 'merge'], {
        env: { ...process.env, LOADSTRAT_CONFIG: store },
      });
      // Listened for at once: a merge that finishes before the kill has closed by then, and a listener
      // added after its 'close' would wait forever (what once made this test time out).
      const closed = new Promise((r) => merge.on('close', r));
      await new Promise((r) => setTimeout(r, 40 + round * 35));
      merge.kill('SIGKILL');
      await closed;
      const file = readStoreFile(store);
      if (file !== null) expect(file.version).toBe(1);
    }
    const final = await readReport(store);
    expect(row(final, 'alpha')).toMatchObject({ total_attempts: 24, processes: 24 });
  });

  it('worker threads run the preload again without breaking or counting the process twice', async () => {
    const { store } = createTempStore();
    const plain = await runNode('worker.cjs', [], { cwd: basic, preload: false });
    const under = await runNode('worker.cjs', [], { cwd: basic, env: { LOADSTRAT_CONFIG: store } });
    expect(under).toEqual({ ...plain, stderr: '' });
    expect(plain.stdout).toBe('hello worker\nworker exit 0 hi main\n');
    const report = await readReport(store);
    expect(row(report, 'cls')).toMatchObject({ total_attempts: 1, processes: 1 });
    // The worker's own load is measured; its process was already counted by the main thread.
    expect(row(report, 'heavy')).toMatchObject({ total_attempts: 1, processes: 0 });
    expect(report.startup.processes).toBe(1);
  });

  it('keeps the app’s reaction to signals and still records the process', async () => {
    const { store } = createTempStore();
    const env = { LOADSTRAT_CONFIG: store };
    const plainDefault = await runNode('signal.cjs', [], { cwd: basic, preload: false });
    const underDefault = await runNode('signal.cjs', [], { cwd: basic, env });
    expect(plainDefault.signal).toBe('SIGTERM');
    expect(underDefault).toEqual(plainDefault);

    const plainHandled = await runNode('signal.cjs', ['handled'], { cwd: basic, preload: false });
    const underHandled = await runNode('signal.cjs', ['handled'], { cwd: basic, env });
    expect(plainHandled).toMatchObject({ code: 7, stdout: 'app handled SIGTERM\n' });
    expect(underHandled).toEqual(plainHandled);
    expect(row(await readReport(store), 'alpha')).toMatchObject({ total_attempts: 2, processes: 2 });
  });

  it('works from NODE_OPTIONS, as any tool that starts node would use it', async () => {
    const { store } = createTempStore();
    const { REGISTER } = await import('../helpers/run.js');
    const result = await runNode('app.cjs', [], {
      cwd: basic,
      preload: false,
      env: { LOADSTRAT_CONFIG: store, NODE_OPTIONS: `--import ${REGISTER}` },
    });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(row(await readReport(store), 'heavy')).toMatchObject({ total_attempts: 1 });
  });

  it('falls back to the configured fallback when the recent mean load time exceeds performance_threshold', async () => {
    const { store } = createTempStore();
    await runCli(['set', 'heavy', 'lazy', '--threshold', '0.001', '--fallback', 'eager'], store);
    const env = { LOADSTRAT_CONFIG: store, NODE_DEBUG: 'loadstrat' };
    // No measurements yet: the stored strategy applies (heavy takes 30 ms to load).
    const first = await runNode('idle.cjs', [], { cwd: basic, env });
    expect(first.stderr).toContain('heavy: lazy (package_specific, rule stored)');
    await runCli(['merge'], store);
    const second = await runNode('idle.cjs', [], { cwd: basic, env });
    expect(second.stderr).toContain('heavy: eager (package_specific, rule threshold_fallback)');
    expect(second.stdout).toBe('at boot 1\nafter idle 1\nhello idle\n');
  });
});

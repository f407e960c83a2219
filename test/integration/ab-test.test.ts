import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { assignArm } from '../../src/analysis/ab-assign.js';
import { createTempStore, fixture, type RunResult, runCli, runNode } from '../helpers/run.js';

const ab = fixture('ab');
const PROCESSES = 60;
// About the core count: more only adds scheduling noise to every process's startup time.
const PARALLEL = 3;
const ARM_LINE = /slowboot: A\/B test (\S+), arm ([ab])/;

/** stderr without NODE_DEBUG lines: what a user would see. */
function warnings(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l !== '' && !l.startsWith('LOADSTRAT '));
}

function armOf(result: RunResult): 'a' | 'b' | null {
  const match = ARM_LINE.exec(result.stderr);
  return match === null ? null : (match[2] as 'a' | 'b');
}

async function cli(args: string[], store: string): Promise<any> {
  const result = await runCli([...args, '--json'], store);
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout);
}

/** Run `count` processes, `PARALLEL` at a time. */
async function runMany(count: number, run: (i: number) => Promise<RunResult>): Promise<RunResult[]> {
  const results: RunResult[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: PARALLEL }, async () => {
      while (next < count) {
        const i = next++;
        results[i] = await run(i);
      }
    }),
  );
  return results;
}

describe('A/B test end to end: 60 real processes under the preloader', () => {
  it('assigns arms deterministically, finds the truly faster arm, and recommends lazy for a rarely used package', async () => {
    const { store } = createTempStore();
    const env = { LOADSTRAT_CONFIG: store, NODE_DEBUG: 'loadstrat' };

    // Warm-up: one native run learns both packages' exports, so lazy/preload can defer them afterwards.
    const warm = await runNode('app.cjs', [], { cwd: ab, env: { ...env, USE_RARE: '1' } });
    expect(warm.code).toBe(0);
    expect(warnings(warm.stderr)).toEqual([]);
    expect((await runCli(['merge'], store)).code).toBe(0);

    const created = await cli(
      [
        'ab',
        'create',
        'slowboot',
        '--strategy-a',
        'eager',
        '--strategy-b',
        'lazy',
        '--traffic-split',
        '0.5',
        '--min-sample-size',
        '10',
        '--metric',
        'startup_time',
      ],
      store,
    );
    expect(created).toMatchObject({
      package_name: 'slowboot',
      strategy_a: 'eager',
      strategy_b: 'lazy',
      status: 'active',
    });
    const testId: string = created.test_id;
    // `rare` is configured to preload: the runs will show that few processes ever use it.
    expect((await runCli(['set', 'rare', 'preload'], store)).code).toBe(0);

    const units = Array.from({ length: PROCESSES }, (_, i) => `unit-${i}`);
    const runs = await runMany(PROCESSES, (i) =>
      runNode('app.cjs', [], {
        cwd: ab,
        env: { ...env, LOADSTRAT_AB_UNIT: units[i], USE_RARE: i % 20 === 0 ? '1' : undefined },
      }),
    );
    const arms = runs.map((r, i) => {
      expect(r.code).toBe(0);
      expect(warnings(r.stderr)).toEqual([]);
      expect(r.stdout).toBe(i % 20 === 0 ? 'worked rare\n' : 'worked\n');
      expect(ARM_LINE.exec(r.stderr)?.[1]).toBe(testId);
      return armOf(r);
    });
    // The arm is the hash of the test's seed (its id) and the unit, as GrowthBook buckets it.
    expect(arms).toEqual(units.map((u) => assignArm(testId, u, 0.5)));
    const onB = arms.filter((a) => a === 'b').length;
    // Within 3 standard deviations of traffic_split × 60.
    expect(Math.abs(onB - PROCESSES * 0.5)).toBeLessThan(3 * Math.sqrt(PROCESSES * 0.25));

    // The same unit gets the same arm on a rerun (against a copy of the store, leaving the test's counts alone).
    const copy = join(mkdtempSync(join(tmpdir(), 'loadstrat-ab-rerun-')), 'strategy_config.json');
    copyFileSync(store, copy);
    for (const i of [0, 1, 2, 3, 4]) {
      const again = await runNode('app.cjs', [], {
        cwd: ab,
        env: { ...env, LOADSTRAT_CONFIG: copy, LOADSTRAT_AB_UNIT: units[i] },
      });
      expect(armOf(again)).toBe(arms[i]);
    }

    // A process whose env names the package is left out of the test.
    const overridden = await runNode('app.cjs', [], {
      cwd: ab,
      env: { ...env, LOADSTRAT_AB_UNIT: 'unit-override', LOADSTRAT_STRATEGIES: 'slowboot=lazy' },
    });
    expect(overridden.code).toBe(0);
    expect(armOf(overridden)).toBeNull();

    const shown = await cli(['ab', 'show', testId], store);
    const results = shown.results;
    expect(results.strategy_a_performance).toMatchObject({ strategy: 'eager', processes: PROCESSES - onB });
    expect(results.strategy_b_performance).toMatchObject({ strategy: 'lazy', processes: onB });
    // Eager pays slowboot's 400 ms before the entry runs; lazy pays it after startup.
    expect(
      results.strategy_a_performance.avg_startup_time - results.strategy_b_performance.avg_startup_time,
    ).toBeGreaterThan(0.2);
    expect(results.winner).toBe('lazy');
    expect(results.statistical_significance).toBeGreaterThanOrEqual(0.95);
    expect(results.sample_ratio_mismatch.detected).toBe(false);
    expect(results.lift.ci_upper).toBeLessThan(0);
    expect(results.recommendation).toMatch(/^Switch to lazy strategy/);
    // A clear effect usually lets the always-valid rule end the test on its own; startup noise on a loaded
    // machine can keep it running, but it never ends any other way within the test's 7 days.
    if (shown.status === 'completed') expect(results.completed_by).toBe('sequential_stop');
    else expect(shown.status).toBe('active');

    const recs = await cli(['recommend'], store);
    const rare = recs.recommendations.find((r: any) => r.package_name === 'rare');
    expect(rare).toMatchObject({ current_strategy: 'preload', recommended_strategy: 'lazy' });
    // Warm-up + 60 + the override run imported it; the 61 preloaded ones handed out a stand-in.
    expect(rare.reasoning).toMatch(
      /^imported by 62 processes, used by 3 of the 61 where use was observable; \d+(\.\d+)? ms p50 load/,
    );
    expect(rare.confidence).toBeGreaterThanOrEqual(0.7);
    expect(rare.expected_improvement).toBeGreaterThan(0);
    expect(rare.data_points).toBe(61);

    const applied = await cli(['recommend', 'rare', '--apply'], store);
    expect(applied).toMatchObject({
      results: [{ package_name: 'rare', applied_strategy: 'lazy', success: true }],
      total_packages: 1,
      successful_applications: 1,
    });
    const report = await cli(['report'], store);
    expect(report.packages.find((p: any) => p.package_name === 'rare')).toMatchObject({
      strategy: 'lazy',
      configuration_type: 'auto_optimized',
    });
  });
});

describe('loadstrat ab and recommend on the command line', () => {
  it('create, list, show, complete --apply, delete; errors name the field and exit 1, usage errors exit 2', async () => {
    const { store } = createTempStore();
    const missing = await runCli(['ab', 'create', 'pkg', '--strategy-b', 'lazy'], store);
    expect(missing).toMatchObject({ code: 1, stdout: '', stderr: 'loadstrat: strategy_a: is required\n' });
    const badNumber = await runCli(
      ['ab', 'create', 'pkg', '--strategy-a', 'eager', '--strategy-b', 'lazy', '--traffic-split', 'half'],
      store,
    );
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toContain("--traffic-split expects a number, got 'half'");
    expect((await runCli(['ab', 'frobnicate'], store)).code).toBe(2);

    const text = await runCli(
      ['ab', 'create', 'pkg', '--strategy-a', 'eager', '--strategy-b', 'lazy'],
      store,
    );
    expect(text.code).toBe(0);
    const id = /test_[0-9a-f]+/.exec(text.stdout)![0];
    expect(text.stdout).toBe(
      `A/B test created for pkg: ${id}, eager vs lazy on load_time, 0.5 of processes on lazy, for 7 days\n`,
    );
    const conflict = await runCli(
      ['ab', 'create', 'pkg', '--strategy-a', 'eager', '--strategy-b', 'lazy'],
      store,
    );
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('already has an active A/B test');

    expect(await cli(['ab', 'list', '--status', 'active'], store)).toMatchObject({
      total_tests: 1,
      filter: { status: 'active' },
    });
    const show = await runCli(['ab', 'show', id], store);
    expect(show.stdout).toContain('winner: none (no process has reported for strategy_a (eager) yet)');
    const done = await cli(['ab', 'complete', id, '--apply'], store);
    expect(done).toMatchObject({
      test_id: id,
      winner: null,
      applied_strategy: null,
      message: `A/B test ${id} completed successfully`,
    });
    expect((await runCli(['ab', 'complete', id], store)).code).toBe(1);
    expect((await runCli(['ab', 'delete', id], store)).stdout).toBe(`A/B test ${id} deleted successfully\n`);
    const gone = await runCli(['ab', 'show', id], store);
    expect(gone).toMatchObject({ code: 1, stderr: `loadstrat: no A/B test '${id}'\n` });

    const none = await runCli(['recommend'], store);
    expect(none.stdout).toMatch(/^No recommendations at confidence ≥ 0.7/);
    const bad = await runCli(['recommend', '--min-confidence', '3'], store);
    expect(bad).toMatchObject({
      code: 1,
      stderr: 'loadstrat: min_confidence: "3" is not a number between 0 and 1\n',
    });
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FidelityOutput, parseFidelityOutput } from '../helpers/fidelity-output.js';
import {
  createTempStore,
  findNode,
  fixture,
  REGISTER,
  type RunResult,
  readReport,
  runCli,
  runNode,
} from '../helpers/run.js';

// The ES module twin of fidelity.test.ts: the same app run by plain node and with every package `lazy` —
// a learning run (everything imported natively, namespaces learned), `merge`, then a deferred run where
// facades stand in. On every Node the suite can find: this machine's, and the 22/24 that .ci/run installs.
const CWD = fixture('esm-fidelity');
const APP = 'app.mjs';
const SECTIONS = [...readFileSync(join(CWD, APP), 'utf8').matchAll(/section\('([^']+)'\)/g)].map(
  (m) => m[1]!,
);

const parseOutput = parseFidelityOutput;

function expectClean(result: RunResult): void {
  const unexpected = result.stderr
    .split('\n')
    .filter((line) => line !== '' && !/^LOADSTRAT \d+: /.test(line));
  expect(unexpected, result.stderr).toEqual([]);
  expect(result.code, result.stderr).toBe(0);
}

/** Packages deferred behind a facade on every Node (on Node 20 the hooks see only the app's own imports). */
const FACADES = [
  'esm-zoo',
  'esm-registry',
  'esm-fn-props',
  'esm-star',
  'esm-unused',
  'esm-flaky',
  'cjs-lib',
  'cjs-babel',
  'execa',
  'remark',
  // They export primitives (chalk's supportsColor, nanoid's urlAlphabet) that the app does not import.
  'chalk5',
  'nanoid',
];
const NATIVE: Record<string, string> = {
  'esm-tla': 'top-level await in its module graph',
  'esm-prim': 'imports a primitive export (VERSION)',
  'esm-live': 'an export binding changed after evaluation (live binding)',
  'esm-side': 'imported for its side effects (an import without bindings)',
};
/** Imports the app back, and the app's graph has top-level await: Node names either first. */
const CYCLE_REASON =
  /esm-cycle: lazy → imported natively: (part of an import cycle through a module still evaluating \(the app imported back\)|top-level await in its module graph)\n/;

const NODES = [
  { major: 20, label: 'module.register off-thread hooks, node 20.19–22.14' },
  { major: 22, label: 'registerHooks (node ≥ 22.15)' },
  { major: 24, label: 'registerHooks (node ≥ 22.15)' },
].map((n) => ({ ...n, node: findNode(n.major) }));

describe.each(NODES)('ES module fidelity on node $major ($label)', ({ major, node }) => {
  const skip = node === undefined;
  let store: string;
  let plain: RunResult;
  let plainBroken: RunResult;
  let learning: RunResult;
  let deferred: RunResult;
  let deferredBroken: RunResult;
  let out: {
    plain: FidelityOutput;
    deferred: FidelityOutput;
    plainBroken: FidelityOutput;
    deferredBroken: FidelityOutput;
  };

  beforeAll(async () => {
    if (skip) return;
    store = createTempStore().store;
    const env = (extra: Record<string, string | undefined> = {}) => ({
      LOADSTRAT_CONFIG: store,
      LOADSTRAT_DEFAULT_STRATEGY: 'lazy',
      NODE_DEBUG: 'loadstrat',
      FIDELITY_BREAK: undefined,
      ...extra,
    });
    const run = (e: Record<string, string | undefined>, preload = true) =>
      runNode(APP, [], { cwd: CWD, preload, env: e, node, timeoutMs: 30_000 });
    [plain, plainBroken, learning] = await Promise.all([
      run({ FIDELITY_BREAK: undefined }, false),
      run({ FIDELITY_BREAK: '1' }, false),
      run(env()),
    ]);
    const merged = await runCli(['merge'], store);
    expect(merged.code, merged.stderr).toBe(0);
    [deferred, deferredBroken] = await Promise.all([run(env()), run(env({ FIDELITY_BREAK: '1' }))]);
    out = {
      plain: parseOutput(plain.stdout),
      deferred: parseOutput(deferred.stdout),
      plainBroken: parseOutput(plainBroken.stdout),
      deferredBroken: parseOutput(deferredBroken.stdout),
    };
  }, 120_000);

  it.skipIf(skip)('plain node runs the app cleanly', () => {
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    expect([...out.plain.sections.keys()]).toEqual(['(top)', ...SECTIONS]);
  });

  it.skipIf(skip)('the learning run imports everything natively and changes nothing', () => {
    expectClean(learning);
    expect(learning.stdout).toBe(plain.stdout);
    expect(learning.stderr).not.toContain('→ facade for');
    expect(learning.stderr).toContain(
      major >= 22 ? 'ES module hooks: in-thread' : 'ES module hooks: off-thread',
    );
  });

  it.skipIf(skip)('the deferred run hands out facades, and says why the rest loaded natively', () => {
    expectClean(deferred);
    expectClean(deferredBroken);
    for (const name of FACADES) expect(deferred.stderr).toContain(`${name}: lazy → facade for`);
    for (const [name, reason] of Object.entries(NATIVE))
      expect(deferred.stderr).toContain(`${name}: lazy → imported natively: ${reason}`);
    expect(deferred.stderr).toMatch(CYCLE_REASON);
  });

  it.skipIf(skip)('keeps what the app module imports from each package beside the store, lexed once', () => {
    const dir = `${store}.d/usages`;
    const kept = readdirSync(dir).map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
    const app = kept.find((k) => k.file === join(CWD, APP));
    expect(app?.usages).toMatchObject({
      'esm-prim': ['hello', 'VERSION'],
      'esm-zoo': 'all',
      'esm-side': 'bare',
    });
  });

  it.skipIf(skip).each(SECTIONS)('deferred run: "%s" prints what plain node prints', (section) => {
    expect(out.deferred.sections.get(section)).toEqual(out.plain.sections.get(section));
  });

  it.skipIf(skip)('evaluates each deferred package at its first use, and never an unused one', () => {
    expect(out.deferred.traces.get('evaluated after imports')).toBe(
      'esm-cycle,esm-live,esm-prim,esm-side,esm-tla',
    );
    for (const name of ['esm-zoo', 'esm-registry', 'esm-fn-props', 'esm-star', 'cjs-lib'])
      expect([name, out.deferred.traces.get(`${name} evaluated before first use`)]).toEqual([name, 'false']);
    expect(out.deferred.traces.get('esm-unused evaluated at exit')).toBe('false');
    expect(out.plain.traces.get('esm-unused evaluated at exit')).toBe('true');
  });

  it.skipIf(skip)(
    'a package that throws during evaluation throws the same error where the app meets it',
    () => {
      expect(out.deferredBroken.sections).toEqual(out.plainBroken.sections);
      expect(out.plainBroken.sections.get('dynamic import')).toContain(
        'flaky error: FlakyError | E_FLAKY | esm-flaky failed while loading',
      );
    },
  );

  it.skipIf(skip)('measures ES module loads into the store, with the reasons for native loads', async () => {
    const report = await readReport(store);
    const row = (name: string) => report.packages.find((p: any) => p.package_name === name);
    expect(row('esm-zoo').total_attempts).toBeGreaterThanOrEqual(2);
    expect(row('esm-zoo').avg_load_time).toBeGreaterThan(0);
    expect(row('esm-tla').avg_load_time).toBeGreaterThan(0.004);
    expect(row('esm-unused')).toMatchObject({ processes: 3 });
    expect(row('esm-tla').native_reasons).toHaveProperty(['top-level await in its module graph']);
    expect(row('esm-prim').native_reasons).toHaveProperty(['imports a primitive export (VERSION)']);
  });

  it.skipIf(skip || major < 22)(
    'defers the same with import-in-the-middle registered before or after it (registerHooks, node ≥ 22.15)',
    async () => {
      // Last in this suite: it adds processes to the store the tests above count.
      const env = { LOADSTRAT_CONFIG: store, LOADSTRAT_DEFAULT_STRATEGY: 'lazy', NODE_DEBUG: 'loadstrat' };
      const iitm = ['--import', './iitm-register.mjs'];
      const alone = parseOutput(
        (await runNode(APP, [], { cwd: CWD, node, preload: false, nodeArgs: iitm })).stdout,
      ).sections;
      for (const order of [
        [...iitm, '--import', REGISTER],
        ['--import', REGISTER, ...iitm],
      ]) {
        const result = await runNode(APP, [], { cwd: CWD, node, env, preload: false, nodeArgs: order });
        expectClean(result);
        const sections = parseOutput(result.stdout).sections;
        // Every section prints what plain node prints, or what import-in-the-middle alone prints where it
        // changes the app itself (its wrapper freezes live bindings, and breaks the import cycle through the
        // entry): loadstrat adds no difference of its own.
        for (const section of SECTIONS) {
          const got = sections.get(section);
          const allowed = [out.plain.sections.get(section), alone.get(section)];
          expect({ section, got, allowed: allowed.some((want) => isDeepStrictEqual(want, got)) }).toEqual({
            section,
            got,
            allowed: true,
          });
        }
        for (const name of FACADES) expect(result.stderr).toContain(`${name}: lazy → facade for`);
      }
    },
  );
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type FidelityOutput, parseFidelityOutput } from '../helpers/fidelity-output.js';
import { createTempStore, fixture, type RunResult, readReport, runCli, runNode } from '../helpers/run.js';

// The same CommonJS app, run by plain node and with every package `lazy`: the first lazy run learns export
// shapes (everything loads natively), `merge` folds them into the store, the next lazy run defers.
const CWD = fixture('fidelity');
const APP = 'app.cjs';
const SECTIONS = [...readFileSync(join(CWD, APP), 'utf8').matchAll(/section\('([^']+)'\)/g)].map(
  (m) => m[1]!,
);

/** Packages the deferred run must hand a stand-in for, by the file the stand-in is for. */
const STAND_INS: [string, string][] = [
  ['fn-props', 'index.js'],
  ['zoo', 'index.js'],
  ['orm', 'index.js'],
  ['registry-map', 'index.js'],
  ['tag-set', 'index.js'],
  ['epoch', 'index.js'],
  ['counter', 'index.js'],
  ['getters', 'index.js'],
  ['plain-obj', 'index.js'],
  ['list', 'index.js'],
  ['frozen', 'index.js'],
  ['unused', 'index.js'],
  ['ts-default', 'index.js'],
  ['outer', 'index.js'],
  ['leaf', 'index.js'],
  ['ms', 'index.js'],
  ['semver', 'index.js'],
  ['dayjs', 'dayjs.min.js'],
  ['dayjs', 'plugin/utc.js'],
];
/** `~ <name> evaluated before first use` in the deferred run; plain node has evaluated all of them. */
const EVALUATED_BEFORE_USE: Record<string, boolean> = {
  ...Object.fromEntries(STAND_INS.filter(([name]) => name !== 'unused').map(([name]) => [name, false])),
  'inner@1': false,
  flaky: false,
  // Loaded natively: no stand-in can be `typeof 'number'` or `null`.
  answer: true,
  nothing: true,
  // Exports nothing: it is required for its effects, so it loads where it is required.
  polyfill: true,
  // Required lazily by the package itself, from a getter: neither run evaluates it early.
  'getters/extra': false,
};

const parseOutput = parseFidelityOutput;

/** stderr without NODE_DEBUG=loadstrat lines: must be empty (no warnings, no errors). */
function unexpectedStderr(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line !== '' && !/^LOADSTRAT \d+: /.test(line));
}

function expectClean(result: RunResult): void {
  expect(unexpectedStderr(result.stderr), result.stderr).toEqual([]);
  expect(result.code, result.stderr).toBe(0);
  expect(result.signal).toBeNull();
}

const lazyEnv = (store: string, extra: Record<string, string | undefined> = {}) => ({
  LOADSTRAT_CONFIG: store,
  LOADSTRAT_DEFAULT_STRATEGY: 'lazy',
  NODE_DEBUG: 'loadstrat',
  FIDELITY_BREAK: undefined,
  ...extra,
});

describe('CommonJS fidelity: every package lazy behaves as plain node', () => {
  let store: string;
  let plain: RunResult;
  let plainBroken: RunResult;
  let learning: RunResult;
  let deferred: RunResult;
  let deferredBroken: RunResult;
  let out: {
    plain: FidelityOutput;
    plainBroken: FidelityOutput;
    deferred: FidelityOutput;
    deferredBroken: FidelityOutput;
  };

  beforeAll(async () => {
    store = createTempStore().store;
    const run = (env: Record<string, string | undefined>, preload = true) =>
      runNode(APP, [], { cwd: CWD, preload, env, timeoutMs: 20_000 });
    [plain, plainBroken, learning] = await Promise.all([
      run({ FIDELITY_BREAK: undefined }, false),
      run({ FIDELITY_BREAK: '1' }, false),
      run(lazyEnv(store)),
    ]);
    const merged = await runCli(['merge'], store);
    expect(merged.code, merged.stderr).toBe(0);
    [deferred, deferredBroken] = await Promise.all([
      run(lazyEnv(store)),
      run(lazyEnv(store, { FIDELITY_BREAK: '1' })),
    ]);
    out = {
      plain: parseOutput(plain.stdout),
      plainBroken: parseOutput(plainBroken.stdout),
      deferred: parseOutput(deferred.stdout),
      deferredBroken: parseOutput(deferredBroken.stdout),
    };
  });

  it('plain node runs the app cleanly', () => {
    expect(plain.stderr).toBe('');
    expect(plain.code).toBe(0);
    expect(plainBroken.stderr).toBe('');
    expect(plainBroken.code).toBe(0);
    expect([...out.plain.sections.keys()]).toEqual(['(top)', ...SECTIONS]);
    for (const [name, value] of out.plain.traces) {
      if (name.endsWith(' evaluated before first use'))
        expect([name, value]).toEqual([name, String(name !== 'getters/extra evaluated before first use')]);
    }
  });

  it('the learning run loads everything natively and changes nothing, not even when getters run', () => {
    expectClean(learning);
    expect(learning.stdout).toBe(plain.stdout);
    expect(learning.stderr).not.toContain('→ stand-in for');
    expect(learning.stderr).toContain('fn-props: lazy → loaded natively: exports not known yet');
  });

  it('the deferred run hands out stand-ins, with no warning', () => {
    expectClean(deferred);
    expectClean(deferredBroken);
    for (const [name, file] of STAND_INS)
      expect(deferred.stderr).toContain(`${name}: lazy (default) → stand-in for ${file}`);
    expect(deferred.stderr).toContain('answer: lazy → loaded natively: exports a primitive value');
    expect(deferred.stderr).toContain('nothing: lazy → loaded natively: exports a null value');
    expect(deferred.stderr).toContain(
      'polyfill: lazy → loaded natively: exports nothing: required for its side effects',
    );
  });

  it.each(SECTIONS)('deferred run: "%s" prints what plain node prints', (section) => {
    expect(out.deferred.sections.get(section)).toEqual(out.plain.sections.get(section));
  });

  it('evaluates each package at its first use, not at its require', () => {
    const nativeAtRequire = (out.deferred.traces.get('evaluated after requires') ?? '')
      .split(',')
      .filter((name) => !name.startsWith('cyc-'));
    expect(nativeAtRequire).toEqual(['answer', 'nothing', 'polyfill']);
    const actual: Record<string, boolean> = {};
    for (const name of Object.keys(EVALUATED_BEFORE_USE)) {
      actual[name] = out.deferred.traces.get(`${name} evaluated before first use`) === 'true';
    }
    expect(actual).toEqual(EVALUATED_BEFORE_USE);
    expect(out.deferred.traces.get('unused evaluated after await')).toBe('false');
    expect(out.deferred.traces.get('unused evaluated at exit')).toBe('false');
    expect(out.plain.traces.get('unused evaluated at exit')).toBe('true');
  });

  it('destructuring at the require site still defers the load until an export is used', () => {
    // `const { Sequelize, Op } = require('orm')`, then typeof: still not evaluated; `new Sequelize()` loads it.
    for (const name of ['orm', 'getters', 'ts-default', 'tag-set', 'semver', 'frozen']) {
      expect([name, out.deferred.traces.get(`${name} evaluated before first use`)]).toEqual([name, 'false']);
    }
    expect(out.deferred.sections.get('destructuring at the require site')).toContain(
      'identity: true | true | true | true',
    );
  });

  it('a module that throws while loading throws the same error where the app first touches it', () => {
    expect(out.plainBroken.traces.get('flaky threw at')).toBe('require');
    expect(out.deferredBroken.traces.get('flaky threw at')).toBe('first use');
    expect(out.deferredBroken.traces.get('flaky evaluated before first use')).toBe('false');
    const section = 'throws while loading';
    expect(out.deferredBroken.sections.get(section)).toEqual(out.plainBroken.sections.get(section));
    expect(out.deferredBroken.sections.get(section)).toContain(
      'flaky error: FlakyError E_FLAKY "flaky failed while loading" at node_modules/flaky/index.js:9:29 | true',
    );
    expect(out.deferred.traces.get('flaky threw at')).toBe('nowhere');
  });

  it('a package that failed to load is evaluated again when required again, as plain node does', () => {
    // Node drops a module that threw from its cache: the next require() evaluates it afresh.
    expect(out.deferredBroken.sections.get('summary')).toEqual(out.plainBroken.sections.get('summary'));
  });

  it('two versions of one package (one nested in another package) are each deferred with their own shape', () => {
    const decisions = deferred.stderr
      .split('\n')
      .filter((line) => / inner: lazy .*→/.test(line))
      .map((line) => line.replace(/^LOADSTRAT \d+: /, ''));
    expect(decisions).toEqual([
      'inner: lazy (default) → stand-in for index.js',
      'inner: lazy (default) → stand-in for index.js',
    ]);
    expect(out.deferred.traces.get('inner@2 evaluated before first use')).toBe('false');
  });

  it('the report says why the primitive and null exports were loaded natively', async () => {
    const report = await readReport(store);
    const reasons = (name: string) =>
      report.packages.find((p: any) => p.package_name === name)?.native_reasons;
    expect(reasons('answer')).toHaveProperty(['exports a primitive value']);
    expect(reasons('nothing')).toHaveProperty(['exports a null value']);
  });
});

import { assignArm } from './analysis/ab-assign.js';
import { fs, os, path, util } from './builtins.js';
import { type BootView, readBootView } from './config/boot-view.js';
import { formatEnvProblem, readSettings, type Settings } from './config/env.js';
import { type Decision, type DecisionContext, decideStrategy } from './config/precedence.js';
import { getShapeBookData, openShapeBook } from './config/shape-book.js';
import { writeSpoolSync } from './config/spool.js';
import { getStorePaths } from './config/store-file.js';
import type { LoadingStrategy } from './config/strategies.js';
import { WarningCode } from './errors.js';
import { installCjsHooks } from './hooks/cjs.js';
import type { EsmInstall } from './hooks/esm-install.js';
import { startIdleQueue } from './hooks/idle-queue.js';
import { maybeMergeInBackground } from './metrics/background-merge.js';
import { installFlush } from './metrics/flush.js';
import type { ProcessReport } from './metrics/process-report.js';
import { createRecorder, nowMs, type Recorder } from './metrics/recorder.js';

const { debuglog } = util;
const { resolve } = path;
const { readFileSync } = fs;
const { hostname } = os;

const debug = debuglog('loadstrat');

export type Runtime = {
  settings: Settings;
  recorder: Recorder;
  decide(name: string): Decision;
  /** Evaluate a package now, resolved from `fromFile`; false when it does not resolve from there. */
  loadNow(name: string, fromFile: string): boolean;
  flush(): void;
};

// The preloader runs from a bundle (dist/preload.js) and the public API from dist/index.js: two module
// instances of this file. They meet on a global symbol.
const RUNTIME = Symbol.for('loadstrat.runtime');

/** The preloader's state in this thread, when it is installed. */
export function getRuntime(): Runtime | undefined {
  return (globalThis as Record<symbol, Runtime | undefined>)[RUNTIME];
}

function warn(message: string, code: string): void {
  process.emitWarning(`loadstrat: ${message}`, { code });
}

/** Packages whose dependencies the app declares: the global default's eager/preload applies to them. */
function readDeclaredDependencies(entry: string): string[] {
  for (let dir = resolve(entry, '..'); ; dir = resolve(dir, '..')) {
    try {
      const pkg = JSON.parse(readFileSync(resolve(dir, 'package.json'), 'utf8')) as { dependencies?: object };
      return Object.keys(pkg.dependencies ?? {});
    } catch {
      if (dir === resolve(dir, '..')) return [];
    }
  }
}

function assignArms(view: BootView | null, settings: Settings, recorder: Recorder): DecisionContext['arms'] {
  const arms = new Map<string, { test_id: string; arm: 'a' | 'b'; strategy: LoadingStrategy }>();
  for (const test of view?.ab_tests ?? []) {
    // A process whose env names the package is left out of the test (SPEC §2, rule 1).
    if (settings.overrides.has(test.package_name)) continue;
    const arm = assignArm(test.seed, settings.abUnit ?? `${hostname()}:${process.pid}`, test.traffic_split);
    if (arm === null) continue;
    arms.set(test.package_name, {
      test_id: test.test_id,
      arm,
      strategy: arm === 'a' ? test.strategy_a : test.strategy_b,
    });
    recorder.setArm(test.test_id, arm);
    debug('%s: A/B test %s, arm %s', test.package_name, test.test_id, arm);
  }
  return arms;
}

type Remote = typeof import('./metrics/remote.js');

/** What bootstrap sees of ES module support when it is not installed. */
const NO_ESM: EsmInstall = {
  mode: 'none',
  runtime: { getPending: () => [], checkLiveBindings: () => {} },
  prefersImport: () => false,
  importNow: async () => false,
};

/**
 * Read env and store, install the hooks, load eager packages, queue preloads, flush on exit. The --import
 * entry awaits it: eager ES modules and a fleet server's configuration arrive before the app runs.
 */
export async function bootstrap(): Promise<void> {
  const { settings, problems } = readSettings();
  for (const problem of problems) warn(formatEnvProblem(problem), WarningCode.BadEnv);
  if (settings.disabled) return;

  // A fleet: the server's configuration, within a short timeout, else the local store or defaults.
  let remote: Remote | undefined;
  let view: BootView | null = null;
  if (settings.server !== undefined) {
    // Kept out of the bundle (see package.json's build): only fleet processes load it.
    remote = (await import('./metrics/remote.js')) as Remote;
    view = await remote.fetchBootView(settings, remote.BOOT_TIMEOUT_MS, (message) =>
      warn(`${message}; using the local store`, WarningCode.RemoteUnavailable),
    );
  }
  try {
    view ??= readBootView(settings.storePath);
  } catch (error) {
    warn(
      `${(error as Error).message}; running as plain Node, the file is left as it is`,
      WarningCode.StoreUnusable,
    );
    return;
  }
  await start(settings, view, remote);
}

async function start(settings: Settings, view: BootView | null, remote: Remote | undefined): Promise<void> {
  // Before any eager load: a package that starts a worker at load must already see the mark.
  const inWorker = isWorkerThread();
  const recorder = createRecorder();
  const shapes = openShapeBook(getShapeBookData(view, settings.storePath));
  const hasShape = (name: string, key: string) => shapes.keysOf(name).includes(key);
  const context: DecisionContext = {
    overrides: settings.overrides,
    envDefault: settings.defaultStrategy,
    configs: new Map((view?.configurations ?? []).map((c) => [c.package_name, c])),
    globalDefault: view?.global_default_strategy,
    recentLoadTime: view?.recent_load_time ?? {},
    arms: assignArms(view, settings, recorder),
  };
  const decisions = new Map<string, Decision>();
  const decide = (name: string): Decision => {
    let decision = decisions.get(name);
    if (decision === undefined) {
      decision = decideStrategy(name, context);
      decisions.set(name, decision);
      debug('%s: %s (%s, rule %s)', name, decision.strategy, decision.configuration_type, decision.rule);
    }
    return decision;
  };

  const warned = new Set<string>();
  const fail = (name: string | null, error: unknown) => {
    const key = name ?? '';
    recorder.recordEvent(WarningCode.InternalFallback, String((error as Error)?.stack ?? error), name);
    if (warned.has(key)) return;
    warned.add(key);
    warn(
      `internal error${name ? ` while handling '${name}'` : ''}, loading it as plain Node does: ${(error as Error)?.message ?? error}`,
      WarningCode.InternalFallback,
    );
  };

  const entry = resolve(process.argv[1] ?? 'index.js');
  let stopIdle: (() => void) | undefined;
  const startPreloads = () => {
    // No package can be preload in this process: no idle queue (it would load perf_hooks for nothing).
    if (stopIdle !== undefined || !anyPreload) return;
    stopIdle = startIdleQueue(() => {
      const pending = preloadQueue.find((name) => !preloaded.has(name));
      if (pending === undefined) {
        const standIn = hooks.getPending().find((e) => e.strategy === 'preload');
        if (standIn !== undefined) return () => void hooks.loadNow(standIn.name, entry);
        const facade = esm.runtime.getPending().find((e) => e.strategy === 'preload');
        return facade && (() => void loadAhead(facade.name));
      }
      preloaded.add(pending);
      return () => void loadAhead(pending);
    });
  };

  const hooks = installCjsHooks({
    decide,
    recorder,
    getShape: shapes.get,
    hasShape,
    debug: (message) => debug('%s', message),
    fail,
    onMainEvaluated: () => {
      recorder.setStartup(nowMs());
      startPreloads();
    },
  });

  // Every package loadstrat knows of, in priority order: eager ones load now, preload ones when idle.
  const known = new Set([...context.configs.keys(), ...settings.overrides.keys(), ...context.arms.keys()]);
  const defaultStrategy = decideStrategy('\0', context).strategy;
  if (defaultStrategy === 'eager' || defaultStrategy === 'preload') {
    for (const name of readDeclaredDependencies(entry)) known.add(name);
  }
  const ordered = [...known]
    .map((name) => ({ name, decision: decide(name) }))
    // Names compared with < and >, not localeCompare: its first call starts ICU collation, ~14 ms of boot.
    .sort(
      (a, b) => a.decision.priority - b.decision.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0),
    );
  const preloadQueue = ordered.filter((p) => p.decision.strategy === 'preload').map((p) => p.name);
  const anyPreload = defaultStrategy === 'preload' || preloadQueue.length > 0;
  const preloaded = new Set<string>();

  // --- ES modules (issue 3): hooks for `import`, and eager/preload through import() where that is how
  // the app loads the package (the store has its ESM shape) or require() cannot resolve it.
  const strategies = new Map(ordered.map((p) => [p.name, p.decision.strategy]));
  // With every package on_demand there is nothing to do for `import`: the ES module code (a third of the
  // preloader, with the lexer) is not even loaded.
  const esmManaged =
    defaultStrategy !== 'on_demand' || [...strategies.values()].some((s) => s !== 'on_demand');
  if (!esmManaged) debug('ES module hooks: none (node %s)', process.versions.node);
  const esm: EsmInstall = !esmManaged
    ? NO_ESM
    : (await import('./hooks/esm-install.js')).installEsm({
        decide,
        recorder,
        getShape: shapes.get,
        hasShape,
        debug: (message) => debug('%s', message),
        fail,
        entry,
        strategies,
        defaultStrategy,
        shapes,
        // A fleet process writes no local file: it lexes its importers at every boot instead.
        usageCacheDir: remote === undefined ? getStorePaths(settings.storePath).usages : undefined,
        get declared() {
          return readDeclaredDependencies(entry);
        },
      });
  process.on('exit', () => esm.runtime.checkLiveBindings());
  const importAhead = async (name: string): Promise<void> => {
    try {
      if (!(await esm.importNow(name)))
        debug('%s: ES module hooks not installed, not loaded ahead of use', name);
    } catch (error) {
      debug(
        '%s: failed while importing ahead of use (%s); the app meets it at its import',
        name,
        (error as Error)?.message,
      );
    }
  };
  /** Evaluate a package before the app needs it (eager at boot, preload when idle). */
  const loadAhead = (name: string): Promise<void> | undefined => {
    const standIn = esm.runtime.getPending().find((e) => e.name === name);
    if (standIn !== undefined) {
      try {
        standIn.load(false);
      } catch {
        // The module's own error: the app meets it at its first use, as it would have.
      }
      return undefined;
    }
    if (esm.prefersImport(name) || !hooks.loadNow(name, entry)) return importAhead(name);
    return undefined;
  };
  const eager = ordered.filter((p) => p.decision.strategy === 'eager').map((p) => p.name);
  let booting: Promise<void> | undefined;
  for (const [i, name] of eager.entries()) {
    const importing = loadAhead(name);
    if (importing !== undefined) {
      // One import at a time keeps `priority` order; the rest wait for it.
      booting = (async () => {
        await importing;
        for (const rest of eager.slice(i + 1)) await loadAhead(rest);
      })();
      break;
    }
  }
  // --- end ES modules
  // An ES module entry never passes through require(): start the idle queue on a timer instead.
  if (anyPreload) setTimeout(startPreloads, 100).unref();

  const flush = installFlushFor(settings, recorder, inWorker, remote);
  (globalThis as Record<symbol, Runtime | undefined>)[RUNTIME] = {
    settings,
    recorder,
    decide,
    loadNow: hooks.loadNow,
    flush,
  };
  await booting;
}

/** Where this thread's measurements go: the fleet server, or the spool beside the store. */
function installFlushFor(
  settings: Settings,
  recorder: Recorder,
  inWorker: boolean,
  remote: Remote | undefined,
) {
  const onError = (error: unknown) =>
    warn(`could not write measurements: ${(error as Error).message}`, WarningCode.FlushFailed);
  if (remote !== undefined && !inWorker) return remote.installRemoteFlush(settings, recorder);
  if (remote !== undefined) {
    return installFlush(recorder, true, (report) => remote.sendReportsSync(settings, [report]), onError);
  }
  const writeReport = (report: ProcessReport, atExit: boolean) => {
    writeSpoolSync(settings.storePath, report);
    if (atExit) maybeMergeInBackground(settings.storePath, report);
  };
  return installFlush(recorder, inWorker, writeReport, onError);
}

// Worker threads run the preload again (execArgv is inherited). They share the process's pid, and their
// env is a copy of the main thread's: this mark tells them apart without loading node:worker_threads (~4 ms).
const MAIN_MARK = 'LOADSTRAT_MAIN_PID';

function isWorkerThread(): boolean {
  if (process.env[MAIN_MARK] === String(process.pid)) return true;
  process.env[MAIN_MARK] = String(process.pid);
  return false;
}

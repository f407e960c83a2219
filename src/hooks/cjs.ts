import { fs, Module } from '../builtins.js';
import { getPackageName } from '../config/package-name.js';
import type { Decision } from '../config/precedence.js';
import type { Shape } from '../config/store-schema.js';
import { isDeferred, type LoadingStrategy } from '../config/strategies.js';
import { nowMicros } from '../metrics/clock.js';
import type { Recorder } from '../metrics/recorder.js';
import { createJobClock } from './job-clock.js';
import { isDeferrableKind, learnShape } from './shape.js';
import { createStandIn } from './stand-in.js';

const { createRequire, isBuiltin } = Module;
const { statSync } = fs;

type CjsModule = { filename: string | null; path?: string; exports: unknown; loaded: boolean };
type LoadFn = (request: string, parent: CjsModule | undefined, isMain: boolean) => unknown;
// Module._load / _resolveFilename / _cache are CommonJS internals every require hook builds on
// (require-in-the-middle, OpenTelemetry, pirates): https://nodejs.org/api/modules.html#the-module-wrapper
const internals = Module as unknown as {
  _load: LoadFn;
  _resolveFilename: (request: string, parent: CjsModule | undefined, isMain: boolean) => string;
  _cache: Record<string, CjsModule | undefined>;
};

export type CjsHookDeps = {
  decide(name: string): Decision;
  recorder: Recorder;
  /** The learned shape of a module, by package and file path inside the package. */
  getShape(name: string, file: string): Shape | undefined;
  /** Whether a shape was learned at all (the boot view carries only the shapes the store defers). */
  hasShape(name: string, file: string): boolean;
  debug(message: string): void;
  /** Our own failure: warn once, then the load continues as plain Node. */
  fail(name: string | null, error: unknown): void;
  onMainEvaluated(): void;
};

type Deferred = {
  name: string;
  strategy: LoadingStrategy;
  priority: number;
  proxy: object;
  /** Evaluate now; `asUse` false for a background preload. */
  load(asUse: boolean): unknown;
  isLoaded(): boolean;
};

const NODE_MODULES = '/node_modules/';

/**
 * A module's key among its package's shapes: its path below the outermost node_modules, so two installed
 * copies of one package (`inner` and `outer/node_modules/inner`) never share a shape.
 */
export function getShapeKey(filename: string): string {
  const at = filename.replaceAll('\\', '/').indexOf(NODE_MODULES);
  return at < 0 ? filename : filename.slice(at + NODE_MODULES.length);
}

/** The package's folder for a file resolved into node_modules, or undefined outside node_modules. */
export function getPackageRoot(filename: string, name: string): string | undefined {
  const marker = `${NODE_MODULES}${name}/`;
  const at = filename.replaceAll('\\', '/').lastIndexOf(marker);
  return at < 0 ? undefined : filename.slice(0, at + marker.length);
}

/**
 * Intercepts `require()` before Node's loader runs, by wrapping Module._load: deferred packages get a
 * stand-in, everything else loads as Node would, timed.
 */
export function installCjsHooks(deps: CjsHookDeps) {
  const originalLoad = internals._load;
  const names = new Map<string, string | null>();
  const resolved = new Map<string, string>();
  const deferred = new Map<string, Deferred>();
  // Packages being evaluated right now, outermost first: a require that meets one of them is a cycle.
  const evaluating: { name: string; filename: string }[] = [];
  const inCycle = new Set<string>();
  const currentJob = createJobClock();

  function managedName(request: string): string | null {
    let name = names.get(request);
    if (name === undefined) {
      name = isBuiltin(request) ? null : (getPackageName(request) ?? null);
      names.set(request, name);
    }
    return name;
  }

  function timedLoad(
    parent: CjsModule | undefined,
    name: string,
    strategy: LoadingStrategy,
    filename: string,
  ): unknown {
    // Memory only for the packages the app loads itself (nested ones are inside their figure):
    // process.memoryUsage() costs ~25 µs a call, half of a first require's overhead.
    const heapBefore = evaluating.length === 0 ? process.memoryUsage().heapUsed : null;
    const start = nowMicros();
    let exports: unknown;
    evaluating.push({ name, filename });
    try {
      // By its resolved path: resolving the request again would double the cost of a first require.
      exports = originalLoad(filename, parent, false);
    } catch (error) {
      deps.recorder.recordLoad(name, strategy, nowMicros() - start, false, null);
      if (isDeferred(strategy)) deps.recorder.recordNativeReason(name, strategy, 'threw while loading');
      throw error;
    } finally {
      evaluating.pop();
    }
    const micros = nowMicros() - start;
    try {
      const memory = heapBefore === null ? null : process.memoryUsage().heapUsed - heapBefore;
      deps.recorder.recordLoad(name, strategy, micros, true, memory);
      const key = getShapeKey(filename);
      const unsafe = inCycle.has(name) ? 'part of a require cycle' : undefined;
      // A known shape is re-checked (a stat) only where it is about to matter: a deferring run finds a
      // changed package itself, loads it natively and relearns it here.
      if (!isDeferred(strategy) && unsafe === undefined && deps.hasShape(name, key)) return exports;
      const known = deps.getShape(name, key);
      const stamp = getStamp(filename);
      if (known?.stamp !== stamp || known.unsafe !== unsafe) {
        deps.recorder.recordShape(name, key, { ...learnShape(exports, stamp), ...(unsafe && { unsafe }) });
      }
    } catch (error) {
      deps.fail(name, error);
    }
    return exports;
  }

  function createDeferred(
    parent: CjsModule | undefined,
    name: string,
    decision: Decision,
    filename: string,
    shape: Shape,
  ): Deferred {
    let loaded = false;
    let value: unknown;
    let failure: { error: unknown } | undefined;
    let loading = false;
    const importJob = currentJob();
    const load = (asUse: boolean): unknown => {
      if (loaded) return value;
      if (failure !== undefined) throw failure.error;
      // Used again while its own evaluation runs (a cycle): the partial exports, as require() gives.
      if (loading) return internals._cache[filename]?.exports;
      if (asUse) deps.debug(`${name}: first use, loading now`);
      loading = true;
      try {
        value = timedLoad(parent, name, decision.strategy, filename);
        loaded = true;
      } catch (error) {
        failure = { error };
        // Node drops a module that threw from its cache, so a later require evaluates it again: so do we.
        deferred.delete(filename);
        throw error;
      } finally {
        loading = false;
      }
      return value;
    };
    const proxy = createStandIn({
      kind: shape.kind as 'object',
      source: { get: () => load(true), isLoaded: () => loaded },
      shape,
      onFirstUse: () => deps.recorder.recordUse(name, decision.strategy, currentJob() === importJob),
    });
    return {
      name,
      strategy: decision.strategy,
      priority: decision.priority,
      proxy,
      load,
      isLoaded: () => loaded,
    };
  }

  /** Why this module cannot be deferred faithfully, or its shape when it can. */
  function planDeferral(name: string, filename: string): Shape | string {
    const shape = deps.getShape(name, getShapeKey(filename));
    if (shape === undefined) return 'exports not known yet (learned on this run)';
    if (shape.stamp !== getStamp(filename)) return 'package changed since its exports were learned';
    if (shape.unsafe !== undefined) return shape.unsafe;
    if (!isDeferrableKind(shape.kind))
      return `exports a ${shape.kind === 'null' ? 'null' : 'primitive'} value`;
    // `require('dotenv/config')`, a polyfill: nothing to use, so a stand-in would never load it.
    if (shape.empty === true) return 'exports nothing: required for its side effects';
    return shape;
  }

  type Step =
    | { kind: 'native' }
    | { kind: 'cached'; filename: string }
    | { kind: 'timed'; strategy: LoadingStrategy; filename: string }
    | { kind: 'stand-in'; proxy: object };

  /** Everything loadstrat decides for one require; any throw here is ours, and falls back to plain Node. */
  function planLoad(request: string, parent: CjsModule | undefined, name: string): Step {
    const cacheKey = `${parent?.path ?? ''}\x00${request}`;
    let filename = resolved.get(cacheKey);
    if (filename === undefined) {
      try {
        filename = internals._resolveFilename(request, parent, false);
      } catch {
        // Resolution stays at the import site: a missing package throws MODULE_NOT_FOUND there, from Node.
        return { kind: 'native' };
      }
      resolved.set(cacheKey, filename);
    }
    const cached = internals._cache[filename];
    if (cached !== undefined) {
      // Required again while it is still evaluating: every package from it up the stack is in a cycle,
      // which a stand-in would break (it would hand out complete exports where Node gives partial ones).
      if (!cached.loaded) {
        const at = evaluating.findIndex((e) => e.filename === filename);
        if (at >= 0) for (const e of evaluating.slice(at)) inCycle.add(e.name);
      }
      return { kind: 'cached', filename };
    }
    const existing = deferred.get(filename);
    if (existing !== undefined)
      return existing.isLoaded() ? { kind: 'native' } : { kind: 'stand-in', proxy: existing.proxy };

    const root = getPackageRoot(filename, name);
    // Outside node_modules (a workspace link, NODE_PATH) or a package requiring itself: not managed.
    if (root === undefined || parent?.filename?.startsWith(root)) return { kind: 'native' };

    const decision = deps.decide(name);
    deps.recorder.noteImport(name, decision.strategy);
    if (!isDeferred(decision.strategy)) return { kind: 'timed', strategy: decision.strategy, filename };

    const plan = planDeferral(name, filename);
    if (typeof plan === 'string') {
      deps.recorder.recordNativeReason(name, decision.strategy, plan);
      deps.debug(`${name}: ${decision.strategy} → loaded natively: ${plan}`);
      return { kind: 'timed', strategy: decision.strategy, filename };
    }
    const entry = createDeferred(parent, name, decision, filename, plan);
    deferred.set(filename, entry);
    deps.recorder.observe(name, decision.strategy);
    deps.debug(
      `${name}: ${decision.strategy} (${decision.rule}) → stand-in for ${filename.slice(root.length)}`,
    );
    return { kind: 'stand-in', proxy: entry.proxy };
  }

  function managedLoad(request: string, parent: CjsModule | undefined, name: string): unknown {
    // The hot path, a package already loaded: one map lookup, no allocation beyond the key.
    const known = resolved.get(`${parent?.path ?? ''}\x00${request}`);
    if (known !== undefined && internals._cache[known]?.loaded) return originalLoad(known, parent, false);
    let step: Step;
    try {
      step = planLoad(request, parent, name);
    } catch (error) {
      deps.fail(name, error);
      step = { kind: 'native' };
    }
    if (step.kind === 'stand-in') return step.proxy;
    if (step.kind === 'timed') return timedLoad(parent, name, step.strategy, step.filename);
    // Loaded before by its resolved path (timedLoad): Node's own resolve cache holds that path, not the request.
    if (step.kind === 'cached') return originalLoad(step.filename, parent, false);
    return originalLoad(request, parent, false);
  }

  function loadstratLoad(
    this: unknown,
    request: string,
    parent: CjsModule | undefined,
    isMain: boolean,
  ): unknown {
    if (isMain) {
      const exports = originalLoad.call(this, request, parent, isMain);
      deps.onMainEvaluated();
      return exports;
    }
    // Most requires are relative ('./x', '../x') or absolute: never managed, decided by the first character.
    const first = typeof request === 'string' ? request.charCodeAt(0) : 46;
    if (first === 46 || first === 47) return originalLoad.call(this, request, parent, isMain);
    const name = managedName(request);
    if (name === null) return originalLoad.call(this, request, parent, isMain);
    return managedLoad(request, parent, name);
  }

  internals._load = loadstratLoad;

  return {
    /**
     * Evaluate a package now, resolved from `fromFile` (eager at boot, preload when idle). Returns false
     * when it cannot be resolved from there: the app will resolve it itself, if it ever imports it.
     */
    loadNow(name: string, fromFile: string): boolean {
      for (const entry of deferred.values()) {
        if (entry.name === name && !entry.isLoaded()) {
          try {
            entry.load(false);
          } catch {
            // The module's own error: the app meets it at its first use, as it would have.
          }
          return true;
        }
      }
      const require = createRequire(fromFile);
      let filename: string;
      try {
        filename = require.resolve(name);
      } catch {
        deps.debug(`${name}: not resolvable from ${fromFile}, skipped at boot`);
        return false;
      }
      if (internals._cache[filename] !== undefined) return true;
      if (getPackageRoot(filename, name) === undefined) return false;
      const decision = deps.decide(name);
      deps.recorder.noteImport(name, decision.strategy);
      try {
        timedLoad(internals._cache[fromFile] ?? fakeParent(fromFile), name, decision.strategy, filename);
      } catch (error) {
        deps.debug(
          `${name}: failed while loading ahead of use (${(error as Error)?.message}); the app meets it at its import`,
        );
      }
      return true;
    },
    /** Stand-ins not yet evaluated, for the preloader's idle queue. */
    getPending(): Deferred[] {
      return [...deferred.values()].filter((e) => !e.isLoaded());
    },
    uninstall(): void {
      if (internals._load === loadstratLoad) internals._load = originalLoad;
    },
  };
}

function getStamp(filename: string): string {
  const s = statSync(filename);
  return `${s.size}:${Math.trunc(s.mtimeMs)}`;
}

/** A parent module for resolving from a file the CommonJS cache does not hold (an ESM entry). */
function fakeParent(filename: string): CjsModule {
  const parent = new Module(filename) as unknown as CjsModule & { paths: string[] };
  parent.filename = filename;
  parent.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(
    filename.slice(0, filename.lastIndexOf('/')),
  );
  return parent;
}

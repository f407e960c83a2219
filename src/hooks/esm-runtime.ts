// The main thread's side of ES module interception: the generated modules call these functions (through a
// global, since on Node 20 the hooks that generate them run in another thread). Measures native loads
// between the observe facade's marks, learns namespaces, and builds the stand-ins of a defer facade.

import { Module } from '../builtins.js';
import type { Decision } from '../config/precedence.js';
import type { ExportKind, Shape } from '../config/store-schema.js';
import { isDeferred, type LoadingStrategy } from '../config/strategies.js';
import { nowMicros } from '../metrics/clock.js';
import type { Recorder } from '../metrics/recorder.js';
import { ESM_RUNTIME_KEY, type FacadeInfo } from './esm-facade.js';
import { createJobClock } from './job-clock.js';
import { getExportKind, hasSameProps, isDeferrableKind, learnShape } from './shape.js';
import { createStandIn } from './stand-in.js';

const { createRequire } = Module;

export type EsmRuntimeDeps = {
  decide(name: string): Decision;
  recorder: Recorder;
  getShape(name: string, key: string): Shape | undefined;
  /** Whether a shape was learned at all (the index, no file read). */
  hasShape(name: string, key: string): boolean;
  debug(message: string): void;
  fail(name: string | null, error: unknown): void;
};

type Pending = {
  name: string;
  strategy: LoadingStrategy;
  load(asUse: boolean): unknown;
  isLoaded(): boolean;
  get(key: string): unknown;
};

const TLA = 'top-level await in its module graph';
const LIVE = 'an export binding changed after evaluation (live binding)';
const CYCLE = 'part of an import cycle through a module still evaluating (the app imported back)';
const UNSAFE_BY_CODE: Record<string, string> = {
  ERR_REQUIRE_ASYNC_MODULE: TLA,
  ERR_REQUIRE_CYCLE_MODULE: CYCLE,
};

function requireFile(file: string): unknown {
  return createRequire(file)(file);
}

/** Reads a namespace the way an importer would; a binding still in its TDZ (a cycle) reads as unknown. */
function readBinding(ns: Record<string, unknown>, key: string): { ok: boolean; value: unknown } {
  try {
    return { ok: true, value: ns[key] };
  } catch {
    return { ok: false, value: undefined };
  }
}

export function createEsmRuntime(deps: EsmRuntimeDeps) {
  const starts = new Map<string, { at: number; heap: number }>();
  const deferred = new Map<string, Pending>();
  /** Learned this run: namespace and values at the end of evaluation, checked again at exit for live bindings. */
  const learned = new Map<
    string,
    { info: FacadeInfo; ns: Record<string, unknown>; values: Map<string, unknown>; shape: Shape }
  >();
  const currentJob = createJobClock();

  function learn(info: FacadeInfo, ns: Record<string, unknown>): void {
    const props: Record<string, ExportKind> = {};
    const values = new Map<string, unknown>();
    for (const key of Object.keys(ns)) {
      const binding = readBinding(ns, key);
      props[key] = binding.ok ? getExportKind(binding.value) : 'primitive';
      if (binding.ok) values.set(key, binding.value);
    }
    const shape: Shape = {
      stamp: info.stamp,
      kind: 'object',
      props,
      // The interop marker of compiled CommonJS, a constant: a facade exports it without loading.
      esModule: values.get('__esModule') === true,
      thenable: 'then' in ns,
      format: info.format,
    };
    const value = values.get('default');
    if (isDeferrableKind(getExportKind(value))) shape.default_props = learnShape(value, info.stamp).props;
    if (info.format === 'module') {
      // require() refuses a graph with top-level await even once it is evaluated, and a graph that imports
      // a module still evaluating (the app's entry, imported back by a plugin): a synchronous load of the
      // real module, which a defer facade needs, would fail. https://nodejs.org/api/modules.html#loading-ecmascript-modules-using-require
      try {
        requireFile(info.file);
      } catch (error) {
        const code = (error as { code?: string })?.code;
        const unsafe = UNSAFE_BY_CODE[code ?? ''];
        if (unsafe !== undefined) shape.unsafe = unsafe;
      }
    }
    learned.set(info.key, { info, ns, values, shape });
    const known = deps.getShape(info.name, info.key);
    if (
      known?.stamp !== shape.stamp ||
      known.unsafe !== shape.unsafe ||
      !hasSameProps(known.props, shape.props)
    ) {
      deps.recorder.recordShape(info.name, info.key, shape);
    }
  }

  function createDeferred(info: FacadeInfo, shape: Shape): (key: string) => unknown {
    const { name, strategy, file, format } = info;
    let loaded = false;
    let value: unknown;
    let failure: { error: unknown } | undefined;
    let loading = false;
    const importJob = currentJob();
    const load = (asUse: boolean): unknown => {
      if (loaded) return value;
      if (failure !== undefined) throw failure.error;
      if (loading) return requireFile(file);
      if (asUse) deps.debug(`${name}: first use, loading now`);
      loading = true;
      const heap = process.memoryUsage().heapUsed;
      const start = nowMicros();
      try {
        // require() of an ES module (Node ≥ 20.19) evaluates the instance every importer shares.
        value = requireFile(file);
        loaded = true;
        deps.recorder.recordLoad(
          name,
          strategy,
          nowMicros() - start,
          true,
          process.memoryUsage().heapUsed - heap,
        );
      } catch (error) {
        // A graph require() cannot load (top-level await, or a cycle through a module still evaluating)
        // that learning did not see: this use fails as it must, the next run imports the package natively.
        const unsafe = UNSAFE_BY_CODE[(error as { code?: string })?.code ?? ''];
        if (unsafe !== undefined) deps.recorder.recordShape(name, info.key, { ...shape, unsafe });
        // An ES module that threw stays errored: every later use throws the same error, as import does.
        failure = { error };
        deps.recorder.recordLoad(name, strategy, nowMicros() - start, false, null);
        throw error;
      } finally {
        loading = false;
      }
      return value;
    };
    const read = (key: string): unknown => {
      const real = load(true) as Record<string, unknown>;
      return format === 'commonjs' && (key === 'default' || key === 'module.exports') ? real : real[key];
    };
    let used = false;
    const onFirstUse = () => {
      if (used) return;
      used = true;
      deps.recorder.recordUse(name, strategy, currentJob() === importJob);
    };
    const bindings = new Map<string, unknown>();
    const createBinding = (key: string): unknown => {
      const kind = shape.props[key];
      if (key === '__esModule' && kind === 'primitive' && shape.esModule) return true;
      if (format === 'commonjs' && key !== 'default' && isDeferrableKind(shape.default_props?.[key])) {
        // A CommonJS package's named exports are properties of its default (module.exports): the default
        // stand-in hands out a deferred stand-in for the property, one identity for both reads.
        return (get('default') as Record<string, unknown>)[key];
      }
      return createStandIn({
        kind: kind as 'object',
        source: { get: () => read(key), isLoaded: () => loaded },
        ...(key === 'default' &&
          shape.default_props && {
            // module.exports carries the same __esModule marker as the namespace's named export.
            shape: {
              props: shape.default_props,
              esModule: format === 'commonjs' && shape.esModule,
              thenable: 'then' in shape.default_props,
            },
          }),
        onFirstUse,
      });
    };
    // Made when a facade first asks: a package with 300 exports whose importer takes one makes one.
    const get = (key: string): unknown => {
      if (!bindings.has(key)) bindings.set(key, createBinding(key));
      return bindings.get(key);
    };
    deferred.set(info.url, { name, strategy, load, isLoaded: () => loaded, get });
    return get;
  }

  const runtime = {
    start(info: FacadeInfo): void {
      deps.recorder.noteImport(info.name, info.strategy);
      starts.set(info.url, { at: nowMicros(), heap: process.memoryUsage().heapUsed });
    },
    end(info: FacadeInfo, ns: Record<string, unknown>): void {
      try {
        const started = starts.get(info.url);
        if (started !== undefined) {
          starts.delete(info.url);
          const micros = nowMicros() - started.at;
          deps.recorder.recordLoad(
            info.name,
            info.strategy,
            micros,
            true,
            process.memoryUsage().heapUsed - started.heap,
          );
        }
        if (info.reason !== undefined) {
          deps.recorder.recordNativeReason(info.name, info.strategy, info.reason);
          deps.debug(`${info.name}: ${info.strategy} → imported natively: ${info.reason}`);
        }
        // As for require(): a known shape is re-checked only where it is about to matter, in a deferring run.
        if (isDeferred(info.strategy) || !deps.hasShape(info.name, info.key)) learn(info, ns);
      } catch (error) {
        deps.fail(info.name, error);
      }
    },
    /**
     * The stand-ins of a package's defer facades, by export name; one set per package however many facades
     * ask. Null (the facade then loads the real module) when the shape the hooks used is not known here, or
     * on our own failure.
     */
    defer(info: FacadeInfo): ((key: string) => unknown) | null {
      try {
        const existing = deferred.get(info.url);
        if (existing !== undefined) return existing.get;
        const shape = deps.getShape(info.name, info.key);
        if (shape?.stamp !== info.stamp) return null;
        deps.recorder.noteImport(info.name, info.strategy);
        deps.recorder.observe(info.name, info.strategy);
        deps.debug(
          `${info.name}: ${info.strategy} → facade for ${info.key.slice(info.key.indexOf('/') + 1)}`,
        );
        return createDeferred(info, shape);
      } catch (error) {
        deps.fail(info.name, error);
        return null;
      }
    },
    /** Defer facades not yet loaded, for the idle queue. */
    getPending(): Pending[] {
      return [...deferred.values()].filter((e) => !e.isLoaded());
    },
    /** At exit: a binding that changed after evaluation means a facade would have frozen a stale value. */
    checkLiveBindings(): void {
      for (const { info, ns, values, shape } of learned.values()) {
        if (shape.unsafe !== undefined) continue;
        for (const [key, before] of values) {
          if (readBinding(ns, key).value !== before) {
            deps.recorder.recordShape(info.name, info.key, { ...shape, unsafe: LIVE });
            break;
          }
        }
      }
    },
  };
  return runtime;
}

export type EsmRuntime = ReturnType<typeof createEsmRuntime>;

export function setEsmRuntime(runtime: EsmRuntime): void {
  (globalThis as Record<symbol, unknown>)[Symbol.for(ESM_RUNTIME_KEY)] = runtime;
}

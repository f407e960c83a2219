// Installs ES module interception for this Node: in-thread hooks where module.registerHooks exists, else
// (Node 20.19–22.14) an off-thread module.register hook, and only when some package needs it there.
// The CommonJS path (Module._load, src/hooks/cjs.ts) stays as it is on every version: it is measured,
// tested and cheaper than a resolve hook on every require; the ESM hooks pass `require` conditions through.
import { fs, Module, path } from '../builtins.js';
import type { ShapeBook } from '../config/shape-book.js';
import { isDeferred, type LoadingStrategy } from '../config/strategies.js';
import { EAGER_PREFIX } from './esm-facade.js';
import {
  createEsmHooks,
  ESM_KEY_PREFIX,
  type LoadResult,
  type ResolveContext,
  type ResolveResult,
} from './esm-hooks.js';
import type { EsmLoaderData } from './esm-loader.js';
import { createEsmRuntime, type EsmRuntimeDeps, setEsmRuntime } from './esm-runtime.js';
import { getNodeSupport } from './node-support.js';

const { pathToFileURL } = process.getBuiltinModule('node:url');

type SyncHooks = {
  resolve(
    specifier: string,
    context: ResolveContext,
    next: (s: string, c?: ResolveContext) => ResolveResult,
  ): ResolveResult;
  load(url: string, context: object, next: (u: string, c?: object) => LoadResult): LoadResult;
};
// Not in @types/node 20: https://nodejs.org/api/module.html#moduleregisterhooksoptions
const moduleApi = Module as unknown as {
  registerHooks?: (hooks: SyncHooks) => { deregister(): void };
  register(specifier: string | URL, options: { data: unknown }): void;
};

export type EsmInstallDeps = EsmRuntimeDeps & {
  entry: string;
  /** Every package the preloader knows a strategy for, and the strategy of any other. */
  strategies: Map<string, LoadingStrategy>;
  defaultStrategy: LoadingStrategy;
  shapes: ShapeBook;
  /** Where importing modules' lexed imports are kept between runs. */
  usageCacheDir: string | undefined;
  /** Packages the app declares (for a default deferred strategy). */
  declared: readonly string[];
};

export type EsmInstall = {
  mode: 'in-thread' | 'off-thread' | 'none';
  /** What the preloader asks of the runtime: its pending facades, and the exit check. */
  runtime: Pick<ReturnType<typeof createEsmRuntime>, 'getPending' | 'checkLiveBindings'>;
  /** Whether eager/preload should load this package with import() rather than require(). */
  prefersImport(name: string): boolean;
  /** import() a package as the entry would resolve it; false when no ESM hooks are installed. */
  importNow(name: string): Promise<boolean>;
};

/** Whether the entry is an ES module: .mjs, or .js under a package.json with "type": "module". */
function isEsmEntry(entry: string): boolean {
  if (entry.endsWith('.mjs')) return true;
  if (!entry.endsWith('.js')) return false;
  for (let dir = path.dirname(entry); ; dir = path.dirname(dir)) {
    try {
      return (
        (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { type?: string }).type ===
        'module'
      );
    } catch {
      if (dir === path.dirname(dir)) return false;
    }
  }
}

/**
 * Node 20's off-thread hooks cost ~50 ms and 11 MB at every start (SPEC §11): registered only when a
 * deferred package has a facade-able ES module shape, or an ES module app has a deferred package whose
 * shape is not known yet (a learning run). Without them, Node 20 neither defers nor measures `import`.
 */
export function needsOffThreadHooks(
  deps: Pick<EsmInstallDeps, 'entry' | 'strategies' | 'defaultStrategy' | 'shapes' | 'declared'>,
): boolean {
  const deferredNames = [...deps.strategies].filter(([, s]) => isDeferred(s)).map(([name]) => name);
  if (isDeferred(deps.defaultStrategy))
    deferredNames.push(...deps.declared.filter((n) => !deps.strategies.has(n)));
  // From the index of learned keys alone: reading every shape to rule out an unsafe one is not worth it.
  const learned = deps.shapes.data.learned;
  const esmNames = Object.keys(learned).filter((name) =>
    learned[name]?.some((key) => key.startsWith(ESM_KEY_PREFIX)),
  );
  const deferredKeys = new Set(deferredNames);
  for (const name of esmNames) {
    if (deferredKeys.has(name) || (!deps.strategies.has(name) && isDeferred(deps.defaultStrategy)))
      return true;
  }
  if (!isEsmEntry(deps.entry)) return false;
  // Learning: a deferred package never seen, or a deferred default and no ES module shape known at all.
  if (isDeferred(deps.defaultStrategy) && esmNames.length === 0) return true;
  return deferredNames.some((name) => deps.shapes.keysOf(name).length === 0);
}

/** Installs for `import`; called only when some package is managed (bootstrap skips it otherwise). */
export function installEsm(deps: EsmInstallDeps): EsmInstall {
  const runtime = createEsmRuntime(deps);
  setEsmRuntime(runtime);
  const support = getNodeSupport();
  const entryUrl = pathToFileURL(deps.entry).href;
  let mode: EsmInstall['mode'] = 'none';

  if (support.registerHooks && moduleApi.registerHooks !== undefined) {
    const hooks = createEsmHooks(
      {
        entryUrl,
        strategyOf: (name) => deps.decide(name).strategy,
        shapeOf: deps.shapes.get,
        usageCacheDir: deps.usageCacheDir,
      },
      deps.fail,
    );
    // Never module.register here: deprecated where registerHooks exists (DEP0205).
    moduleApi.registerHooks({ resolve: hooks.resolveSync, load: hooks.loadSync });
    mode = 'in-thread';
  } else if (support.requireEsm && needsOffThreadHooks(deps)) {
    const data: EsmLoaderData = {
      entryUrl,
      defaultStrategy: deps.defaultStrategy,
      strategies: Object.fromEntries(deps.strategies),
      shapes: deps.shapes.data,
      usageCacheDir: deps.usageCacheDir,
    };
    // Beside the bundle (dist/preload.js), the loader's own bundle (dist/esm-loader.js): the hooks thread
    // loading tsc's 20 modules one by one kept the app waiting ~40 ms longer. Beside tsc's output, tsc's.
    moduleApi.register(new URL('./esm-loader.js', import.meta.url), { data });
    mode = 'off-thread';
  }
  deps.debug(`ES module hooks: ${mode} (node ${process.versions.node})`);

  return {
    mode,
    runtime,
    prefersImport(name) {
      const keys = deps.shapes.keysOf(name);
      if (keys.some((key) => key.startsWith(ESM_KEY_PREFIX))) return true;
      // Never seen: an ES module app most likely imports it (and require() cannot take top-level await).
      return mode !== 'none' && keys.length === 0 && isEsmEntry(deps.entry);
    },
    async importNow(name) {
      if (mode === 'none') return false;
      await import(`${EAGER_PREFIX}${name}`);
      return true;
    },
  };
}

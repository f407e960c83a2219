// Resolve and load hooks for `import`: a managed package's import is answered with a URL loadstrat owns
// (the real URL plus `?loadstrat-facade=<role>`), whose source it generates. Everything else goes to the
// next hook unchanged, so loaders registered before or after us (tsx, import-in-the-middle) keep working.
// The same factory serves module.registerHooks (in-thread) and module.register (Node 20, hooks thread).
import { parse as parseModule } from 'es-module-lexer/minimal';
import { fs } from '../builtins.js';
import { getPackageName } from '../config/package-name.js';
import type { Shape } from '../config/store-schema.js';
import { isDeferred, type LoadingStrategy } from '../config/strategies.js';
import { getPackageRoot, getShapeKey } from './cjs.js';
import {
  createDeferSource,
  createEmptySource,
  createEndSource,
  createObserveSource,
  createStartSource,
  EAGER_PREFIX,
  FACADE_PARAM,
  type FacadeInfo,
  type FacadeRole,
  getFacadeBlocker,
  getFacadeExports,
  getFacadeRole,
  getImporterBlocker,
  getRealUrl,
  toFacadeUrl,
} from './esm-facade.js';
import { ALL, getImportUsages, type ImportUsage, type LexedImport } from './import-usage.js';
import { createUsageCache, type UsageCache } from './usage-cache.js';

const { readFileSync, statSync } = fs;
const { fileURLToPath } = process.getBuiltinModule('node:url');

/** What the hooks need to know of the preloader's decisions; plain data, so it can cross to a hooks thread. */
export type EsmPolicy = {
  strategyOf(name: string): LoadingStrategy;
  shapeOf(name: string, key: string): Shape | undefined;
  /** The app's entry, as a file URL: eager and preload imports resolve from there. */
  entryUrl: string;
  /** Where importing modules' lexed imports are kept between runs (beside the store); none: lex every run. */
  usageCacheDir?: string;
};

export type ResolveContext = {
  conditions?: readonly string[];
  parentURL?: string;
  importAttributes?: object;
};
export type ResolveResult = {
  url: string;
  format?: string | null;
  shortCircuit?: boolean;
  importAttributes?: object;
};
export type LoadResult = {
  format?: string | null;
  source?: string | ArrayBuffer | Uint8Array | null;
  shortCircuit?: boolean;
};

export const ESM_KEY_PREFIX = 'import:';

/** The app's own code: a file outside node_modules (the entry, its modules, a workspace package). */
function isAppModule(url: string | undefined): boolean {
  return url?.startsWith('file:') === true && !url.includes('/node_modules/');
}

export function getStamp(file: string): string {
  const s = statSync(file);
  return `${s.size}:${Math.trunc(s.mtimeMs)}`;
}

type Lexed = readonly [readonly LexedImport[], readonly { n: string }[]];

/**
 * The WebAssembly build compiles itself synchronously on its first parse (2 ms, where the asm.js build's
 * first parse took 15–28 ms), so it runs in a synchronous hook. Bundled into the preloader: resolving and
 * loading it from node_modules at run time cost another ~6 ms.
 */
function lexSource(source: string): Lexed {
  return parseModule(source) as unknown as Lexed;
}

function lex(file: string): Lexed {
  return lexSource(readFileSync(file, 'utf8'));
}

/**
 * What one importing module takes from each specifier: from the cache when this version of it was lexed
 * before, else lexed (and cached); empty when its source cannot be read or lexed.
 */
function readImportUsages(parentURL: string | undefined, cache: UsageCache): Map<string, ImportUsage> {
  if (parentURL?.startsWith('file:') !== true) return new Map();
  try {
    const file = fileURLToPath(parentURL);
    // Finer than a package's stamp: the app's own modules are edited, and a stale list of names would
    // give an importer a facade without a name it now takes (a link error).
    const { size, mtimeMs, ctimeMs } = statSync(file);
    const stamp = `${size}:${mtimeMs}:${ctimeMs}`;
    const cached = cache.read(file, stamp);
    if (cached !== undefined) return cached;
    const source = readFileSync(file, 'utf8');
    let usages: Map<string, ImportUsage>;
    try {
      usages = getImportUsages(source, lexSource(source)[0]);
    } catch {
      // Not JavaScript the lexer reads (a loader before us may compile it): every import takes everything.
      usages = new Map();
    }
    cache.write(file, stamp, usages);
    return usages;
  } catch {
    return new Map();
  }
}

/** Whether an ES module has a default export of its own (`export *` never re-exports one). */
export function hasDefaultExport(file: string): boolean {
  return lex(file)[1].some((e) => e.n === 'default');
}

/**
 * The format of a `.js` file in a package without "type", which Node leaves open at resolve time and
 * decides by syntax at load (https://nodejs.org/api/packages.html#syntax-detection): most CommonJS
 * packages on npm. Module syntax is an export, a static import or import.meta (d −1 or −2).
 */
export function detectFormat(file: string): 'module' | 'commonjs' {
  if (file.endsWith('.mjs')) return 'module';
  if (file.endsWith('.cjs')) return 'commonjs';
  const [imports, exports] = lex(file);
  return exports.length > 0 || imports.some((i) => i.d === -1 || i.d === -2) ? 'module' : 'commonjs';
}

/** Why a deferred package cannot get a facade on this run, or its shape when it can. */
export function planEsmDeferral(shape: Shape | undefined, stamp: string): Shape | string {
  if (shape === undefined) return 'exports not known yet (learned on this run)';
  if (shape.stamp !== stamp) return 'package changed since its exports were learned';
  return getFacadeBlocker(shape) ?? shape;
}

export function createEsmHooks(policy: EsmPolicy, fail: (name: string | null, error: unknown) => void) {
  // Generated sources by URL; a URL is planned once per thread and its modules are cached by Node anyway.
  const sources = new Map<string, string>();

  /** Per importing module: what it takes from each specifier (lexed once, when it first imports a package). */
  const usages = new Map<string, Map<string, ImportUsage>>();
  const usageCache = createUsageCache(policy.usageCacheDir);
  function usageOf(parentURL: string | undefined, specifier: string): ImportUsage {
    const key = parentURL ?? '';
    let byParent = usages.get(key);
    if (byParent === undefined) {
      byParent = readImportUsages(parentURL, usageCache);
      usages.set(key, byParent);
    }
    return byParent.get(specifier) ?? ALL;
  }

  /** Defer facades by real URL and the names they export: importers taking the same names share one. */
  const facades = new Map<string, string>();
  function facadeFor(realUrl: string, names: readonly string[], describe: () => FacadeInfo): string {
    const id = `${realUrl}\0${names.join('\0')}`;
    let url = facades.get(id);
    if (url === undefined) {
      url = toFacadeUrl(realUrl, `defer-${facades.size}`);
      facades.set(id, url);
      sources.set(url, createDeferSource(describe(), names));
    }
    return url;
  }

  /** The facade URL for an import of `specifier` (package `name`) that Node resolved as `resolved`, or undefined to leave it. */
  function plan(
    specifier: string,
    name: string,
    resolved: ResolveResult,
    parentURL: string | undefined,
    ahead: boolean,
  ): string | undefined {
    const { url } = resolved;
    if (!url.startsWith('file:')) return undefined;
    const resolvedFormat = resolved.format;
    if (resolvedFormat !== 'module' && resolvedFormat !== 'commonjs' && resolvedFormat != null)
      return undefined;
    const observed = toFacadeUrl(url, 'observe');
    // Loaded natively for some importer already: it is evaluated anyway, every later importer shares it.
    if (sources.has(observed)) return observed;

    const file = fileURLToPath(url);
    const root = getPackageRoot(file, name);
    // Outside node_modules (a workspace link) or a package importing itself: not managed.
    if (root === undefined) return undefined;
    if (parentURL?.startsWith('file:') && fileURLToPath(parentURL).startsWith(root)) return undefined;

    const strategy = policy.strategyOf(name);
    // Observing an import costs three generated modules (~1 ms a package on Node 24): an on_demand import
    // is measured where the app itself imports it, and left to Node inside packages (the app's import of a
    // package times its whole graph). What the user loses: separate times for transitive ES module packages.
    if (strategy === 'on_demand' && !isAppModule(parentURL)) return undefined;
    const key = `${ESM_KEY_PREFIX}${getShapeKey(file)}`;
    const stamp = getStamp(file);
    let reason: string | undefined;
    const shape = policy.shapeOf(name, key);
    // A shape learned from this very file knows its format: no need to lex a large CommonJS file to tell.
    const format = resolvedFormat ?? (shape?.stamp === stamp ? shape.format : undefined);
    const describe = (): FacadeInfo => ({
      name,
      url,
      file,
      key,
      stamp,
      format: format ?? detectFormat(file),
      strategy,
    });
    // Loading ahead of use (eager, preload) evaluates the real module: a defer facade would not.
    if (isDeferred(strategy) && !ahead) {
      const deferral = planEsmDeferral(shape, stamp);
      if (typeof deferral === 'string') reason = deferral;
      else {
        const usage = usageOf(parentURL, specifier);
        reason = getImporterBlocker(deferral, usage);
        if (reason === undefined) {
          const names = usage === ALL ? getFacadeExports(deferral) : [...usage].sort();
          return facadeFor(url, names, describe);
        }
      }
    }
    const info = describe();
    if (reason !== undefined) info.reason = reason;
    const hasDefault =
      info.format === 'commonjs' ||
      (shape?.stamp === stamp ? Object.hasOwn(shape.props, 'default') : hasDefaultExport(file));
    sources.set(toFacadeUrl(url, 'start'), createStartSource(info));
    sources.set(toFacadeUrl(url, 'end'), createEndSource(info));
    sources.set(observed, createObserveSource(url, hasDefault));
    return observed;
  }

  function isImport(context: ResolveContext): boolean {
    return context.conditions?.includes('import') === true;
  }

  /** Our own URLs resolve to themselves; undefined for everyone else's. */
  function resolveOwn(specifier: string): ResolveResult | undefined {
    if (!specifier.includes(FACADE_PARAM)) return undefined;
    const role = getFacadeRole(specifier);
    return role === undefined ? undefined : { url: specifier, format: 'module', shortCircuit: true };
  }

  function afterResolve(
    specifier: string,
    context: ResolveContext,
    resolved: ResolveResult,
    ahead = false,
  ): ResolveResult {
    if (!isImport(context)) return resolved;
    const name = getPackageName(specifier);
    if (name === undefined) return resolved;
    try {
      const facade = plan(specifier, name, resolved, context.parentURL, ahead);
      return facade === undefined
        ? resolved
        : { ...resolved, url: facade, format: 'module', shortCircuit: true };
    } catch (error) {
      fail(name, error);
      return resolved;
    }
  }

  const empty = { url: `${EAGER_PREFIX}${FACADE_PARAM}=empty`, format: 'module', shortCircuit: true };

  function ownSource(url: string, role: FacadeRole): LoadResult {
    if (role === 'empty') return { format: 'module', source: createEmptySource(), shortCircuit: true };
    const source = sources.get(url);
    // Planned in another thread (cannot happen with one hook chain per thread): re-export the real module.
    return {
      format: 'module',
      source: source ?? `export * from ${JSON.stringify(getRealUrl(url))};`,
      shortCircuit: true,
    };
  }

  return {
    /** module.registerHooks: synchronous. https://nodejs.org/api/module.html#resolvespecifier-context-nextresolve */
    resolveSync(
      specifier: string,
      context: ResolveContext,
      nextResolve: (specifier: string, context?: ResolveContext) => ResolveResult,
    ): ResolveResult {
      const own = resolveOwn(specifier);
      if (own !== undefined) return own;
      if (specifier.startsWith(EAGER_PREFIX)) {
        const name = specifier.slice(EAGER_PREFIX.length);
        let resolved: ResolveResult;
        try {
          resolved = nextResolve(name, { ...context, parentURL: policy.entryUrl });
        } catch {
          return empty;
        }
        return afterResolve(name, context, resolved, true);
      }
      return afterResolve(specifier, context, nextResolve(specifier, context));
    },
    async resolveAsync(
      specifier: string,
      context: ResolveContext,
      nextResolve: (specifier: string, context?: ResolveContext) => Promise<ResolveResult>,
    ): Promise<ResolveResult> {
      const own = resolveOwn(specifier);
      if (own !== undefined) return own;
      if (specifier.startsWith(EAGER_PREFIX)) {
        const name = specifier.slice(EAGER_PREFIX.length);
        try {
          return afterResolve(
            name,
            context,
            await nextResolve(name, { ...context, parentURL: policy.entryUrl }),
            true,
          );
        } catch {
          return empty;
        }
      }
      return afterResolve(specifier, context, await nextResolve(specifier, context));
    },
    loadSync(
      url: string,
      context: object,
      nextLoad: (url: string, context?: object) => LoadResult,
    ): LoadResult {
      const role = url.includes(FACADE_PARAM) ? getFacadeRole(url) : undefined;
      return role === undefined ? nextLoad(url, context) : ownSource(url, role);
    },
    async loadAsync(
      url: string,
      context: object,
      nextLoad: (url: string, context?: object) => Promise<LoadResult>,
    ): Promise<LoadResult> {
      const role = url.includes(FACADE_PARAM) ? getFacadeRole(url) : undefined;
      return role === undefined ? nextLoad(url, context) : ownSource(url, role);
    },
  };
}

// The hooks module Node 20 runs in its hooks thread (module.register). It knows only what the preloader
// passed in `data`: https://nodejs.org/api/module.html#initialize
import { openShapeBook, type ShapeBookData } from '../config/shape-book.js';
import type { LoadingStrategy } from '../config/strategies.js';
import { WarningCode } from '../errors.js';
import { createEsmHooks, type LoadResult, type ResolveContext, type ResolveResult } from './esm-hooks.js';

export type EsmLoaderData = {
  entryUrl: string;
  defaultStrategy: LoadingStrategy;
  strategies: Record<string, LoadingStrategy>;
  /** The preloader's learned shapes, opened again here: each package's file is read when first needed. */
  shapes: ShapeBookData;
  usageCacheDir: string | undefined;
};

let hooks: ReturnType<typeof createEsmHooks> | undefined;
const warned = new Set<string>();

export function initialize(data: EsmLoaderData): void {
  const shapes = openShapeBook(data.shapes);
  hooks = createEsmHooks(
    {
      entryUrl: data.entryUrl,
      strategyOf: (name) => data.strategies[name] ?? data.defaultStrategy,
      shapeOf: shapes.get,
      usageCacheDir: data.usageCacheDir,
    },
    (name, error) => {
      if (warned.has(name ?? '')) return;
      warned.add(name ?? '');
      process.emitWarning(
        `loadstrat: internal error${name ? ` while handling '${name}'` : ''}, loading it as plain Node does: ${(error as Error)?.message ?? error}`,
        { code: WarningCode.InternalFallback },
      );
    },
  );
}

export function resolve(
  specifier: string,
  context: ResolveContext,
  nextResolve: (specifier: string, context?: ResolveContext) => Promise<ResolveResult>,
): Promise<ResolveResult> {
  return hooks === undefined
    ? nextResolve(specifier, context)
    : hooks.resolveAsync(specifier, context, nextResolve);
}

export function load(
  url: string,
  context: object,
  nextLoad: (url: string, context?: object) => Promise<LoadResult>,
): Promise<LoadResult> {
  return hooks === undefined ? nextLoad(url, context) : hooks.loadAsync(url, context, nextLoad);
}

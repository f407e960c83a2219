// Source text of the modules loadstrat generates for `import`: pure string building, usable in the hooks
// thread (Node 20, module.register) as well as in-thread (module.registerHooks).
import type { ExportKind, Shape } from '../config/store-schema.js';
import type { LoadingStrategy } from '../config/strategies.js';
import { ALL, BARE, type ImportUsage } from './import-usage.js';
import { isDeferrableKind } from './shape.js';

/** Query parameter that marks a URL as one loadstrat made; every other URL is left to the next hook. */
export const FACADE_PARAM = 'loadstrat-facade';
/** `import('loadstrat:eager?<name>')` from the preloader: resolve `<name>` from the app's entry, load it. */
export const EAGER_PREFIX = 'loadstrat:eager?';
/** The global the generated modules call into, set by the preloader in the main thread. */
export const ESM_RUNTIME_KEY = 'loadstrat.esm';

/**
 * observe: the real module, re-exported between two timing marks (and its namespace learned);
 * defer: stand-ins that load the real module at first use; start/end: the timing marks; empty: nothing.
 */
export type FacadeRole = 'observe' | 'defer' | 'start' | 'end' | 'empty';

/** What a generated module tells the preloader's runtime about the import it stands for. */
export type FacadeInfo = {
  name: string;
  url: string;
  file: string;
  /** The shape's key in the store: `import:` + the file's path below node_modules. */
  key: string;
  stamp: string;
  format: 'module' | 'commonjs';
  strategy: LoadingStrategy;
  /** A deferred strategy that fell back to a native load: why. */
  reason?: string;
};

export function toFacadeUrl(realUrl: string, role: FacadeRole | `defer-${number}`): string {
  return `${realUrl}${realUrl.includes('?') ? '&' : '?'}${FACADE_PARAM}=${role}`;
}

/** The role of a URL loadstrat made, or undefined for anyone else's. */
export function getFacadeRole(url: string): FacadeRole | undefined {
  const at = url.lastIndexOf(`${FACADE_PARAM}=`);
  if (at < 1 || (url[at - 1] !== '?' && url[at - 1] !== '&')) return undefined;
  const role = url.slice(at + FACADE_PARAM.length + 1);
  if (role === 'observe' || role === 'defer' || role === 'start' || role === 'end' || role === 'empty')
    return role;
  // `defer-<n>`: a facade with only the names some importers take.
  return /^defer-\d+$/.test(role) ? 'defer' : undefined;
}

export function getRealUrl(facadeUrl: string): string {
  return facadeUrl.slice(0, facadeUrl.lastIndexOf(`${FACADE_PARAM}=`) - 1);
}

const runtime = `globalThis[Symbol.for(${JSON.stringify(ESM_RUNTIME_KEY)})]`;

/** Why no facade can stand in for this namespace faithfully, whoever imports it; undefined when one can. */
export function getFacadeBlocker(shape: Shape): string | undefined {
  return shape.unsafe;
}

/** Whether a facade exports this name: every export but primitives (`__esModule: true` is a constant). */
function isFacadeExport(shape: Shape, name: string): boolean {
  return isDeferrableKind(shape.props[name]) || (name === '__esModule' && shape.esModule);
}

/** The export names a facade provides, in the namespace's order. */
export function getFacadeExports(shape: Shape): string[] {
  return Object.keys(shape.props).filter((name) => isFacadeExport(shape, name));
}

const list = (names: readonly string[]) => `${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}`;

/**
 * Why this importer cannot be given the facade, or undefined when it can. An export binding is a value at
 * link time: a number or string cannot be produced later, so an importer that takes one (by name, or with
 * a namespace that may read any) gets the real module. An import without bindings wants the evaluation.
 */
export function getImporterBlocker(shape: Shape, usage: ImportUsage): string | undefined {
  if (usage === BARE) return 'imported for its side effects (an import without bindings)';
  const taken = usage === ALL ? Object.keys(shape.props) : [...usage];
  const unknown = taken.filter((name) => !Object.hasOwn(shape.props, name));
  if (unknown.length > 0) return `imports ${list(unknown)}, not among its learned exports`;
  const primitive = taken.filter((name) => !isFacadeExport(shape, name));
  if (primitive.length === 0) return undefined;
  return `${usage === ALL ? 'a namespace import reads' : 'imports'} a primitive export (${list(primitive)})`;
}

/**
 * Re-exports the real module between two marks: `start` evaluates right before it and `end` right after
 * it (module requests evaluate in source order), so the two time its evaluation, top-level await included.
 */
export function createObserveSource(realUrl: string, hasDefault: boolean): string {
  const real = JSON.stringify(realUrl);
  return [
    `import ${JSON.stringify(toFacadeUrl(realUrl, 'start'))};`,
    `export * from ${real};`,
    hasDefault ? `export { default } from ${real};` : '',
    `import ${JSON.stringify(toFacadeUrl(realUrl, 'end'))};`,
  ].join('\n');
}

export function createStartSource(info: FacadeInfo): string {
  return `${runtime}?.start(${JSON.stringify(info)});`;
}

export function createEndSource(info: FacadeInfo): string {
  return `import * as ns from ${JSON.stringify(info.url)};\n${runtime}?.end(${JSON.stringify(info)}, ns);`;
}

/**
 * One binding per export this facade's importers take, each a stand-in from the preloader's runtime, which
 * makes each stand-in once per package however many facades (one per distinct set of names) ask for it.
 * Without the runtime (a thread where the preloader did not start) the real module is required at once:
 * correct values, no deferral.
 */
export function createDeferSource(info: FacadeInfo, names: readonly string[]): string {
  const file = JSON.stringify(info.file);
  const real =
    info.format === 'commonjs'
      ? `(k) => (k === 'default' || k === 'module.exports' ? m : m[k])`
      : '(k) => m[k]';
  const lines = [
    `const get = ${runtime}?.defer(${JSON.stringify(info)}) ?? ((m) => ${real})(process.getBuiltinModule('node:module').createRequire(${file})(${file}));`,
  ];
  names.forEach((name, i) => {
    lines.push(`const e${i} = get(${JSON.stringify(name)});`, `export { e${i} as ${JSON.stringify(name)} };`);
  });
  return lines.join('\n');
}

export function createEmptySource(): string {
  return 'export {};';
}

export type { ExportKind };

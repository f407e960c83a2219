// Source text of the modules loadstrat generates for `import`: pure string building, usable in the hooks
// thread (Node 20, module.register) as well as in-thread (module.registerHooks).
import type { ExportKind, Shape } from '../config/store-schema.js';
import type { LoadingStrategy } from '../config/strategies.js';
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
  /** The learned shape a `defer` facade is built from. */
  shape?: Shape;
};

export function toFacadeUrl(realUrl: string, role: FacadeRole): string {
  return `${realUrl}${realUrl.includes('?') ? '&' : '?'}${FACADE_PARAM}=${role}`;
}

/** The role of a URL loadstrat made, or undefined for anyone else's. */
export function getFacadeRole(url: string): FacadeRole | undefined {
  const at = url.lastIndexOf(`${FACADE_PARAM}=`);
  if (at < 1 || (url[at - 1] !== '?' && url[at - 1] !== '&')) return undefined;
  const role = url.slice(at + FACADE_PARAM.length + 1);
  return role === 'observe' || role === 'defer' || role === 'start' || role === 'end' || role === 'empty'
    ? role
    : undefined;
}

export function getRealUrl(facadeUrl: string): string {
  return facadeUrl.slice(0, facadeUrl.lastIndexOf(`${FACADE_PARAM}=`) - 1);
}

const runtime = `globalThis[Symbol.for(${JSON.stringify(ESM_RUNTIME_KEY)})]`;

/** Why no facade can stand in for this namespace faithfully, or undefined when one can. */
export function getFacadeBlocker(shape: Shape): string | undefined {
  if (shape.unsafe !== undefined) return shape.unsafe;
  const names = Object.keys(shape.props);
  // `__esModule: true` is the interop marker compiled CommonJS carries: a constant, exported as such.
  const primitive = names.filter(
    (n) => !isDeferrableKind(shape.props[n]) && !(n === '__esModule' && shape.esModule),
  );
  // An export binding is a value at link time: a number or string cannot be produced later.
  if (primitive.length > 0) return `exports a primitive value (${primitive.slice(0, 3).join(', ')})`;
  return undefined;
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
 * One binding per export, each a stand-in from the preloader's runtime. Without the runtime (a thread
 * where the preloader did not start) the real module is required at once: correct values, no deferral.
 */
export function createDeferSource(info: FacadeInfo & { shape: Shape }): string {
  const names = Object.keys(info.shape.props);
  const file = JSON.stringify(info.file);
  const fallback =
    info.format === 'commonjs'
      ? `((m) => Object.assign({}, m, { default: m, 'module.exports': m }))`
      : '((m) => m)';
  const lines = [
    `const s = ${runtime}?.defer(${JSON.stringify(info)}) ?? ${fallback}(process.getBuiltinModule('node:module').createRequire(${file})(${file}));`,
  ];
  names.forEach((name, i) => {
    lines.push(`const e${i} = s[${JSON.stringify(name)}];`, `export { e${i} as ${JSON.stringify(name)} };`);
  });
  return lines.join('\n');
}

export function createEmptySource(): string {
  return 'export {};';
}

export type { ExportKind };

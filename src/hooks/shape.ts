import type { ExportKind, Shape } from '../config/store-schema.js';

export function getExportKind(value: unknown): ExportKind {
  if (value === null) return 'null';
  if (typeof value === 'function') return Object.hasOwn(value, 'prototype') ? 'function' : 'arrow';
  if (typeof value === 'object') return Array.isArray(value) ? 'array' : 'object';
  return 'primitive';
}

/** Whether two props maps name the same exports with the same kinds, in any order. */
export function hasSameProps(a: Shape['props'], b: Shape['props']): boolean {
  const keys = Object.keys(b);
  return Object.keys(a).length === keys.length && keys.every((key) => a[key] === b[key]);
}

/** Kinds a stand-in can imitate: the ones whose typeof and traps a Proxy reproduces. */
export function isDeferrableKind(
  kind: ExportKind | undefined,
): kind is 'function' | 'arrow' | 'object' | 'array' {
  return kind === 'function' || kind === 'arrow' || kind === 'object' || kind === 'array';
}

// A getter that only returns a binding: `function () { return m_1.x; }` (tsc, Babel, swc, Rollup),
// `() => x` (esbuild's __export), `function() { return m[k]; }` (tsc's __createBinding), `get x() { return y.x; }`.
const BINDING = String.raw`[\w$]+(?:\.[\w$]+|\[[\w$'"]+\])*`;
const RE_EXPORT_GETTER = new RegExp(
  String.raw`^(?:function\s*[\w$]*|get\s+[\w$]+|[\w$]+)?\s*\(\s*\)\s*(?:=>\s*${BINDING}\s*$|(?:=>\s*)?\{\s*return\s+${BINDING}\s*;?\s*\}$)`,
);

/** Whether reading this getter has no effect beyond returning another module's export. */
export function isReExportGetter(getter: Function): boolean {
  try {
    return RE_EXPORT_GETTER.test(Function.prototype.toString.call(getter));
  } catch {
    return false;
  }
}

/**
 * Learn what a natively loaded module exports. Compiled re-exports
 * (`Object.defineProperty(exports, 'x', { enumerable: true, get })`) are how most packages export, so their
 * getters are read. Any other getter is not: it may count its reads or require a submodule on first access
 * (a package's own lazy loading), and learning must not change what the app sees. Its kind stays unknown
 * ('primitive'), so reading it from a stand-in loads the module.
 */
export function learnShape(value: unknown, stamp: string): Shape {
  const kind = getExportKind(value);
  const props: Record<string, ExportKind> = {};
  let esModule = false;
  let thenable = false;
  if (kind !== 'primitive' && kind !== 'null') {
    const object = value as Record<string, unknown>;
    for (const key of Object.getOwnPropertyNames(object)) {
      const descriptor = Object.getOwnPropertyDescriptor(object, key);
      if (descriptor === undefined) continue;
      if ('value' in descriptor) props[key] = getExportKind(descriptor.value);
      else if (descriptor.enumerable && descriptor.get && isReExportGetter(descriptor.get)) {
        try {
          props[key] = getExportKind(descriptor.get.call(object));
        } catch {
          props[key] = 'primitive';
        }
      } else props[key] = 'primitive';
    }
    try {
      esModule = object.__esModule === true;
      thenable = typeof object.then === 'function';
    } catch {
      thenable = true;
    }
  }
  const shape: Shape = { stamp, kind, props, esModule, thenable };
  if (kind === 'object' && isEmptyPlainObject(value as object)) shape.empty = true;
  return shape;
}

function isEmptyPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) && Reflect.ownKeys(value).length === 0;
}

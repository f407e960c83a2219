import type { ExportKind, Shape } from '../config/store-schema.js';

export function getExportKind(value: unknown): ExportKind {
  if (value === null) return 'null';
  if (typeof value === 'function') return Object.hasOwn(value, 'prototype') ? 'function' : 'arrow';
  if (typeof value === 'object') return Array.isArray(value) ? 'array' : 'object';
  return 'primitive';
}

/** Kinds a stand-in can imitate: the ones whose typeof and traps a Proxy reproduces. */
export function isDeferrableKind(kind: ExportKind | undefined): kind is 'function' | 'arrow' | 'object' | 'array' {
  return kind === 'function' || kind === 'arrow' || kind === 'object' || kind === 'array';
}

/**
 * Learn what a natively loaded module exports. Enumerable getters are read: compiled re-exports
 * (`Object.defineProperty(exports, 'x', { enumerable: true, get })`) are how most packages export.
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
      else if (descriptor.enumerable && descriptor.get) {
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
  return { stamp, kind, props, esModule, thenable };
}

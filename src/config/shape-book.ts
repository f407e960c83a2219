// Learned shapes as a booting process reads them: the index of learned keys from the boot view, and each
// package's shapes read from its file the first time a deferred load asks (boot-view.ts writes them).
import { type BootView, readShapeFile } from './boot-view.js';
import { getStorePaths } from './store-file.js';
import type { Shape } from './store-schema.js';

/** Plain data, so a hooks thread (Node 20) can open the same book. */
export type ShapeBookData = {
  dir: string;
  shapes: BootView['shapes'];
  shape_files: BootView['shape_files'];
  learned: BootView['learned'];
};

export type ShapeBook = {
  /** A learned shape, read from disk at the package's first lookup. */
  get(name: string, key: string): Shape | undefined;
  /** The keys learned for a package, from the index alone. */
  keysOf(name: string): readonly string[];
  data: ShapeBookData;
};

export function getShapeBookData(view: BootView | null, storePath: string): ShapeBookData {
  return {
    dir: getStorePaths(storePath).shapes,
    shapes: view?.shapes ?? {},
    // A fleet server older than shape files sends none.
    shape_files: view?.shape_files ?? {},
    learned: view?.learned ?? {},
  };
}

export function openShapeBook(data: ShapeBookData): ShapeBook {
  const read = new Map<string, Record<string, Shape> | undefined>();
  const shapesOf = (name: string): Record<string, Shape> | undefined => {
    const inline = data.shapes[name];
    if (inline !== undefined) return inline;
    if (!read.has(name)) {
      const hash = data.shape_files[name];
      read.set(name, hash === undefined ? undefined : readShapeFile(data.dir, name, hash));
    }
    return read.get(name);
  };
  return {
    get: (name, key) => shapesOf(name)?.[key],
    keysOf: (name) => data.learned[name] ?? Object.keys(data.shapes[name] ?? {}),
    data,
  };
}

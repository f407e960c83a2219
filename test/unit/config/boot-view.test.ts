import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { inlineShapes, readBootView, writeBootView } from '../../../src/config/boot-view.js';
import { getShapeBookData, openShapeBook } from '../../../src/config/shape-book.js';
import { createEmptyStore, type Shape, type StoreData } from '../../../src/config/store-schema.js';
import { createTempStore } from '../../helpers/run.js';

const shape = (props: Shape['props']): Shape => ({
  stamp: '1:2',
  kind: 'object',
  props,
  esModule: false,
  thenable: false,
});

function storeWith(shapes: Record<string, Record<string, Shape>>): StoreData {
  const store = createEmptyStore();
  for (const [name, byKey] of Object.entries(shapes))
    store.packages[name] = { shapes: byKey, native_reasons: {}, last_strategy: null, last_seen: null };
  return store;
}

/** What a writer does under the lock: the store, then the view beside it. */
function write(path: string, store: StoreData): void {
  writeFileSync(path, JSON.stringify(store));
  writeBootView(path, store);
}

describe('learned shapes beside the boot view', () => {
  it('keeps one file per package, read only when a package is looked up', () => {
    const { store: path } = createTempStore();
    write(
      path,
      storeWith({
        lodash: { 'lodash/lodash.js': shape({ chunk: 'function' }) },
        '@aws-sdk/client-s3': { 'client-s3/index.js': shape({ S3Client: 'function' }) },
      }),
    );
    const view = readBootView(path);
    expect(view).toMatchObject({
      shapes: {},
      learned: { lodash: ['lodash/lodash.js'], '@aws-sdk/client-s3': ['client-s3/index.js'] },
    });
    expect(readdirSync(`${path}.d/shapes`).sort()).toEqual([
      `%40aws-sdk%2Fclient-s3.${view?.shape_files['@aws-sdk/client-s3']}.json`,
      `lodash.${view?.shape_files.lodash}.json`,
    ]);
    const book = openShapeBook(getShapeBookData(view, path));
    expect(book.keysOf('lodash')).toEqual(['lodash/lodash.js']);
    expect(book.get('@aws-sdk/client-s3', 'client-s3/index.js')?.props).toEqual({ S3Client: 'function' });
    expect(book.get('moment', 'moment/moment.js')).toBeUndefined();
  });

  it('rewrites only the packages that changed, and removes the files no view names', () => {
    const { store: path } = createTempStore();
    const shapes = { a: { 'a/i.js': shape({ f: 'function' }) }, b: { 'b/i.js': shape({ g: 'function' }) } };
    write(path, storeWith(shapes));
    const before = readBootView(path)!;
    const aFile = `${path}.d/shapes/a.${before.shape_files.a}.json`;
    const aTime = statSync(aFile).mtimeMs;
    write(path, storeWith({ ...shapes, b: { 'b/i.js': shape({ g: 'function', h: 'object' }) } }));
    const after = readBootView(path)!;
    expect(after.shape_files.a).toBe(before.shape_files.a);
    expect(after.shape_files.b).not.toBe(before.shape_files.b);
    expect(statSync(aFile).mtimeMs).toBe(aTime);
    expect(readdirSync(`${path}.d/shapes`)).toHaveLength(2);
  });

  it('a file gone since the view was read is a shape not known (learned again), never an error', () => {
    const { store: path } = createTempStore();
    write(path, storeWith({ a: { 'a/i.js': shape({ f: 'function' }) } }));
    const view = readBootView(path)!;
    write(path, storeWith({ a: { 'a/i.js': shape({ f: 'arrow' }) } }));
    expect(openShapeBook(getShapeBookData(view, path)).get('a', 'a/i.js')).toBeUndefined();
  });

  it('a stale view is rebuilt from the store with every shape inline; a fleet server sends them inline', () => {
    const { store: path } = createTempStore();
    const store = storeWith({ a: { 'a/i.js': shape({ f: 'function' }) } });
    write(path, store);
    writeFileSync(path, `${JSON.stringify(store)}\n`);
    const stale = readBootView(path)!;
    expect(stale.shapes.a?.['a/i.js']?.props).toEqual({ f: 'function' });
    write(path, store);
    const sent = inlineShapes(readBootView(path)!, path);
    expect(sent).toMatchObject({
      shape_files: {},
      shapes: { a: { 'a/i.js': { props: { f: 'function' } } } },
    });
  });
});

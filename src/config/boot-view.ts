import { fs, path } from '../builtins.js';
import { decodeShapes, encodeShapes } from './shape-codec.js';
import { getStorePaths, parseStore, writeFileAtomicSync } from './store-file.js';
import type { AbTest, PackageConfiguration, Shape, StoreData } from './store-schema.js';
import type { LoadingStrategy } from './strategies.js';

const { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } = fs;
const { join } = path;

/** How far back "recent" reaches for `performance_threshold`. */
export const RECENT_WINDOW_MS = 7 * 24 * 3_600_000;

/**
 * The part of the store a booting process needs, kept beside it so a boot never parses a year of
 * performance buckets. It names the store's size and mtime: a stale view (the store was edited by hand)
 * is ignored and the store itself is read.
 */
export type BootView = {
  stamp: string;
  global_default_strategy: LoadingStrategy;
  configurations: Pick<
    PackageConfiguration,
    | 'package_name'
    | 'strategy'
    | 'configuration_type'
    | 'priority'
    | 'enabled'
    | 'performance_threshold'
    | 'fallback_strategy'
  >[];
  ab_tests: Pick<
    AbTest,
    'test_id' | 'package_name' | 'strategy_a' | 'strategy_b' | 'traffic_split' | 'seed'
  >[];
  /** Mean load time in seconds over the recent window, per package and strategy. */
  recent_load_time: Record<string, Partial<Record<LoadingStrategy, number>>>;
  /**
   * Shapes carried in the view itself: a view built from the store (the kept one was stale) or sent by a
   * fleet server. A kept view carries none: see shape_files.
   */
  shapes: Record<string, Record<string, Shape>>;
  /**
   * Every learned package's shapes file in `<store>.d/shapes/`, by the hash of its content: a boot reads a
   * package's file when it first meets the package deferred (a learned store holds hundreds of shapes, and
   * parsing them all cost ~10 ms a boot).
   */
  shape_files: Record<string, string>;
  /** Every package's learned keys, so a run that does not defer a package does not learn it again. */
  learned: Record<string, string[]>;
};

export function getStoreStamp(storePath: string): string | null {
  try {
    const s = statSync(storePath);
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return null;
  }
}

function collectShapes(store: StoreData): BootView['shapes'] {
  const shapes: BootView['shapes'] = {};
  for (const [name, facts] of Object.entries(store.packages)) {
    if (Object.keys(facts.shapes ?? {}).length > 0) shapes[name] = facts.shapes;
  }
  return shapes;
}

/** The view of a store; with `shapeFiles`, shapes stay in their files, else they are carried inline. */
export function createBootView(
  store: StoreData,
  stamp: string,
  now = Date.now(),
  shapeFiles?: Record<string, string>,
): BootView {
  const recent: Record<string, Partial<Record<LoadingStrategy, { n: number; sum: number }>>> = {};
  for (const b of store.performance) {
    if (now - Date.parse(b.bucket) > RECENT_WINDOW_MS || b.count === 0) continue;
    const perStrategy = (recent[b.package_name] ??= {});
    const m = (perStrategy[b.strategy] ??= { n: 0, sum: 0 });
    m.n += b.count;
    m.sum += b.sum;
  }
  const recentLoadTime: BootView['recent_load_time'] = {};
  for (const [name, perStrategy] of Object.entries(recent)) {
    recentLoadTime[name] = Object.fromEntries(Object.entries(perStrategy).map(([s, m]) => [s, m.sum / m.n]));
  }
  return {
    stamp,
    global_default_strategy: store.global_default_strategy,
    configurations: store.configurations.map((c) => ({
      package_name: c.package_name,
      strategy: c.strategy,
      configuration_type: c.configuration_type,
      priority: c.priority,
      enabled: c.enabled,
      performance_threshold: c.performance_threshold,
      fallback_strategy: c.fallback_strategy,
    })),
    ab_tests: store.ab_tests
      .filter((t) => t.status === 'active')
      .map((t) => ({
        test_id: t.test_id,
        package_name: t.package_name,
        strategy_a: t.strategy_a,
        strategy_b: t.strategy_b,
        traffic_split: t.traffic_split,
        seed: t.seed,
      })),
    recent_load_time: recentLoadTime,
    shapes: shapeFiles === undefined ? collectShapes(store) : {},
    shape_files: shapeFiles ?? {},
    learned: Object.fromEntries(
      Object.entries(store.packages)
        .filter(([, facts]) => Object.keys(facts.shapes ?? {}).length > 0)
        .map(([name, facts]) => [name, Object.keys(facts.shapes)]),
    ),
  };
}

/** A package's shapes file: its name made safe for a file name, and the hash of the content. */
export function getShapeFileName(name: string, hash: string): string {
  return `${encodeURIComponent(name)}.${hash}.json`;
}

/**
 * Each package's shapes in a file named by its content's hash: unchanged packages are not rewritten, a
 * boot validates nothing (a name is its content), and files no view names any more are removed after
 * the new view is in place.
 */
function writeShapeFiles(dir: string, store: StoreData): Record<string, string> {
  mkdirSync(dir, { recursive: true });
  // Only writers hash: node:crypto costs a boot ~14 ms to load.
  const { createHash } = process.getBuiltinModule('node:crypto');
  const files: Record<string, string> = {};
  for (const [name, facts] of Object.entries(store.packages)) {
    if (Object.keys(facts.shapes ?? {}).length === 0) continue;
    const json = encodeShapes(facts.shapes);
    const hash = createHash('sha256').update(json).digest('hex').slice(0, 16);
    const file = join(dir, getShapeFileName(name, hash));
    if (!existsSync(file)) writeFileAtomicSync(file, json);
    files[name] = hash;
  }
  return files;
}

function removeUnnamedShapeFiles(dir: string, files: Record<string, string>): void {
  const named = new Set(Object.entries(files).map(([name, hash]) => getShapeFileName(name, hash)));
  for (const file of readdirSync(dir)) {
    if (!named.has(file)) rmSync(join(dir, file), { force: true });
  }
}

/** Called by every writer of the store, under its lock, right after the store was written. */
export function writeBootView(storePath: string, store: StoreData): void {
  const stamp = getStoreStamp(storePath);
  if (stamp === null) return;
  const paths = getStorePaths(storePath);
  const files = writeShapeFiles(paths.shapes, store);
  writeFileAtomicSync(paths.bootView, JSON.stringify(createBootView(store, stamp, Date.now(), files)));
  removeUnnamedShapeFiles(paths.shapes, files);
}

/** One package's shapes file; undefined when it is gone (a writer replaced it since the view was read). */
export function readShapeFile(dir: string, name: string, hash: string): Record<string, Shape> | undefined {
  try {
    return decodeShapes(readFileSync(join(dir, getShapeFileName(name, hash)), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Every shape inline, for a reader that cannot open the files beside the store (a fleet process). */
export function inlineShapes(view: BootView, storePath: string): BootView {
  const dir = getStorePaths(storePath).shapes;
  const shapes = { ...view.shapes };
  for (const [name, hash] of Object.entries(view.shape_files)) {
    const read = readShapeFile(dir, name, hash);
    if (read !== undefined) shapes[name] = read;
  }
  return { ...view, shapes, shape_files: {} };
}

/** The boot's read: the view when it is current, else the store itself; null when there is no store. */
export function readBootView(storePath: string): BootView | null {
  const stamp = getStoreStamp(storePath);
  if (stamp === null) return null;
  try {
    const view = JSON.parse(readFileSync(getStorePaths(storePath).bootView, 'utf8')) as BootView;
    if (view.stamp === stamp) return view;
  } catch {
    // No view yet, or a broken one: the store is the truth.
  }
  // The store is parsed anyway: every shape it has comes along.
  return createBootView(parseStore(readFileSync(storePath, 'utf8'), storePath), stamp);
}

import { fs } from '../builtins.js';
import { getStorePaths, parseStore, writeFileAtomicSync } from './store-file.js';
import type { AbTest, PackageConfiguration, Shape, StoreData } from './store-schema.js';
import { isDeferred, type LoadingStrategy } from './strategies.js';

const { readFileSync, statSync } = fs;

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
   * Learned shapes of the packages the store defers (configured lazy/preload, under a test, or all of them
   * when the default defers): a learned store holds hundreds, and parsing them all cost ~10 ms a boot.
   */
  shapes: Record<string, Record<string, Shape>>;
  /** False when other packages have shapes too, in `shapes.json` beside the view (see readAllShapes). */
  shapes_complete: boolean;
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

/** Whether the store alone (no env) may defer `name`: only those packages' shapes go in the view. */
function isDeferredByStore(store: StoreData, name: string): boolean {
  const config = store.configurations.find((c) => c.package_name === name);
  if (config?.enabled) {
    return (
      isDeferred(config.strategy) ||
      (config.fallback_strategy !== null && isDeferred(config.fallback_strategy))
    );
  }
  const test = store.ab_tests.find((t) => t.status === 'active' && t.package_name === name);
  if (test !== undefined && (isDeferred(test.strategy_a) || isDeferred(test.strategy_b))) return true;
  return isDeferred(store.global_default_strategy);
}

function collectShapes(store: StoreData, only?: (name: string) => boolean): BootView['shapes'] {
  const shapes: BootView['shapes'] = {};
  for (const [name, facts] of Object.entries(store.packages)) {
    if (Object.keys(facts.shapes ?? {}).length > 0 && (only === undefined || only(name)))
      shapes[name] = facts.shapes;
  }
  return shapes;
}

export function createBootView(
  store: StoreData,
  stamp: string,
  now = Date.now(),
  allShapes = false,
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
  const shapes = collectShapes(store, allShapes ? undefined : (name) => isDeferredByStore(store, name));
  const complete = allShapes || Object.keys(shapes).length === Object.keys(collectShapes(store)).length;
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
    shapes,
    shapes_complete: complete,
    learned: Object.fromEntries(
      Object.entries(store.packages)
        .filter(([, facts]) => Object.keys(facts.shapes ?? {}).length > 0)
        .map(([name, facts]) => [name, Object.keys(facts.shapes)]),
    ),
  };
}

/** Called by every writer of the store, under its lock, right after the store was written. */
export function writeBootView(storePath: string, store: StoreData): void {
  const stamp = getStoreStamp(storePath);
  if (stamp === null) return;
  const paths = getStorePaths(storePath);
  writeFileAtomicSync(paths.bootView, JSON.stringify(createBootView(store, stamp)));
  writeFileAtomicSync(paths.shapes, JSON.stringify({ stamp, shapes: collectShapes(store) }));
}

/** Every learned shape, for a process whose env defers packages the store does not. */
export function readAllShapes(storePath: string): BootView['shapes'] {
  const stamp = getStoreStamp(storePath);
  if (stamp === null) return {};
  try {
    const file = JSON.parse(readFileSync(getStorePaths(storePath).shapes, 'utf8')) as {
      stamp: string;
      shapes: BootView['shapes'];
    };
    if (file.stamp === stamp) return file.shapes;
  } catch {
    // Not written yet, or broken: the store is the truth.
  }
  return collectShapes(parseStore(readFileSync(storePath, 'utf8'), storePath));
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
  return createBootView(parseStore(readFileSync(storePath, 'utf8'), storePath), stamp, Date.now(), true);
}

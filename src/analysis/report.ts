import { decideStrategy } from '../config/precedence.js';
import type { PerformanceBucket, StoreData } from '../config/store-schema.js';
import type { LoadingStrategy } from '../config/strategies.js';
import { getPercentileMicros, mergeEncoded } from '../metrics/histogram.js';
import { toMiB, toPercent, toSeconds } from './units.js';

export type LoadStats = {
  total_attempts: number;
  success_rate: number | null;
  avg_load_time: number | null;
  min_load_time: number | null;
  max_load_time: number | null;
  p50_load_time: number | null;
  p99_load_time: number | null;
  avg_memory_usage: number | null;
  processes: number;
  observed_processes: number;
  used_processes: number;
};

export type PackageRow = LoadStats & {
  package_name: string;
  strategy: LoadingStrategy;
  configuration_type: string;
  by_strategy: (LoadStats & { strategy: LoadingStrategy })[];
  native_reasons: Record<string, number>;
};

/** Statistics over a set of buckets, in SPEC §5's units. */
export function summarizeBuckets(buckets: readonly PerformanceBucket[]): LoadStats {
  let count = 0;
  let sum = 0;
  let successes = 0;
  let memorySum = 0;
  let memoryCount = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  let processes = 0;
  let observed = 0;
  let used = 0;
  for (const b of buckets) {
    if (b.count > 0) {
      min = Math.min(min, b.min);
      max = Math.max(max, b.max);
    }
    count += b.count;
    sum += b.sum;
    successes += b.successes;
    memorySum += b.memory_sum;
    memoryCount += b.memory_count;
    processes += b.processes;
    observed += b.observed_processes ?? 0;
    used += b.used_processes;
  }
  const histogram = count > 0 ? mergeEncoded(buckets.map((b) => b.histogram)) : '';
  const p50 = getPercentileMicros(histogram, 50);
  const p99 = getPercentileMicros(histogram, 99);
  return {
    total_attempts: count,
    success_rate: count > 0 ? toPercent(successes / count) : null,
    avg_load_time: count > 0 ? toSeconds(sum / count) : null,
    min_load_time: count > 0 ? toSeconds(min) : null,
    max_load_time: count > 0 ? toSeconds(max) : null,
    p50_load_time: p50 === null ? null : toSeconds(p50 / 1e6),
    p99_load_time: p99 === null ? null : toSeconds(p99 / 1e6),
    avg_memory_usage: memoryCount > 0 ? toMiB(memorySum / memoryCount) : null,
    processes,
    observed_processes: observed,
    used_processes: used,
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return groups;
}

/** One row per package the store knows of (configured or measured), sorted by name. */
export function createPackageRows(store: StoreData): PackageRow[] {
  const byPackage = groupBy(store.performance, (b) => b.package_name);
  const names = new Set([...byPackage.keys(), ...store.configurations.map((c) => c.package_name)]);
  const context = {
    overrides: new Map(),
    envDefault: undefined,
    configs: new Map(store.configurations.map((c) => [c.package_name, c])),
    globalDefault: store.global_default_strategy,
    recentLoadTime: {},
    arms: new Map(),
  };
  return [...names].sort().map((name) => {
    const buckets = byPackage.get(name) ?? [];
    const decision = decideStrategy(name, context);
    return {
      package_name: name,
      strategy: decision.strategy,
      configuration_type: decision.configuration_type,
      ...summarizeBuckets(buckets),
      by_strategy: [...groupBy(buckets, (b) => b.strategy)].map(([strategy, group]) => ({
        strategy: strategy as LoadingStrategy,
        ...summarizeBuckets(group),
      })),
      native_reasons: store.packages[name]?.native_reasons ?? {},
    };
  });
}

export function createReport(store: StoreData, storePath: string) {
  let startupN = 0;
  let startupSum = 0;
  for (const b of store.startup) {
    startupN += b.time.n;
    startupSum += b.time.sum;
  }
  return {
    store: storePath,
    global_default_strategy: store.global_default_strategy,
    packages: createPackageRows(store),
    startup: {
      processes: startupN,
      avg_startup_time: startupN > 0 ? toSeconds(startupSum / startupN) : null,
      p50_startup_time: percentileSeconds(mergeEncoded(store.startup.map((b) => b.histogram)), 50),
    },
    events: store.events.slice(-10),
  };
}

function percentileSeconds(encoded: string, p: number): number | null {
  const v = getPercentileMicros(encoded, p);
  return v === null ? null : toSeconds(v / 1e6);
}

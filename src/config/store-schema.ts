import type { ConfigurationType, LoadingStrategy } from './strategies.js';

/** Bumped only with a migration; a store of another version is never overwritten. */
export const STORE_VERSION = 1;

export type PackageConfiguration = {
  package_name: string;
  strategy: LoadingStrategy;
  configuration_type: ConfigurationType;
  priority: number;
  enabled: boolean;
  created_at: string;
  updated_at: string;
  metadata: Record<string, unknown>;
  performance_threshold: number | null;
  fallback_strategy: LoadingStrategy | null;
};

export type AbArmStats = {
  processes: number;
  /** Per-process means, aggregated exactly: n, Σx, Σx² for each metric. */
  startup_time: Moments;
  load_time: Moments;
  memory_usage: Moments;
  successes: number;
  failures: number;
};

export type AbTest = {
  test_id: string;
  package_name: string;
  strategy_a: LoadingStrategy;
  strategy_b: LoadingStrategy;
  traffic_split: number;
  duration_days: number;
  min_sample_size: number;
  success_metric: 'load_time' | 'memory_usage' | 'success_rate' | 'startup_time';
  status: 'active' | 'completed' | 'stopped';
  created_at: string;
  started_at: string;
  completed_at: string | null;
  /** Hash seed of the arm assignment; the test id unless set. */
  seed: string;
  arms: { a: AbArmStats; b: AbArmStats };
  results: Record<string, unknown>;
};

export type Moments = { n: number; sum: number; sum_sq: number };

/** Aggregated measurements of one package × strategy × time bucket. Times in seconds, memory in bytes. */
export type PerformanceBucket = {
  package_name: string;
  strategy: LoadingStrategy;
  /** ISO start of the bucket; `span` says whether it covers an hour, a day or a month. */
  bucket: string;
  span: 'hour' | 'day' | 'month';
  count: number;
  sum: number;
  sum_sq: number;
  min: number;
  max: number;
  /** HDR histogram of load time in microseconds, compressed base64. */
  histogram: string;
  successes: number;
  failures: number;
  memory_sum: number;
  memory_count: number;
  satisfaction_sum: number;
  satisfaction_count: number;
  impact_sum: number;
  impact_count: number;
  /** Usage: processes that imported it, that used it, when they first used it (s after boot). */
  processes: number;
  /** Processes where use was observable (a stand-in was handed out); used_processes ≤ this. */
  observed_processes: number;
  used_processes: number;
  first_use: Moments;
  import_site_uses: number;
};

/** Process startup (boot → entry evaluated) per time bucket, in seconds. */
export type StartupBucket = {
  bucket: string;
  span: 'hour' | 'day' | 'month';
  time: Moments;
  histogram: string;
};

export type ExportKind = 'function' | 'arrow' | 'object' | 'array' | 'primitive' | 'null';

/** What one module's exports are, learned on a run where it loaded natively. */
export type Shape = {
  /** size:mtime of the resolved file; a different stamp means the package changed. */
  stamp: string;
  kind: ExportKind;
  props: Record<string, ExportKind>;
  esModule: boolean;
  thenable: boolean;
  /** module.exports was a plain object with nothing in it: what a module required for its effects leaves. */
  empty?: boolean;
  /** Why no stand-in can be faithful for this module whatever its exports (e.g. a require cycle). */
  unsafe?: string;
  /**
   * ES module shapes only (keys `import:<path>`): `props` are the namespace an `import` sees, `format` how
   * Node loaded the file, `default_props` the default export's own properties (reading one defers further).
   */
  format?: 'module' | 'commonjs';
  default_props?: Record<string, ExportKind>;
};

export type PackageFacts = {
  /** Shapes by subpath (`.` for the package root, `./fp` for `lodash/fp`). */
  shapes: Record<string, Shape>;
  /** Why a deferred strategy fell back to a native load, with counts. */
  native_reasons: Record<string, number>;
  /** The strategy processes most recently reported using, and when. */
  last_strategy: LoadingStrategy | null;
  last_seen: string | null;
};

export type StoreEvent = { at: string; code: string; message: string; package_name: string | null };

export type StoreData = {
  version: number;
  global_default_strategy: LoadingStrategy;
  configurations: PackageConfiguration[];
  ab_tests: AbTest[];
  performance: PerformanceBucket[];
  startup: StartupBucket[];
  packages: Record<string, PackageFacts>;
  events: StoreEvent[];
  /** Ids of the spool files merged by the last merge: a crash before their deletion cannot count them twice. */
  merged_spools: string[];
};

export function createEmptyStore(): StoreData {
  return {
    version: STORE_VERSION,
    global_default_strategy: 'on_demand',
    configurations: [],
    ab_tests: [],
    performance: [],
    startup: [],
    packages: {},
    events: [],
    merged_spools: [],
  };
}

export function createMoments(): Moments {
  return { n: 0, sum: 0, sum_sq: 0 };
}

export function addToMoments(m: Moments, x: number): void {
  m.n += 1;
  m.sum += x;
  m.sum_sq += x * x;
}

export function mergeMoments(into: Moments, from: Moments): void {
  into.n += from.n;
  into.sum += from.sum;
  into.sum_sq += from.sum_sq;
}

export function createArmStats(): AbArmStats {
  return {
    processes: 0,
    startup_time: createMoments(),
    load_time: createMoments(),
    memory_usage: createMoments(),
    successes: 0,
    failures: 0,
  };
}

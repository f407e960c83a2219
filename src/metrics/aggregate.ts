import {
  addToMoments,
  createArmStats,
  createMoments,
  type PerformanceBucket,
  type StartupBucket,
  type StoreData,
} from '../config/store-schema.js';
import type { LoadingStrategy } from '../config/strategies.js';
import { decodeHistogram, encodeHistogram, type Histogram, mergeEncoded, recordMicros } from './histogram.js';
import type { ManualRecord, ProcessReport } from './process-report.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Hourly buckets older than this become daily ones; daily older than DAILY_FOR become monthly. */
export const HOURLY_FOR_MS = 2 * DAY;
export const DAILY_FOR_MS = 90 * DAY;
/** Monthly buckets older than this are dropped: the file stays bounded whatever the history. */
export const KEEP_FOR_MS = 2 * 365 * DAY;
const MAX_EVENTS = 50;

export function getHourStart(at: number): string {
  return new Date(Math.floor(at / HOUR) * HOUR).toISOString();
}

// Bucket starts are ISO strings in UTC: slicing and comparing them is exact and avoids Date parsing,
// which dominated compaction (a pass over every bucket at every merge).
function getSpanStart(iso: string, span: 'day' | 'month'): string {
  return span === 'day' ? `${iso.slice(0, 10)}T00:00:00.000Z` : `${iso.slice(0, 7)}-01T00:00:00.000Z`;
}

export function createBucket(
  package_name: string,
  strategy: LoadingStrategy,
  bucket: string,
): PerformanceBucket {
  return {
    package_name,
    strategy,
    bucket,
    span: 'hour',
    count: 0,
    sum: 0,
    sum_sq: 0,
    min: 0,
    max: 0,
    histogram: '',
    successes: 0,
    failures: 0,
    memory_sum: 0,
    memory_count: 0,
    satisfaction_sum: 0,
    satisfaction_count: 0,
    impact_sum: 0,
    impact_count: 0,
    processes: 0,
    observed_processes: 0,
    used_processes: 0,
    first_use: createMoments(),
    import_site_uses: 0,
  };
}

/**
 * Folds process reports and manual records into a store's aggregates. Histograms are decoded once per
 * bucket and encoded once in finish(), so merging a thousand spool files costs one pass.
 */
export function createAggregator(store: StoreData) {
  const index = new Map<string, PerformanceBucket>();
  for (const b of store.performance)
    if (b.span === 'hour') index.set(`${b.package_name}\0${b.strategy}\0${b.bucket}`, b);
  const open = new Map<PerformanceBucket | StartupBucket, Histogram>();

  function histogramOf(bucket: PerformanceBucket | StartupBucket): Histogram {
    let h = open.get(bucket);
    if (h === undefined) {
      h = decodeHistogram(bucket.histogram);
      open.set(bucket, h);
    }
    return h;
  }

  function bucketFor(name: string, strategy: LoadingStrategy, hour: string): PerformanceBucket {
    const key = `${name}\0${strategy}\0${hour}`;
    let bucket = index.get(key);
    if (bucket === undefined) {
      bucket = createBucket(name, strategy, hour);
      store.performance.push(bucket);
      index.set(key, bucket);
    }
    return bucket;
  }

  function addLoad(bucket: PerformanceBucket, seconds: number, ok: boolean, memory: number | null): void {
    bucket.min = bucket.count === 0 ? seconds : Math.min(bucket.min, seconds);
    bucket.max = bucket.count === 0 ? seconds : Math.max(bucket.max, seconds);
    bucket.count += 1;
    bucket.sum += seconds;
    bucket.sum_sq += seconds * seconds;
    recordMicros(histogramOf(bucket), seconds * 1e6);
    if (ok) bucket.successes += 1;
    else bucket.failures += 1;
    if (memory !== null) {
      bucket.memory_sum += memory;
      bucket.memory_count += 1;
    }
  }

  function addStartup(hour: string, seconds: number): void {
    let bucket = store.startup.find((b) => b.span === 'hour' && b.bucket === hour);
    if (bucket === undefined) {
      bucket = { bucket: hour, span: 'hour', time: createMoments(), histogram: '' };
      store.startup.push(bucket);
    }
    addToMoments(bucket.time, seconds);
    recordMicros(histogramOf(bucket), seconds * 1e6);
  }

  function addToArms(report: ProcessReport): void {
    for (const [testId, arm] of Object.entries(report.ab)) {
      const test = store.ab_tests.find((t) => t.test_id === testId);
      if (test === undefined || test.status !== 'active') continue;
      const stats = (test.arms ??= { a: createArmStats(), b: createArmStats() })[arm];
      const usage = report.packages[test.package_name];
      const loads = usage?.loads ?? [];
      for (const [, ok] of loads) {
        if (ok) stats.successes += 1;
        else stats.failures += 1;
      }
      if (!report.first) continue;
      stats.processes += 1;
      if (report.startup_s !== null) addToMoments(stats.startup_time, report.startup_s);
      if (loads.length > 0) {
        addToMoments(stats.load_time, loads.reduce((s, [us]) => s + us, 0) / loads.length / 1e6);
        const measured = loads.filter(([, , m]) => m >= 0);
        if (measured.length > 0) {
          addToMoments(stats.memory_usage, measured.reduce((s, [, , m]) => s + m, 0) / measured.length);
        }
      }
    }
  }

  return {
    addReport(report: ProcessReport): void {
      const hour = getHourStart(Date.parse(report.ended_at) || Date.now());
      for (const [name, usage] of Object.entries(report.packages)) {
        const bucket = bucketFor(name, usage.strategy, hour);
        for (const [micros, ok, memory] of usage.loads)
          addLoad(bucket, micros / 1e6, ok === 1, ok === 1 && memory >= 0 ? memory : null);
        if (usage.imported) bucket.processes += 1;
        if (usage.observed) bucket.observed_processes += 1;
        if (usage.used) {
          bucket.used_processes += 1;
          if (usage.first_use_s !== null) addToMoments(bucket.first_use, usage.first_use_s);
          if (usage.import_site_use) bucket.import_site_uses += 1;
        }
        const facts = (store.packages[name] ??= {
          shapes: {},
          native_reasons: {},
          last_strategy: null,
          last_seen: null,
        });
        if (usage.native_reason !== null) {
          facts.native_reasons[usage.native_reason] = (facts.native_reasons[usage.native_reason] ?? 0) + 1;
        }
        if (facts.last_seen === null || report.ended_at >= facts.last_seen) {
          facts.last_seen = report.ended_at;
          facts.last_strategy = usage.strategy;
        }
      }
      for (const [name, byFile] of Object.entries(report.shapes)) {
        const facts = (store.packages[name] ??= {
          shapes: {},
          native_reasons: {},
          last_strategy: null,
          last_seen: null,
        });
        Object.assign(facts.shapes, byFile);
      }
      if (report.startup_s !== null) addStartup(hour, report.startup_s);
      addToArms(report);
      for (const event of report.events) store.events.push({ at: report.ended_at, ...event });
      for (const record of report.records) this.addRecord(record);
    },
    addRecord(record: ManualRecord): void {
      const bucket = bucketFor(
        record.package_name,
        record.strategy,
        getHourStart(Date.parse(record.at) || Date.now()),
      );
      addLoad(bucket, record.load_time, record.success, record.memory_usage);
      if (record.user_satisfaction !== null) {
        bucket.satisfaction_sum += record.user_satisfaction;
        bucket.satisfaction_count += 1;
      }
      if (record.system_impact !== null) {
        bucket.impact_sum += record.system_impact;
        bucket.impact_count += 1;
      }
    },
    /** Encode what changed and compact old buckets. */
    finish(now = Date.now()): void {
      for (const [bucket, histogram] of open) bucket.histogram = encodeHistogram(histogram);
      open.clear();
      if (store.events.length > MAX_EVENTS) store.events.splice(0, store.events.length - MAX_EVENTS);
      compact(store, now);
    },
  };
}

type Cutoffs = { drop: string; month: string; day: string };

function getCutoffs(now: number): Cutoffs {
  return {
    drop: new Date(now - KEEP_FOR_MS).toISOString(),
    month: new Date(now - DAILY_FOR_MS).toISOString(),
    day: new Date(now - HOURLY_FOR_MS).toISOString(),
  };
}

function getTargetSpan(
  bucket: { bucket: string; span: string },
  cut: Cutoffs,
): 'hour' | 'day' | 'month' | 'drop' {
  if (bucket.bucket < cut.drop) return 'drop';
  if (bucket.bucket < cut.month) return 'month';
  if (bucket.bucket < cut.day && bucket.span === 'hour') return 'day';
  return bucket.span as 'hour' | 'day' | 'month';
}

/** Roll old hourly buckets into days and old days into months; drop what is older than KEEP_FOR_MS. */
export function compact(store: StoreData, now = Date.now()): void {
  const cut = getCutoffs(now);
  // Most merges have nothing old enough to roll: a scan of string comparisons, no rebuild.
  const due = (b: { bucket: string; span: string }) => getTargetSpan(b, cut) !== b.span;
  if (!store.performance.some(due) && !store.startup.some(due)) return;
  const key = (b: PerformanceBucket) => `${b.package_name}\0${b.strategy}\0${b.bucket}\0${b.span}`;
  const kept = new Map<string, PerformanceBucket>();
  const rolled = new Map<string, PerformanceBucket[]>();
  for (const b of store.performance) {
    const span = getTargetSpan(b, cut);
    if (span === 'drop') continue;
    if (span === b.span) {
      kept.set(key(b), b);
      continue;
    }
    const moved = { ...b, bucket: getSpanStart(b.bucket, span as 'day' | 'month'), span };
    const group = rolled.get(key(moved));
    if (group === undefined) rolled.set(key(moved), [moved]);
    else group.push(moved);
  }
  for (const [k, group] of rolled) {
    // Fold into the bucket of the same span and start that earlier compactions made, if any.
    const existing = kept.get(k);
    kept.set(k, mergeBuckets(existing === undefined ? group : [existing, ...group]));
  }
  store.performance = [...kept.values()];

  const startup = new Map<string, StartupBucket>();
  for (const b of store.startup) {
    const span = getTargetSpan(b, cut);
    if (span === 'drop') continue;
    const start = span === b.span ? b.bucket : getSpanStart(b.bucket, span as 'day' | 'month');
    const existing = startup.get(`${start}\0${span}`);
    if (existing === undefined) startup.set(`${start}\0${span}`, { ...b, bucket: start, span });
    else {
      existing.time = {
        n: existing.time.n + b.time.n,
        sum: existing.time.sum + b.time.sum,
        sum_sq: existing.time.sum_sq + b.time.sum_sq,
      };
      existing.histogram = mergeEncoded([existing.histogram, b.histogram]);
    }
  }
  store.startup = [...startup.values()];
}

export function mergeBuckets(parts: readonly PerformanceBucket[]): PerformanceBucket {
  const first = parts[0]!;
  const out: PerformanceBucket = {
    ...createBucket(first.package_name, first.strategy, first.bucket),
    span: first.span,
  };
  const nonEmpty = parts.filter((p) => p.count > 0);
  out.min = nonEmpty.length > 0 ? Math.min(...nonEmpty.map((p) => p.min)) : 0;
  out.max = nonEmpty.length > 0 ? Math.max(...nonEmpty.map((p) => p.max)) : 0;
  for (const p of parts) {
    for (const key of [
      'count',
      'sum',
      'sum_sq',
      'successes',
      'failures',
      'memory_sum',
      'memory_count',
      'satisfaction_sum',
      'satisfaction_count',
      'impact_sum',
      'impact_count',
      'processes',
      'observed_processes',
      'used_processes',
      'import_site_uses',
    ] as const) {
      out[key] += p[key];
    }
    out.first_use.n += p.first_use.n;
    out.first_use.sum += p.first_use.sum;
    out.first_use.sum_sq += p.first_use.sum_sq;
  }
  out.histogram = mergeEncoded(parts.map((p) => p.histogram));
  return out;
}

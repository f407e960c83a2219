import { applyAutoOptimized } from '../config/auto-optimized.js';
import { isValidPackageName } from '../config/package-name.js';
import { decideStrategy } from '../config/precedence.js';
import {
  createMoments,
  type Moments,
  mergeMoments,
  type PerformanceBucket,
  type StoreData,
} from '../config/store-schema.js';
import type { LoadingStrategy } from '../config/strategies.js';
import { invalidField } from '../errors.js';
import { normalCdf, regularizedIncompleteBeta, summarizeMoments } from './ab-stats.js';
import { summarizeBuckets } from './report.js';
import { round } from './units.js';

export const DEFAULT_MIN_CONFIDENCE = 0.7;
/** Fewer processes whose use was observable than this is too little to say anything. */
export const MIN_OBSERVED_PROCESSES = 5;
/** Used by fewer than this share of processes: "rarely used". */
export const RARELY_USED = 0.3;
/** Used by more than this share: "used by most processes". */
export const MOSTLY_USED = 0.6;
/** Used by more than this share: deferring saves next to nothing for the few that do not use it. */
export const ALMOST_ALWAYS_USED = 0.8;
/** Shrinks confidence on small samples: n / (n + EVIDENCE_HALF) is ½ at this many processes. */
const EVIDENCE_HALF = 5;

// Fallback reasons that say nothing bad about the package: the first run under a new strategy learns.
const BENIGN_NATIVE_REASONS = ['exports not known yet', 'package changed since its exports were learned'];

export type Level = 'low' | 'medium' | 'high';

export type Recommendation = {
  package_name: string;
  current_strategy: LoadingStrategy;
  recommended_strategy: LoadingStrategy;
  confidence: number;
  reasoning: string;
  expected_improvement: number;
  implementation_cost: Level;
  risk_level: Level;
  data_points: number;
};

/** What the store knows of one package, summed over its buckets. Times in seconds, memory in MiB. */
export type PackageEvidence = {
  package_name: string;
  current_strategy: LoadingStrategy;
  configuration_type: string;
  processes: number;
  observed_processes: number;
  used_processes: number;
  import_site_uses: number;
  first_use: Moments;
  /** Per-load times, from the buckets' exact moments. */
  load_time: Moments;
  p50_load_time: number | null;
  avg_memory_usage: number | null;
  failures: number;
  attempts: number;
  /** Mean startup of all processes; the yardstick for expected_improvement. */
  avg_startup_time: number | null;
  startup_processes: number;
  has_shapes: boolean;
  /** Learned facts that make a stand-in unfaithful or impossible. */
  unsafe_reasons: string[];
  defers_natively: boolean;
  in_ab_test: boolean;
};

const invalid = invalidField;

/** P(true share < threshold) after `hits` of `trials`, under a uniform prior (a Beta posterior). */
export function probabilityBelow(hits: number, trials: number, threshold: number): number {
  return regularizedIncompleteBeta(threshold, hits + 1, trials - hits + 1);
}

/** Confidence in an estimated mean: 1 for a tight one, towards 0 as its 95% interval widens; ½ if unknown. */
export function getSpreadFactor(m: Moments): number {
  const s = summarizeMoments(m);
  if (s.variance === null || s.mean === null || s.mean <= 0) return 0.5;
  const halfWidth = (1.96 * Math.sqrt(s.variance / s.n)) / s.mean;
  return 1 / (1 + halfWidth);
}

function getEvidenceFactor(n: number): number {
  return n / (n + EVIDENCE_HALF);
}

function collectStartup(data: StoreData): { n: number; mean: number | null } {
  const m = createMoments();
  for (const b of data.startup) mergeMoments(m, b.time);
  return { n: m.n, mean: m.n > 0 ? m.sum / m.n : null };
}

/** Every package the store has measured, with its evidence. */
export function collectEvidence(data: StoreData): PackageEvidence[] {
  const startup = collectStartup(data);
  const byPackage = new Map<string, PerformanceBucket[]>();
  for (const b of data.performance) {
    const list = byPackage.get(b.package_name);
    if (list === undefined) byPackage.set(b.package_name, [b]);
    else list.push(b);
  }
  const context = {
    overrides: new Map(),
    envDefault: undefined,
    configs: new Map(data.configurations.map((c) => [c.package_name, c])),
    globalDefault: data.global_default_strategy,
    recentLoadTime: {},
    arms: new Map(),
  };
  const testing = new Set(data.ab_tests.filter((t) => t.status === 'active').map((t) => t.package_name));
  return [...byPackage.keys()].sort().map((name) => {
    const buckets = byPackage.get(name)!;
    const summary = summarizeBuckets(buckets);
    const firstUse = createMoments();
    const loadTime = createMoments();
    let importSite = 0;
    let failures = 0;
    for (const b of buckets) {
      mergeMoments(firstUse, b.first_use);
      mergeMoments(loadTime, { n: b.count, sum: b.sum, sum_sq: b.sum_sq });
      importSite += b.import_site_uses ?? 0;
      failures += b.failures;
    }
    const facts = data.packages[name];
    const shapes = Object.values(facts?.shapes ?? {});
    const unsafe: string[] = [];
    for (const [reason, n] of Object.entries(facts?.native_reasons ?? {})) {
      if (!BENIGN_NATIVE_REASONS.some((benign) => reason.startsWith(benign)))
        unsafe.push(`${reason} (${n}×)`);
    }
    if (shapes.some((s) => s.thenable)) unsafe.push('exports a thenable');
    const decision = decideStrategy(name, context);
    return {
      package_name: name,
      current_strategy: decision.strategy,
      configuration_type: decision.configuration_type,
      processes: summary.processes,
      observed_processes: summary.observed_processes,
      used_processes: summary.used_processes,
      import_site_uses: importSite,
      first_use: firstUse,
      load_time: loadTime,
      p50_load_time: summary.p50_load_time,
      avg_memory_usage: summary.avg_memory_usage,
      failures,
      attempts: summary.total_attempts,
      avg_startup_time: startup.mean,
      startup_processes: startup.n,
      has_shapes: shapes.length > 0,
      unsafe_reasons: unsafe,
      // No export can be stood in for: lazy/preload would load it natively anyway.
      defers_natively: shapes.length > 0 && shapes.every((s) => s.kind === 'primitive' || s.kind === 'null'),
      in_ab_test: testing.has(name),
    };
  });
}

function formatDuration(seconds: number): string {
  if (seconds >= 1) return `${seconds.toFixed(2)} s`;
  return `${Number((seconds * 1000).toPrecision(3))} ms`;
}

function describeCost(e: PackageEvidence): string {
  const parts = [];
  if (e.p50_load_time !== null) parts.push(`${formatDuration(e.p50_load_time)} p50 load`);
  if (e.avg_memory_usage !== null) parts.push(`${e.avg_memory_usage} MiB`);
  if (e.failures > 0) parts.push(`${e.failures} of ${e.attempts} loads failed`);
  return parts.join(', ');
}

function describeUsage(e: PackageEvidence): string {
  const used =
    e.observed_processes === e.processes
      ? `used by ${e.used_processes}`
      : `used by ${e.used_processes} of the ${e.observed_processes} where use was observable`;
  return `imported by ${e.processes} processes, ${used}`;
}

type Candidate = {
  strategy: LoadingStrategy;
  /** Probability that the facts the rule rests on are true. */
  support: number;
  evidence: number;
  spread: number;
  /** Seconds of the process's own work saved per process (negative: added). */
  saved: number;
  why: string;
};

/** The rules of SPEC §6, first match wins. Null when the evidence does not point anywhere. */
function chooseCandidate(e: PackageEvidence): Candidate | null {
  const O = e.observed_processes;
  const U = Math.min(e.used_processes, O);
  const L = e.load_time.sum / e.load_time.n;
  const S = e.avg_startup_time!;
  const u = U / O;
  const load = formatDuration(L);

  const rare = probabilityBelow(U, O, RARELY_USED);
  if (rare >= 0.5 && !e.defers_natively) {
    const saved = L * (1 - u);
    const gain =
      e.current_strategy === 'preload'
        ? `saves about ${formatDuration(saved)} of background loading per process`
        : `takes about ${formatDuration(saved)} off the ${formatDuration(S)} mean startup`;
    return {
      strategy: 'lazy',
      support: rare,
      evidence: getEvidenceFactor(O),
      spread: getSpreadFactor(e.load_time),
      saved,
      why: `deferring it until first use ${gain}`,
    };
  }

  const almostAlways = 1 - probabilityBelow(U, O, ALMOST_ALWAYS_USED);
  const atImportSite = U > 0 ? 1 - probabilityBelow(e.import_site_uses, U, 0.5) : 0;
  // Deferral costs the few processes that never use it nothing to drop: what lazy saved them comes back.
  const lost = -L * (1 - u);
  if (
    almostAlways >= 0.5 &&
    atImportSite >= 0.5 &&
    (e.current_strategy === 'lazy' || e.current_strategy === 'preload')
  ) {
    return {
      strategy: 'on_demand',
      support: almostAlways * atImportSite,
      evidence: getEvidenceFactor(U),
      spread: 1,
      saved: lost,
      why: `${e.import_site_uses} of the ${U} first uses came at the import site, where a stand-in gains nothing (${load} mean load)`,
    };
  }

  const fu = summarizeMoments(e.first_use);
  const seFirstUse = fu.variance === null ? null : Math.sqrt(fu.variance / fu.n);
  if (fu.mean !== null && seFirstUse !== null) {
    const duringStartup = seFirstUse === 0 ? (fu.mean <= S ? 1 : 0) : normalCdf((S - fu.mean) / seFirstUse);
    if (
      almostAlways >= 0.5 &&
      duringStartup >= 0.5 &&
      (e.current_strategy === 'lazy' || e.current_strategy === 'preload')
    ) {
      return {
        strategy: 'eager',
        support: almostAlways * duringStartup,
        evidence: getEvidenceFactor(U),
        spread: getSpreadFactor(e.first_use),
        saved: lost,
        why: `first used ${formatDuration(fu.mean)} after boot on average, before startup ends (${formatDuration(S)}): deferring only postpones it`,
      };
    }
    // Preload pays off when the idle time between startup and first use can absorb the load, with a margin.
    const gap = fu.mean - S - 2 * L;
    const lateEnough = seFirstUse === 0 ? (gap > 0 ? 1 : 0) : normalCdf(gap / seFirstUse);
    const mostly = 1 - probabilityBelow(U, O, MOSTLY_USED);
    if (mostly >= 0.5 && lateEnough >= 0.5) {
      const fromDeferred = e.current_strategy === 'lazy';
      const saved = fromDeferred ? L * u : L;
      return {
        strategy: 'preload',
        support: mostly * lateEnough,
        evidence: getEvidenceFactor(O),
        spread: getSpreadFactor(e.first_use) * getSpreadFactor(e.load_time),
        saved,
        why: fromDeferred
          ? `first used ${formatDuration(fu.mean)} after boot, well after startup (${formatDuration(S)}): loading it when idle takes the ${load} load off the first use`
          : `first used ${formatDuration(fu.mean)} after boot, well after startup (${formatDuration(S)}): loading it when idle takes ${load} off startup`,
      };
    }
  }
  return null;
}

function getRisk(e: PackageEvidence, to: LoadingStrategy): Level {
  if (to === 'lazy' || to === 'preload') {
    if (e.unsafe_reasons.length > 0) return 'high';
    if (e.failures > 0) return 'medium';
    // Preloading a slow package blocks the event loop while the app is idle, and maybe not idle enough.
    if (to === 'preload' && e.load_time.sum / e.load_time.n > 0.1) return 'medium';
    return 'low';
  }
  if (to === 'eager') return e.failures > 0 ? 'high' : 'low';
  return 'low';
}

function getCost(e: PackageEvidence, to: LoadingStrategy): Level {
  if (to === 'lazy' || to === 'preload') return e.has_shapes ? 'low' : 'medium';
  if (to === 'eager') {
    const unused = 1 - e.used_processes / e.observed_processes;
    // Every process pays an eager package's memory, used or not.
    if (unused > 0.05 && (e.avg_memory_usage ?? 0) > 50) return 'high';
    return unused > 0.05 ? 'medium' : 'low';
  }
  return 'low';
}

/** The recommendation for one package's evidence, or null: too little data, or nothing to change. */
export function recommendFor(e: PackageEvidence): Recommendation | null {
  if (e.in_ab_test || e.configuration_type === 'user_preference') return null;
  if (e.observed_processes < MIN_OBSERVED_PROCESSES) return null;
  if (e.load_time.n === 0 || e.avg_startup_time === null || e.avg_startup_time <= 0) return null;
  const candidate = chooseCandidate(e);
  if (candidate === null || candidate.strategy === e.current_strategy) return null;
  const confidence = candidate.support * candidate.evidence * candidate.spread;
  return {
    package_name: e.package_name,
    current_strategy: e.current_strategy,
    recommended_strategy: candidate.strategy,
    confidence: round(confidence, 2),
    reasoning: `${describeUsage(e)}; ${describeCost(e)}: ${candidate.why}`,
    expected_improvement: round((100 * candidate.saved) / e.avg_startup_time, 1) || 0,
    implementation_cost: getCost(e, candidate.strategy),
    risk_level: getRisk(e, candidate.strategy),
    data_points: e.observed_processes,
  };
}

function parseMinConfidence(value: unknown): number {
  if (value === undefined || value === null || value === '') return DEFAULT_MIN_CONFIDENCE;
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw invalid('min_confidence', `${JSON.stringify(value)} is not a number between 0 and 1`);
  }
  return n;
}

function parsePackageName(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || !isValidPackageName(value)) {
    throw invalid('package_name', `${JSON.stringify(value)} is not a valid npm package name`);
  }
  return value;
}

/** Every recommendation the store's data supports, best first, regardless of confidence. */
export function createRecommendations(data: StoreData): Recommendation[] {
  return collectEvidence(data)
    .map(recommendFor)
    .filter((r): r is Recommendation => r !== null)
    .sort(
      (a, b) =>
        b.expected_improvement - a.expected_improvement ||
        b.confidence - a.confidence ||
        a.package_name.localeCompare(b.package_name),
    );
}

/** GET /recommendations?package_name&min_confidence: the seed's response data. */
export function getRecommendations(
  data: StoreData,
  query: { package_name?: unknown; min_confidence?: unknown } = {},
) {
  const minConfidence = parseMinConfidence(query.min_confidence);
  const name = parsePackageName(query.package_name);
  const recommendations = createRecommendations(data).filter(
    (r) => r.confidence >= minConfidence && (name === null || r.package_name === name),
  );
  return {
    recommendations,
    total_recommendations: recommendations.length,
    filters: { package_name: name, min_confidence: minConfidence },
  };
}

export type ApplyResult =
  | {
      package_name: string;
      applied_strategy: LoadingStrategy;
      success: true;
      expected_improvement: number;
      confidence: number;
    }
  | { package_name: string; applied_strategy: null; success: false; reason: string };

/**
 * POST /recommendations/apply (a JSON array of package names): apply what GET /recommendations would
 * show at `min_confidence`, as `auto_optimized`, keeping the replaced configuration for a revert.
 */
export function applyRecommendations(
  data: StoreData,
  names: unknown,
  options: { min_confidence?: unknown; now?: Date } = {},
) {
  if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) {
    throw invalid('body', 'must be a JSON array of package names');
  }
  const minConfidence = parseMinConfidence(options.min_confidence);
  const now = options.now ?? new Date();
  const byName = new Map(createRecommendations(data).map((r) => [r.package_name, r]));
  const results: ApplyResult[] = [];
  for (const name of new Set(names as string[])) {
    const rec = byName.get(name);
    if (!isValidPackageName(name)) {
      results.push({
        package_name: name,
        applied_strategy: null,
        success: false,
        reason: 'Not a valid npm package name',
      });
    } else if (rec === undefined) {
      results.push({
        package_name: name,
        applied_strategy: null,
        success: false,
        reason: 'No recommendations available',
      });
    } else if (rec.confidence < minConfidence) {
      results.push({
        package_name: name,
        applied_strategy: null,
        success: false,
        reason: `Recommendation of ${rec.recommended_strategy} has confidence ${rec.confidence}, below min_confidence ${minConfidence}`,
      });
    } else {
      applyAutoOptimized(
        data,
        name,
        rec.recommended_strategy,
        {
          recommendation: {
            confidence: rec.confidence,
            expected_improvement: rec.expected_improvement,
            reasoning: rec.reasoning,
          },
        },
        now,
      );
      results.push({
        package_name: name,
        applied_strategy: rec.recommended_strategy,
        success: true,
        expected_improvement: rec.expected_improvement,
        confidence: rec.confidence,
      });
    }
  }
  return {
    results,
    total_packages: results.length,
    successful_applications: results.filter((r) => r.success).length,
  };
}

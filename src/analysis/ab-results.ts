import type { AbArmStats, AbTest, Moments } from '../config/store-schema.js';
import type { LoadingStrategy } from '../config/strategies.js';
import {
  differenceInterval,
  liftInterval,
  mixtureSprt,
  normalQuantile,
  sampleRatioTest,
  studentTQuantile,
  summarizeMoments,
  twoProportionZTest,
  welchTTest,
} from './ab-stats.js';
import { round, toMiB, toPercent, toSeconds } from './units.js';

export type AbMetric = AbTest['success_metric'];
export const AB_METRICS: readonly AbMetric[] = ['load_time', 'memory_usage', 'success_rate', 'startup_time'];

/** A winner needs 1 − p at least this high (SPEC §7). */
export const SIGNIFICANCE_LEVEL = 0.95;
/** A sample ratio this unlikely under the configured split marks the test unhealthy. */
export const SRM_P_VALUE = 0.001;
/** Type I error the automatic stop is allowed, however often the test is looked at. */
export const SEQUENTIAL_ALPHA = 0.05;
/**
 * The always-valid guarantee assumes a known variance; ours is estimated. Below this many processes per arm
 * the estimate is too rough to stop on, whatever min_sample_size says.
 */
export const SEQUENTIAL_MIN_PER_ARM = 20;
/**
 * The mSPRT mixing scale, as a share of the per-process standard deviation. It tunes power, not validity:
 * a quarter of a standard deviation is where strategy changes land (a few percent of startup), and
 * simulated A/A tests stop falsely least often with it among 0.25, 0.5 and 1.
 */
const MIXTURE_EFFECT_SIZE = 0.25;

export type ArmPerformance = {
  strategy: LoadingStrategy;
  processes: number;
  avg_startup_time: number | null;
  avg_load_time: number | null;
  avg_memory_usage: number | null;
  success_rate: number | null;
  total_attempts: number;
};

export type AbResults = {
  strategy_a_performance: ArmPerformance;
  strategy_b_performance: ArmPerformance;
  success_metric: AbMetric;
  /** Which test produced statistical_significance. */
  method: 'welch_t_test' | 'two_proportion_z_test';
  /** 1 − p of the two-sided test; null while it cannot be computed. */
  statistical_significance: number | null;
  p_value: number | null;
  /** strategy_b relative to strategy_a, in percent, with a 95% interval. */
  lift: { estimate: number; ci_lower: number; ci_upper: number; confidence_level: number } | null;
  /** strategy_b − strategy_a in the metric's unit (seconds, MiB, percentage points), with a 95% interval. */
  difference: { estimate: number; ci_lower: number; ci_upper: number; unit: string } | null;
  sample_ratio_mismatch: {
    detected: boolean;
    chi_square: number | null;
    p_value: number | null;
    expected_share_b: number;
    observed_share_b: number | null;
  };
  healthy: boolean;
  sequential: { method: 'msprt'; always_valid_p_value: number | null; alpha: number; stop: boolean };
  winner: LoadingStrategy | null;
  /** Why there is no winner (yet); null when there is one. */
  winner_reason: string | null;
  recommendation: string;
};

const METRIC_WORDS: Record<AbMetric, string> = {
  load_time: 'load time',
  memory_usage: 'memory usage',
  success_rate: 'success rate',
  startup_time: 'startup time',
};

function emptyArm(): AbArmStats {
  const m = (): Moments => ({ n: 0, sum: 0, sum_sq: 0 });
  return { processes: 0, startup_time: m(), load_time: m(), memory_usage: m(), successes: 0, failures: 0 };
}

function meanOf(m: Moments): number | null {
  return m.n > 0 ? m.sum / m.n : null;
}

function describeArm(strategy: LoadingStrategy, arm: AbArmStats): ArmPerformance {
  const startup = meanOf(arm.startup_time);
  const load = meanOf(arm.load_time);
  const memory = meanOf(arm.memory_usage);
  const attempts = arm.successes + arm.failures;
  return {
    strategy,
    processes: arm.processes,
    avg_startup_time: startup === null ? null : toSeconds(startup),
    avg_load_time: load === null ? null : toSeconds(load),
    avg_memory_usage: memory === null ? null : toMiB(memory),
    success_rate: attempts > 0 ? toPercent(arm.successes / attempts) : null,
    total_attempts: attempts,
  };
}

/** Lower is better for times and memory; higher for the success rate. */
export function isHigherBetter(metric: AbMetric): boolean {
  return metric === 'success_rate';
}

type Comparison = {
  p: number;
  /** b − a, and its 95% interval, in display units. */
  difference: { estimate: number; lower: number; upper: number; unit: string };
  lift: { estimate: number; lower: number; upper: number } | null;
  sequentialP: number;
};

function compareMeans(metric: AbMetric, a: Moments, b: Moments): Comparison | string {
  const sa = summarizeMoments(a);
  const sb = summarizeMoments(b);
  if (sa.variance === null || sb.variance === null) {
    return `fewer than 2 processes measured ${METRIC_WORDS[metric]} in ${sa.variance === null ? 'strategy_a' : 'strategy_b'}`;
  }
  const w = welchTTest(
    { n: sa.n, mean: sa.mean!, variance: sa.variance },
    { n: sb.n, mean: sb.mean!, variance: sb.variance },
  )!;
  const ci = differenceInterval(w);
  const scale = metric === 'memory_usage' ? 1 / 1_048_576 : 1;
  const q = w.standard_error === 0 ? 0 : studentTQuantile(0.975, w.df);
  const lift = liftInterval(w.mean_a, sa.variance / sa.n, w.mean_b, sb.variance / sb.n, q);
  const tau2 = MIXTURE_EFFECT_SIZE ** 2 * ((sa.variance + sb.variance) / 2);
  return {
    p: w.p_value,
    difference: {
      estimate: ci.estimate * scale,
      lower: ci.lower * scale,
      upper: ci.upper * scale,
      unit: metric === 'memory_usage' ? 'MiB' : 'seconds',
    },
    lift,
    sequentialP: mixtureSprt(w.difference, w.standard_error ** 2, tau2).p_value,
  };
}

function compareRates(a: AbArmStats, b: AbArmStats): Comparison | string {
  const nA = a.successes + a.failures;
  const nB = b.successes + b.failures;
  const z = twoProportionZTest(a.successes, nA, b.successes, nB);
  if (z === null) return `no loads were measured in ${nA === 0 ? 'strategy_a' : 'strategy_b'}`;
  const q = normalQuantile(0.975);
  // Unpooled variances for the interval, pooled (the null's) for the tests.
  const va = (z.rate_a * (1 - z.rate_a)) / nA;
  const vb = (z.rate_b * (1 - z.rate_b)) / nB;
  const se = Math.sqrt(va + vb);
  const pooled = (a.successes + b.successes) / (nA + nB);
  const nullVariance = pooled * (1 - pooled) * (1 / nA + 1 / nB);
  return {
    p: z.p_value,
    difference: {
      estimate: z.difference * 100,
      lower: (z.difference - q * se) * 100,
      upper: (z.difference + q * se) * 100,
      unit: 'percentage points',
    },
    lift: liftInterval(z.rate_a, va, z.rate_b, vb, q),
    sequentialP: mixtureSprt(z.difference, nullVariance, MIXTURE_EFFECT_SIZE ** 2 * pooled * (1 - pooled))
      .p_value,
  };
}

function formatPercent(x: number): string {
  return `${x > 0 ? '+' : ''}${x.toFixed(1)}%`;
}

/**
 * The results of a test from its arms' aggregates, in the seed's form plus the evidence behind them.
 * Pure: the same arms give the same results.
 */
export function computeAbResults(test: AbTest): AbResults {
  const metric = test.success_metric;
  const armA = test.arms?.a ?? emptyArm();
  const armB = test.arms?.b ?? emptyArm();
  const nA = armA.processes;
  const nB = armB.processes;

  const srm = sampleRatioTest(nA, nB, test.traffic_split);
  const srmDetected = srm !== null && srm.p_value < SRM_P_VALUE;

  const comparison =
    metric === 'success_rate' ? compareRates(armA, armB) : compareMeans(metric, armA[metric], armB[metric]);
  const compared = typeof comparison === 'string' ? null : comparison;
  const significance = compared === null ? null : 1 - compared.p;

  const enough = nA >= test.min_sample_size && nB >= test.min_sample_size;
  const higherBetter = isHigherBetter(metric);
  const bBetter =
    compared !== null && (higherBetter ? compared.difference.estimate > 0 : compared.difference.estimate < 0);
  const better = bBetter ? test.strategy_b : test.strategy_a;

  let reason: string | null = null;
  if (nA === 0 || nB === 0) {
    reason = `no process has reported for ${nA === 0 ? `strategy_a (${test.strategy_a})` : `strategy_b (${test.strategy_b})`} yet`;
  } else if (!enough) {
    reason = `min_sample_size is ${test.min_sample_size} processes per arm; ${test.strategy_a} has ${nA}, ${test.strategy_b} has ${nB}`;
  } else if (typeof comparison === 'string') {
    reason = comparison;
  } else if (srmDetected) {
    reason = `sample ratio mismatch: ${round(srm!.observed_b * 100, 1)}% of processes on strategy_b for a traffic_split of ${test.traffic_split} (χ² p = ${srm!.p_value.toExponential(2)}); results are not trustworthy`;
  } else if (significance! < SIGNIFICANCE_LEVEL) {
    reason = `the difference in ${METRIC_WORDS[metric]} is not significant (${round(significance!, 4)} < ${SIGNIFICANCE_LEVEL})`;
  } else if (compared!.difference.estimate === 0) {
    reason = `the arms do not differ in ${METRIC_WORDS[metric]}`;
  }
  const winner = reason === null ? better : null;

  const sequentialStop =
    compared !== null &&
    !srmDetected &&
    enough &&
    Math.min(nA, nB) >= SEQUENTIAL_MIN_PER_ARM &&
    compared.sequentialP <= SEQUENTIAL_ALPHA &&
    compared.difference.estimate !== 0;

  const lift =
    compared?.lift == null
      ? null
      : {
          estimate: round(compared.lift.estimate * 100, 2),
          ci_lower: round(compared.lift.lower * 100, 2),
          ci_upper: round(compared.lift.upper * 100, 2),
          confidence_level: 0.95,
        };

  let recommendation: string;
  if (winner !== null) {
    const effect =
      lift === null
        ? ''
        : `: ${test.strategy_b} changed ${METRIC_WORDS[metric]} by ${formatPercent(lift.estimate)} against ${test.strategy_a} (95% CI ${formatPercent(lift.ci_lower)} to ${formatPercent(lift.ci_upper)})`;
    const verb = winner === test.strategy_b ? `Switch to ${winner} strategy` : `Keep ${winner} strategy`;
    recommendation = `${verb}${effect}, significance ${round(significance!, 4)}`;
  } else if (
    reason !== null &&
    significance !== null &&
    significance < SIGNIFICANCE_LEVEL &&
    enough &&
    !srmDetected
  ) {
    recommendation = `No significant difference in ${METRIC_WORDS[metric]} yet: keep ${test.strategy_a} strategy or keep collecting data`;
  } else if (srmDetected) {
    recommendation = `Check the traffic assignment before trusting this test: ${reason}`;
  } else {
    recommendation = `Keep collecting data: ${reason}`;
  }

  return {
    strategy_a_performance: describeArm(test.strategy_a, armA),
    strategy_b_performance: describeArm(test.strategy_b, armB),
    success_metric: metric,
    method: metric === 'success_rate' ? 'two_proportion_z_test' : 'welch_t_test',
    statistical_significance: significance === null ? null : round(significance, 6),
    p_value: compared?.p ?? null,
    lift,
    difference:
      compared === null
        ? null
        : {
            estimate: round(compared.difference.estimate, 6),
            ci_lower: round(compared.difference.lower, 6),
            ci_upper: round(compared.difference.upper, 6),
            unit: compared.difference.unit,
          },
    sample_ratio_mismatch: {
      detected: srmDetected,
      chi_square: srm === null ? null : round(srm.chi_square, 4),
      p_value: srm?.p_value ?? null,
      expected_share_b: test.traffic_split,
      observed_share_b: srm === null ? null : round(srm.observed_b, 4),
    },
    healthy: !srmDetected,
    sequential: {
      method: 'msprt',
      always_valid_p_value: compared?.sequentialP ?? null,
      alpha: SEQUENTIAL_ALPHA,
      stop: sequentialStop,
    },
    winner,
    winner_reason: reason,
    recommendation,
  };
}

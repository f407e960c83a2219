import type { Moments } from '../config/store-schema.js';

// Special functions, implemented here rather than pulled from a stats package: the A/B results need a
// handful of them, and every one is checked against SciPy in test/fixtures/scipy.

const EPS = 1e-16;
const TINY = 1e-300;

// Lanczos approximation (g = 7, n = 9), ~1e-15 relative error for x > 0.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta (modified Lentz), valid for x < (a+1)/(a+b+2). */
function betaContinuedFraction(x: number, a: number, b: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 100_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return h;
}

/** The regularized incomplete beta function I_x(a, b). */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(a > 0 && b > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log1p(-x);
  // The continued fraction converges fast only on one side of the mean; use the symmetry on the other.
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(x, a, b)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(1 - x, b, a)) / b;
}

/** The regularized upper incomplete gamma function Q(a, x) = 1 − P(a, x). */
export function regularizedUpperGamma(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  const logFront = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) {
    // Series for P(a, x).
    let ap = a;
    let sum = 1 / a;
    let del = sum;
    for (let n = 0; n < 100_000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) break;
    }
    return 1 - sum * Math.exp(logFront);
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(logFront) * h;
}

export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  const tail = 0.5 * regularizedUpperGamma(0.5, (z * z) / 2);
  return z < 0 ? tail : 1 - tail;
}

/** P(|Z| ≥ |z|), computed without the cancellation of 2·(1 − Φ(|z|)). */
export function normalTwoSidedP(z: number): number {
  return regularizedUpperGamma(0.5, (z * z) / 2);
}

/** Acklam's rational approximation, polished with Newton steps on our own CDF. */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : Number.NaN;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  } else if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x =
      -(((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  for (let i = 0; i < 2; i++) {
    const pdf = Math.exp(-(x * x) / 2) / Math.sqrt(2 * Math.PI);
    if (pdf === 0) break;
    x -= (normalCdf(x) - p) / pdf;
  }
  return x;
}

/** Student's t CDF for any df > 0 (Welch's df is rarely an integer). */
export function studentTCdf(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (t === Infinity) return 1;
  if (t === -Infinity) return 0;
  const tail = 0.5 * regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t < 0 ? tail : 1 - tail;
}

/** P(|T| ≥ |t|) for Student's t with df degrees of freedom. */
export function studentTTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return Number.NaN;
  if (!Number.isFinite(t)) return 0;
  return regularizedIncompleteBeta(df / (df + t * t), df / 2, 0.5);
}

function studentTPdf(t: number, df: number): number {
  return Math.exp(
    logGamma((df + 1) / 2) -
      logGamma(df / 2) -
      0.5 * Math.log(df * Math.PI) -
      ((df + 1) / 2) * Math.log1p((t * t) / df),
  );
}

/** The t with P(T ≤ t) = p: Newton's method on the CDF, kept inside a bracket by bisection. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0)) return p === 0 ? -Infinity : p === 1 ? Infinity : Number.NaN;
  if (p === 0.5) return 0;
  const sign = p < 0.5 ? -1 : 1;
  const target = p < 0.5 ? p : 1 - p;
  // Work on the lower tail, x = −t > 0, where the CDF has full relative precision: f(x) = P(T ≤ −x) − target.
  let lo = 0;
  let hi = Math.max(1, -normalQuantile(target));
  while (studentTCdf(-hi, df) > target) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return sign * Infinity;
  }
  let x = (lo + hi) / 2;
  for (let i = 0; i < 200; i++) {
    const f = studentTCdf(-x, df) - target;
    if (f === 0) break;
    if (f > 0) lo = x;
    else hi = x;
    // f is decreasing in x with slope −pdf(x).
    let next = x + f / studentTPdf(x, df);
    if (!(next > lo && next < hi)) next = (lo + hi) / 2;
    if (Math.abs(next - x) <= 1e-14 * x || hi - lo <= 1e-14 * hi) {
      x = next;
      break;
    }
    x = next;
  }
  return sign * x;
}

/** Survival function of the χ² distribution with k degrees of freedom. */
export function chiSquareSf(x: number, k: number): number {
  return regularizedUpperGamma(k / 2, x / 2);
}

// ───────────────────────────── tests on aggregated data ─────────────────────────────

export type SampleSummary = { n: number; mean: number; variance: number };

/** Mean and unbiased variance from exact moments; variance is null below two samples. */
export function summarizeMoments(m: Moments): { n: number; mean: number | null; variance: number | null } {
  if (m.n === 0) return { n: 0, mean: null, variance: null };
  const mean = m.sum / m.n;
  if (m.n < 2) return { n: m.n, mean, variance: null };
  // Σx² − n·x̄² can dip below zero by rounding when every sample is equal.
  const variance = Math.max(0, (m.sum_sq - m.n * mean * mean) / (m.n - 1));
  return { n: m.n, mean, variance };
}

export type WelchResult = {
  mean_a: number;
  mean_b: number;
  /** mean_b − mean_a */
  difference: number;
  standard_error: number;
  t: number;
  df: number;
  p_value: number;
};

/**
 * Welch's unequal-variance t-test. Returns null below two samples per arm. Two arms without any
 * spread are decided by their means alone (p 0 if they differ, 1 if not): there is no noise to test.
 */
export function welchTTest(a: SampleSummary, b: SampleSummary): WelchResult | null {
  if (a.n < 2 || b.n < 2) return null;
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se2 = va + vb;
  const difference = b.mean - a.mean;
  if (se2 === 0) {
    const same = difference === 0;
    return {
      mean_a: a.mean,
      mean_b: b.mean,
      difference,
      standard_error: 0,
      t: same ? 0 : Math.sign(difference) * Infinity,
      df: a.n + b.n - 2,
      p_value: same ? 1 : 0,
    };
  }
  const df = (se2 * se2) / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const se = Math.sqrt(se2);
  const t = difference / se;
  return {
    mean_a: a.mean,
    mean_b: b.mean,
    difference,
    standard_error: se,
    t,
    df,
    p_value: studentTTwoSidedP(t, df),
  };
}

export type ProportionResult = {
  rate_a: number;
  rate_b: number;
  difference: number;
  z: number;
  p_value: number;
};

/** Pooled two-proportion z-test (equal to a 2×2 χ² test without continuity correction). */
export function twoProportionZTest(
  successesA: number,
  nA: number,
  successesB: number,
  nB: number,
): ProportionResult | null {
  if (nA < 1 || nB < 1) return null;
  const rateA = successesA / nA;
  const rateB = successesB / nB;
  const pooled = (successesA + successesB) / (nA + nB);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / nA + 1 / nB));
  const difference = rateB - rateA;
  if (se === 0) return { rate_a: rateA, rate_b: rateB, difference, z: 0, p_value: 1 };
  const z = difference / se;
  return { rate_a: rateA, rate_b: rateB, difference, z, p_value: normalTwoSidedP(z) };
}

export type SrmResult = { chi_square: number; p_value: number; expected_b: number; observed_b: number };

/** Sample-ratio mismatch: χ² goodness of fit of the arm counts to the configured split (df = 1). */
export function sampleRatioTest(nA: number, nB: number, shareB: number): SrmResult | null {
  const total = nA + nB;
  if (total === 0 || !(shareB > 0 && shareB < 1)) return null;
  const expectedB = total * shareB;
  const expectedA = total - expectedB;
  const chi = (nA - expectedA) ** 2 / expectedA + (nB - expectedB) ** 2 / expectedB;
  return { chi_square: chi, p_value: chiSquareSf(chi, 1), expected_b: shareB, observed_b: nB / total };
}

export type Interval = { estimate: number; lower: number; upper: number };

/** Confidence interval of mean_b − mean_a with Welch's df. */
export function differenceInterval(w: WelchResult, level = 0.95): Interval {
  const q = w.standard_error === 0 ? 0 : studentTQuantile(1 - (1 - level) / 2, w.df);
  return {
    estimate: w.difference,
    lower: w.difference - q * w.standard_error,
    upper: w.difference + q * w.standard_error,
  };
}

/**
 * Relative lift (mean_b / mean_a − 1) with Fieller's interval for a ratio of means. Unlike dividing the
 * difference's interval by mean_a it accounts for the noise in mean_a, and unlike the delta method it
 * excludes 0 exactly when the difference test with the same quantile is significant, so the lift and
 * statistical_significance never disagree. Null when mean_a is not clearly away from 0 (the interval is
 * then unbounded).
 */
export function liftInterval(
  meanA: number,
  varOfMeanA: number,
  meanB: number,
  varOfMeanB: number,
  quantile: number,
): Interval | null {
  const q2 = quantile * quantile;
  // θ in the interval ⇔ (meanB − θ·meanA)² ≤ q²·(varB + θ²·varA): a quadratic a·θ² + b·θ + c ≤ 0.
  const a = meanA * meanA - q2 * varOfMeanA;
  if (!(a > 0)) return null;
  const half = Math.sqrt(q2 * (varOfMeanA * meanB * meanB + varOfMeanB * a));
  const centre = meanA * meanB;
  return { estimate: meanB / meanA - 1, lower: (centre - half) / a - 1, upper: (centre + half) / a - 1 };
}

// ───────────────────────────── always-valid sequential test ─────────────────────────────

/**
 * Mixture sequential probability ratio test (Johari, Pekelis, Walsh: "Always Valid Inference", 2017)
 * with a normal mixing distribution N(0, τ²) over the true difference. The returned p-value stays valid
 * however often it is looked at: P(it ever drops below α | no difference) ≤ α. Computed in log space
 * because Λ overflows on clear effects.
 *
 * `difference` is the observed mean_b − mean_a, `variance` the variance of that estimate (σa²/na + σb²/nb).
 */
export function mixtureSprt(
  difference: number,
  variance: number,
  tau2: number,
): { log_likelihood_ratio: number; p_value: number } {
  if (!(variance > 0) || !(tau2 > 0)) {
    return {
      log_likelihood_ratio: variance === 0 && difference !== 0 ? Infinity : 0,
      p_value: variance === 0 && difference !== 0 ? 0 : 1,
    };
  }
  const logLambda =
    0.5 * Math.log(variance / (variance + tau2)) +
    (tau2 * difference * difference) / (2 * variance * (variance + tau2));
  return { log_likelihood_ratio: logLambda, p_value: Math.min(1, Math.exp(-logLambda)) };
}

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  chiSquareSf,
  differenceInterval,
  liftInterval,
  logGamma,
  mixtureSprt,
  normalCdf,
  normalQuantile,
  normalTwoSidedP,
  regularizedIncompleteBeta,
  regularizedUpperGamma,
  sampleRatioTest,
  studentTCdf,
  studentTQuantile,
  studentTTwoSidedP,
  summarizeMoments,
  twoProportionZTest,
  welchTTest,
} from '../../../src/analysis/ab-stats.js';
import type { Moments } from '../../../src/config/store-schema.js';

// Reference values from SciPy; regenerate with /usr/bin/python3 test/fixtures/scipy/generate.py.
const FIXTURES = join(import.meta.dirname, '../../fixtures/scipy');
const special = JSON.parse(readFileSync(join(FIXTURES, 'special-functions.json'), 'utf8'));
const tests = JSON.parse(readFileSync(join(FIXTURES, 'hypothesis-tests.json'), 'utf8'));

/** Relative agreement, with an absolute floor for values that are (nearly) zero. */
function expectClose(actual: number, expected: number, rel = 1e-9, abs = 1e-300): void {
  const tolerance = Math.max(abs, rel * Math.abs(expected));
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new Error(`expected ${actual} to be within ${tolerance} of ${expected}`);
  }
}

function momentsOf(values: number[]): Moments {
  return {
    n: values.length,
    sum: values.reduce((s, x) => s + x, 0),
    sum_sq: values.reduce((s, x) => s + x * x, 0),
  };
}

function summaryOf(values: number[]) {
  const s = summarizeMoments(momentsOf(values));
  return { n: s.n, mean: s.mean!, variance: s.variance! };
}

describe('special functions agree with SciPy', () => {
  it('log Γ', () => {
    for (const c of special.log_gamma) expectClose(logGamma(c.x), c.value, 1e-13, 1e-14);
  });

  it(`regularized incomplete beta (${special.incomplete_beta.length} points)`, () => {
    for (const c of special.incomplete_beta)
      expectClose(regularizedIncompleteBeta(c.x, c.a, c.b), c.value, 1e-9);
  });

  it('regularized upper incomplete gamma', () => {
    for (const c of special.upper_gamma) expectClose(regularizedUpperGamma(c.a, c.x), c.value, 1e-10);
  });

  it("Student's t CDF and two-sided p, non-integer df included", () => {
    for (const c of special.student_t_cdf) {
      expectClose(studentTCdf(c.t, c.df), c.cdf, 1e-9);
      expectClose(studentTTwoSidedP(c.t, c.df), c.two_sided_p, 1e-9);
    }
  });

  it("Student's t quantile", () => {
    // SciPy's own ppf is good to ~1e-9 in the far tail (df = 1 at p = 0.0005 it is 1.04e-9 off tan()).
    for (const c of special.student_t_ppf) expectClose(studentTQuantile(c.p, c.df), c.value, 5e-9, 1e-12);
    // df = 1 is the Cauchy distribution: a closed form to check against exactly.
    for (const p of [0.0005, 0.01, 0.3, 0.975])
      expectClose(studentTQuantile(p, 1), Math.tan(Math.PI * (p - 0.5)), 1e-12);
  });

  it('normal CDF, two-sided p and quantile, far into the tails', () => {
    for (const c of special.normal) {
      expectClose(normalCdf(c.z), c.cdf, 1e-10);
      expectClose(normalTwoSidedP(c.z), c.two_sided_p, 1e-10);
    }
    for (const c of special.normal_ppf) expectClose(normalQuantile(c.p), c.value, 1e-9, 1e-12);
  });

  it('χ² survival function', () => {
    for (const c of special.chi_square_sf) expectClose(chiSquareSf(c.x, c.k), c.sf, 1e-10);
  });

  it('edges: out-of-range arguments', () => {
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
    expect(regularizedIncompleteBeta(0.5, 0, 3)).toBeNaN();
    expect(studentTCdf(Infinity, 3)).toBe(1);
    expect(studentTCdf(-Infinity, 3)).toBe(0);
    expect(studentTCdf(1, 0)).toBeNaN();
    expect(studentTTwoSidedP(Infinity, 5)).toBe(0);
    expect(studentTQuantile(0.5, 7)).toBe(0);
    expect(studentTQuantile(0, 7)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(normalQuantile(2)).toBeNaN();
    expect(regularizedUpperGamma(1, 0)).toBe(1);
  });
});

describe('hypothesis tests agree with SciPy', () => {
  for (const c of tests.welch) {
    it(`Welch t-test from moments: ${c.name}`, () => {
      const w = welchTTest(summaryOf(c.a), summaryOf(c.b))!;
      // Moments lose a few digits against SciPy's two-pass variance; 1e-8 is still far beyond what matters.
      expectClose(w.t, c.t, 1e-8);
      expectClose(w.df, c.df, 1e-8);
      expectClose(w.p_value, c.p_value, 1e-7);
      const ci = differenceInterval(w);
      expectClose(ci.lower, c.difference_ci[0], 1e-7, 1e-12);
      expectClose(ci.upper, c.difference_ci[1], 1e-7, 1e-12);
    });
  }

  it('two-proportion z-test equals the 2×2 χ² test without correction', () => {
    for (const c of tests.two_proportion) {
      const r = twoProportionZTest(c.successes_a, c.n_a, c.successes_b, c.n_b)!;
      expectClose(r.z * r.z, c.chi_square, 1e-10, 1e-14);
      expectClose(r.p_value, c.p_value, 1e-9);
    }
  });

  it('sample-ratio mismatch χ²', () => {
    for (const c of tests.sample_ratio) {
      const r = sampleRatioTest(c.n_a, c.n_b, c.share_b)!;
      expectClose(r.chi_square, c.chi_square, 1e-10, 1e-14);
      expectClose(r.p_value, c.p_value, 1e-9);
    }
  });
});

describe('degenerate inputs', () => {
  it('moments: too few samples, and rounding that would make a variance negative', () => {
    expect(summarizeMoments({ n: 0, sum: 0, sum_sq: 0 })).toEqual({ n: 0, mean: null, variance: null });
    expect(summarizeMoments({ n: 1, sum: 2, sum_sq: 4 })).toEqual({ n: 1, mean: 2, variance: null });
    const same = momentsOf(Array.from({ length: 10 }, () => 0.1));
    expect(summarizeMoments(same).variance).toBeGreaterThanOrEqual(0);
  });

  it('Welch: null below two samples per arm; no spread decides by the means', () => {
    expect(welchTTest({ n: 1, mean: 1, variance: 0 }, { n: 5, mean: 1, variance: 1 })).toBeNull();
    expect(welchTTest({ n: 3, mean: 1, variance: 0 }, { n: 3, mean: 1, variance: 0 })!.p_value).toBe(1);
    expect(welchTTest({ n: 3, mean: 1, variance: 0 }, { n: 3, mean: 2, variance: 0 })!.p_value).toBe(0);
  });

  it('proportions: no samples, no spread', () => {
    expect(twoProportionZTest(0, 0, 1, 1)).toBeNull();
    expect(twoProportionZTest(5, 5, 7, 7)!.p_value).toBe(1);
  });

  it('SRM: nothing to test without processes or with a split outside (0,1)', () => {
    expect(sampleRatioTest(0, 0, 0.5)).toBeNull();
    expect(sampleRatioTest(5, 5, 1)).toBeNull();
  });
});

describe('lift interval (Fieller)', () => {
  it('solves (mb − θ·ma)² = q²·(vb + θ²·va) for θ', () => {
    const [ma, va, mb, vb, q] = [0.2, 0.0001, 0.15, 0.0001, 1.96];
    const lift = liftInterval(ma, va, mb, vb, q)!;
    expectClose(lift.estimate, -0.25, 1e-12);
    for (const bound of [lift.lower, lift.upper]) {
      const theta = bound + 1;
      expectClose((mb - theta * ma) ** 2, q * q * (vb + theta * theta * va), 1e-9);
    }
    // Wider than when the noise of mean_a is ignored.
    expect(lift.upper - lift.lower).toBeGreaterThan((2 * q * Math.sqrt(vb)) / ma);
  });

  it('excludes 0 exactly when Welch with the same quantile is significant', () => {
    let state = 7;
    const random = () => (state = (state * 48271) % 2147483647) / 2147483647;
    for (let i = 0; i < 2000; i++) {
      const a = { n: 5 + Math.floor(random() * 50), mean: 0.5 + random(), variance: random() * 0.3 };
      const b = {
        n: 5 + Math.floor(random() * 50),
        mean: a.mean * (0.8 + random() * 0.4),
        variance: random() * 0.3,
      };
      const w = welchTTest(a, b)!;
      const q = studentTQuantile(0.975, w.df);
      const lift = liftInterval(a.mean, a.variance / a.n, b.mean, b.variance / b.n, q);
      if (lift === null) continue;
      const excludesZero = lift.lower > 0 || lift.upper < 0;
      expect(excludesZero).toBe(w.p_value < 0.05);
    }
  });

  it('is unbounded (null) when mean_a is not clearly away from zero', () => {
    expect(liftInterval(0, 1, 1, 1, 1.96)).toBeNull();
    expect(liftInterval(0.1, 0.01, 1, 1, 1.96)).toBeNull();
  });
});

describe('mixture SPRT', () => {
  it('matches the closed form of Johari et al.', () => {
    const V = 0.01;
    const tau2 = 0.04;
    const d = 0.3;
    const lambda = Math.sqrt(V / (V + tau2)) * Math.exp((tau2 * d * d) / (2 * V * (V + tau2)));
    const r = mixtureSprt(d, V, tau2);
    expectClose(r.log_likelihood_ratio, Math.log(lambda), 1e-12);
    expectClose(r.p_value, 1 / lambda, 1e-12);
  });

  it('is capped at 1 for no difference and does not overflow on huge effects', () => {
    expect(mixtureSprt(0, 0.01, 0.04).p_value).toBe(1);
    expect(mixtureSprt(1e6, 1e-6, 1).p_value).toBe(0);
    expect(mixtureSprt(0, 0, 1).p_value).toBe(1);
    expect(mixtureSprt(1, 0, 1).p_value).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { computeAbResults } from '../../../src/analysis/ab-results.js';
import type { AbArmStats, AbTest } from '../../../src/config/store-schema.js';

// Seeded, so the rates below are exact for this code and a failure is a real change, not bad luck.
function createRandom(seed: number) {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

function emptyArm(): AbArmStats {
  return {
    processes: 0,
    startup_time: { n: 0, sum: 0, sum_sq: 0 },
    load_time: { n: 0, sum: 0, sum_sq: 0 },
    memory_usage: { n: 0, sum: 0, sum_sq: 0 },
    successes: 0,
    failures: 0,
  };
}

function createTest(metric: AbTest['success_metric'], minSampleSize: number): AbTest {
  return {
    test_id: 'sim',
    package_name: 'pkg',
    strategy_a: 'eager',
    strategy_b: 'lazy',
    traffic_split: 0.5,
    duration_days: 7,
    min_sample_size: minSampleSize,
    success_metric: metric,
    status: 'active',
    created_at: '',
    started_at: '',
    completed_at: null,
    seed: 'sim',
    arms: { a: emptyArm(), b: emptyArm() },
    results: {},
  };
}

/** One process arriving: its arm by a coin with the test's split, its startup time skewed like real ones. */
function addProcess(test: AbTest, random: ReturnType<typeof createRandom>, effectB: number): void {
  const arm = random.uniform() < test.traffic_split ? test.arms.b : test.arms.a;
  // Lognormal around 100 ms with a heavy right tail (σ = 0.4), as process startups are.
  const startup = 0.1 * Math.exp(0.4 * random.normal()) * (arm === test.arms.b ? 1 - effectB : 1);
  arm.processes += 1;
  arm.startup_time.n += 1;
  arm.startup_time.sum += startup;
  arm.startup_time.sum_sq += startup * startup;
}

function addLoads(test: AbTest, random: ReturnType<typeof createRandom>, rate: number, loads: number): void {
  const arm = random.uniform() < test.traffic_split ? test.arms.b : test.arms.a;
  arm.processes += 1;
  for (let i = 0; i < loads; i++) {
    if (random.uniform() < rate) arm.successes += 1;
    else arm.failures += 1;
  }
}

describe('A/A simulations: how often a test with no real difference names a winner', () => {
  it('one look at the end (Welch on per-process means): near the nominal 5%', () => {
    const random = createRandom(1);
    const runs = 2000;
    let winners = 0;
    for (let r = 0; r < runs; r++) {
      const test = createTest('startup_time', 30);
      for (let i = 0; i < 120; i++) addProcess(test, random, 0);
      if (computeAbResults(test).winner !== null) winners += 1;
    }
    const rate = winners / runs;
    // 3 standard errors of a 5% rate over 2000 runs.
    expect(rate).toBeGreaterThan(0.035);
    expect(rate).toBeLessThan(0.065);
  });

  it('one look at the end (two-proportion z on success_rate): near the nominal 5%', () => {
    const random = createRandom(2);
    const runs = 2000;
    let winners = 0;
    for (let r = 0; r < runs; r++) {
      const test = createTest('success_rate', 30);
      for (let i = 0; i < 100; i++) addLoads(test, random, 0.9, 3);
      if (computeAbResults(test).winner !== null) winners += 1;
    }
    const rate = winners / runs;
    expect(rate).toBeGreaterThan(0.035);
    expect(rate).toBeLessThan(0.065);
  });

  it('the automatic stop, checked after every 10 processes, stays near 0% where naive peeking inflates', () => {
    const random = createRandom(3);
    const runs = 1000;
    let stops = 0;
    let naive = 0;
    for (let r = 0; r < runs; r++) {
      const test = createTest('startup_time', 20);
      let stopped = false;
      let peeked = false;
      for (let i = 1; i <= 500; i++) {
        addProcess(test, random, 0);
        if (i % 10 !== 0) continue;
        const results = computeAbResults(test);
        stopped ||= results.sequential.stop;
        peeked ||= results.winner !== null;
      }
      if (stopped) stops += 1;
      if (peeked) naive += 1;
    }
    // Stopping at the first "significant" look is what the always-valid rule exists to prevent.
    expect(naive / runs).toBeGreaterThan(0.12);
    expect(stops / runs).toBeLessThan(0.02);
  });

  it('the automatic stop on success_rate stays near 0% too', () => {
    const random = createRandom(4);
    const runs = 600;
    let stops = 0;
    for (let r = 0; r < runs; r++) {
      const test = createTest('success_rate', 20);
      for (let i = 1; i <= 400; i++) {
        addLoads(test, random, 0.95, 2);
        if (i % 10 === 0 && computeAbResults(test).sequential.stop) {
          stops += 1;
          break;
        }
      }
    }
    expect(stops / runs).toBeLessThan(0.02);
  });
});

describe('with a real difference', () => {
  it('the automatic stop finds it and names the faster arm', () => {
    const random = createRandom(5);
    const runs = 300;
    let right = 0;
    let wrong = 0;
    for (let r = 0; r < runs; r++) {
      const test = createTest('startup_time', 20);
      for (let i = 1; i <= 800; i++) {
        addProcess(test, random, 0.15);
        if (i % 10 !== 0) continue;
        const results = computeAbResults(test);
        if (!results.sequential.stop) continue;
        if (results.winner === 'lazy') right += 1;
        else wrong += 1;
        break;
      }
    }
    expect(right / runs).toBeGreaterThan(0.9);
    expect(wrong).toBe(0);
  });
});

// Spawn timing for the benchmarks: wall time of a whole `node` process, as a user sees a CLI start and end.
import { spawnSync } from 'node:child_process';

/** The environment without anything that would change how node or loadstrat behaves. */
export function createCleanEnv(extra = {}) {
  const env = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('LOADSTRAT_') || key === 'NODE_OPTIONS' || key === 'NODE_DEBUG') continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

// Run through bash where it has EPOCHREALTIME (bash ≥ 5): the wall time is taken around node alone, and
// `times` adds the child's CPU time (getrusage), which a machine shared with other work inflates far less.
const TIMED =
  's=$EPOCHREALTIME; "$@"; status=$?; e=$EPOCHREALTIME; times >&3; echo "$s $e" >&3; exit $status';
let useBash;

function hasBashClock() {
  const probe = spawnSync('bash', ['-c', 'echo "$EPOCHREALTIME"'], { encoding: 'utf8' });
  return probe.status === 0 && /^\d+[.,]\d+$/.test(probe.stdout.trim());
}

const seconds = (text) => Number(text.replace(',', '.'));

/** `times` prints the shell's own user/sys, then its children's: `0m0.119s 0m0.016s`. */
function parseTimes(text) {
  const lines = text.trim().split('\n');
  const clock = lines.at(-1).split(' ');
  const children = lines.at(-2).match(/(\d+)m([\d.,]+)s (\d+)m([\d.,]+)s/);
  if (children === null || clock.length !== 2) return undefined;
  const cpu =
    (Number(children[1]) * 60 + seconds(children[2]) + Number(children[3]) * 60 + seconds(children[4])) *
    1000;
  return { ms: (seconds(clock[1]) - seconds(clock[0])) * 1000, cpuMs: cpu };
}

/** Run `node ...args` once: wall time in ms, and CPU time (user + sys) where bash can give it. */
export function runNode({ args, cwd, env }) {
  useBash ??= hasBashClock();
  const start = process.hrtime.bigint();
  const child = useBash
    ? spawnSync('bash', ['-c', TIMED, 'bench', process.execPath, ...args], {
        cwd,
        env,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      })
    : spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const spawnMs = Number(process.hrtime.bigint() - start) / 1e6;
  const timed = useBash ? parseTimes(child.output?.[3] ?? '') : undefined;
  return {
    ms: timed?.ms ?? spawnMs,
    cpuMs: timed?.cpuMs ?? null,
    status: child.status,
    signal: child.signal,
    stdout: child.stdout ?? '',
    stderr: child.stderr ?? '',
    error: child.error,
  };
}

export function median(values) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

/**
 * Time each variant `rounds` times, interleaved (A B C D, then B C D A, …) after `warmup` uncounted rounds,
 * so machine noise and warm file caches fall on every variant alike. A run whose exit code, stdout or
 * stderr differs from what the variant expects is kept in the timings but reported as a problem.
 */
export function timeInterleaved(variants, { rounds, warmup = 1, onRound } = {}) {
  const samples = new Map(variants.map((v) => [v.id, []]));
  const cpuSamples = new Map(variants.map((v) => [v.id, []]));
  const problems = new Map(variants.map((v) => [v.id, []]));
  for (let round = -warmup; round < rounds; round += 1) {
    const offset = ((round % variants.length) + variants.length) % variants.length;
    for (let i = 0; i < variants.length; i += 1) {
      const variant = variants[(i + offset) % variants.length];
      const run = runNode(variant);
      const problem = describeProblem(variant, run);
      if (problem !== null && problems.get(variant.id).length < 3) problems.get(variant.id).push(problem);
      if (round >= 0) {
        samples.get(variant.id).push(run.ms);
        if (run.cpuMs !== null) cpuSamples.get(variant.id).push(run.cpuMs);
      }
    }
    onRound?.(round, rounds);
  }
  return variants.map((v) => {
    const ms = samples.get(v.id);
    const cpu = cpuSamples.get(v.id);
    return {
      id: v.id,
      label: v.label,
      median_ms: median(ms),
      median_cpu_ms: cpu.length > 0 ? median(cpu) : null,
      p25_ms: quantile(ms, 0.25),
      p75_ms: quantile(ms, 0.75),
      samples_ms: ms.map((x) => Math.round(x * 100) / 100),
      problems: problems.get(v.id),
    };
  });
}

export function describeProblem(variant, run) {
  if (run.error) return `could not start: ${run.error.message}`;
  if (run.status !== 0)
    return `exit ${run.status ?? run.signal}: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`;
  if (variant.stdout !== undefined && run.stdout !== variant.stdout)
    return `unexpected stdout: ${JSON.stringify(run.stdout.slice(0, 200))}`;
  if (run.stderr.trim() !== '') return `stderr: ${run.stderr.trim().split('\n').slice(0, 3).join(' | ')}`;
  return null;
}

/** 32-bit FNV-1a, as GrowthBook hashes its bucketing keys. */
export function fnv1a32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** GrowthBook's version-2 bucket in [0,1): hashing twice spreads sequential units evenly. */
export function getBucket(seed: string, unit: string): number {
  return (fnv1a32(String(fnv1a32(seed + unit))) % 10000) / 10000;
}

/**
 * The arm of `unit` in a test: enrolment and arm come from separate hashes so changing the coverage
 * never reshuffles who is on which arm. `trafficSplit` is the share of units given strategy_b.
 */
export function assignArm(seed: string, unit: string, trafficSplit: number, coverage = 1): 'a' | 'b' | null {
  if (getBucket(`${seed}:enrol`, unit) >= coverage) return null;
  return getBucket(seed, unit) < trafficSplit ? 'b' : 'a';
}

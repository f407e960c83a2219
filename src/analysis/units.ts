/** SPEC §5: times in seconds, memory in MiB, rates and scores in percent; rounded as the seed shows them. */
export function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function toSeconds(value: number): number {
  return round(value, 6);
}

export function toMiB(bytes: number): number {
  return round(bytes / 1_048_576, 2);
}

export function toPercent(ratio: number): number {
  return round(ratio * 100, 2);
}

import * as hdr from 'hdr-histogram-js';

// Load times in microseconds, from 1 µs to one hour, at 2 significant digits (1% resolution).
const HISTOGRAM_OPTIONS = {
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000_000,
  numberOfSignificantValueDigits: 2,
} as const;

export type Histogram = hdr.Histogram;

export function createHistogram(): Histogram {
  return hdr.build({ ...HISTOGRAM_OPTIONS, useWebAssembly: false });
}

export function decodeHistogram(encoded: string): Histogram {
  const histogram = createHistogram();
  if (encoded !== '') histogram.add(hdr.decodeFromCompressedBase64(encoded, 32, false));
  return histogram;
}

export function encodeHistogram(histogram: Histogram): string {
  return histogram.totalCount === 0 ? '' : hdr.encodeIntoCompressedBase64(histogram);
}

export function recordMicros(histogram: Histogram, micros: number): void {
  histogram.recordValue(Math.min(Math.max(1, Math.round(micros)), HISTOGRAM_OPTIONS.highestTrackableValue));
}

/** Merge encoded histograms into one encoding. */
export function mergeEncoded(encodings: readonly string[]): string {
  if (encodings.every((e) => e === '')) return '';
  const histogram = createHistogram();
  for (const encoded of encodings) if (encoded !== '') histogram.add(decodeHistogram(encoded));
  return encodeHistogram(histogram);
}

/** The value at a percentile, in microseconds; null for an empty histogram. */
export function getPercentileMicros(encoded: string, percentile: number): number | null {
  if (encoded === '') return null;
  return decodeHistogram(encoded).getValueAtPercentile(percentile);
}

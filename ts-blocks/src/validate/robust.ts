/**
 * Robust statistics for volumetry: the median and the median absolute deviation (MAD) are barely moved by the
 * outliers they are meant to find, unlike the mean and standard deviation.
 * Modified z-score (Iglewicz & Hoaglin): z = 0.6745 · (x − median) / MAD; |z| > 3.5 is their outlier threshold.
 * When more than half the values are equal (MAD = 0) the mean absolute deviation stands in (scaled by 1.253314,
 * its ratio to σ for normal data), as in IBM SPSS's definition.
 */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function mad(values: readonly number[], center = median(values)): number {
  return median(values.map((v) => Math.abs(v - center)));
}

export function meanAbsoluteDeviation(values: readonly number[], center = median(values)): number {
  if (values.length === 0) return Number.NaN;
  return values.reduce((sum, v) => sum + Math.abs(v - center), 0) / values.length;
}

/** Modified z-score of `x` against `reference`. ±Infinity when the reference has no spread and x differs. */
export function modifiedZ(x: number, reference: readonly number[]): number {
  const m = median(reference);
  const spread = mad(reference, m);
  if (spread > 0) return (0.6745 * (x - m)) / spread;
  const meanAd = meanAbsoluteDeviation(reference, m);
  if (meanAd > 0) return (x - m) / (1.253314 * meanAd);
  if (x === m) return 0;
  return x > m ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
}
